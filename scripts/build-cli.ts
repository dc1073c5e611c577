import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundles the `phonebook` CLI into one ES module with its libraries (commander, cli-progress,
 * csv-parse), so that an installed package runs it with plain Node: no tsx, no node_modules.
 * The libraries are CommonJS and require Node's modules; the banner gives the bundle a
 * `require` for that.
 */
export const CLI_BUNDLE = path.join(PROJECT_ROOT, 'dist', 'cli', 'phonebook.mjs');

await build({
  entryPoints: [path.join(PROJECT_ROOT, 'cli', 'main.ts')],
  outfile: process.argv[2] ? path.resolve(process.argv[2]) : CLI_BUNDLE,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
