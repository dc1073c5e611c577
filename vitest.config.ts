import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The web page is built once per run, from a clean clone too: GET / and the browser tests serve it.
    globalSetup: ['test/support/build-page-setup.ts'],
    // Each file runs in its own process: integration files start their own local stack and
    // the handlers read process.env once, when loaded.
    pool: 'forks',
    // Generous: integration tests drive real servers, and CI machines may be busy.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // The JSON report is what .ci/run reads for its one-line totals.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    env: {
      LOG_LEVEL: 'silent',
      // The SDK warns once per process that Node 20 support ends in 2027; with a process per
      // file and per function worker, that one line buried the test output. The README and
      // the closing notes track the Node upgrade instead.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
