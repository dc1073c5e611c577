import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where `npm run build:cli` (and so `npm pack`) writes the bundle that bin/phonebook.mjs runs when installed. */
export const CLI_BUNDLE = path.join(PROJECT_ROOT, 'dist', 'cli', 'phonebook.mjs');

/**
 * Bundles the `phonebook` CLI into one ES module with its libraries (commander, cli-progress,
 * csv-parse), so that an installed package runs it with plain Node: no tsx, no node_modules.
 * The libraries are CommonJS and require Node's modules; the banner gives the bundle a
 * `require` for that.
 */
export async function buildCliBundle(outfile = CLI_BUNDLE): Promise<void> {
  await build({
    entryPoints: [path.join(PROJECT_ROOT, 'cli', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await buildCliBundle(process.argv[2] ? path.resolve(process.argv[2]) : CLI_BUNDLE);
}
