import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
/** Where the page is written, and where functions/web-page.ts reads it from (and serverless.yml packages it). */
export const PAGE_FILE = path.join(ROOT, 'web', 'dist', 'index.html');

/**
 * Bundles the web page (web/src, Preact) with esbuild into one HTML file with its script and
 * stylesheet inline: one route serves it, and it loads nothing from anywhere else. Built by
 * `npm start`, by the test setup and before `npm run package`; the output is not committed.
 */
export async function buildPage(): Promise<string> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['web/src/main.tsx'],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    loader: { '.css': 'text' },
    legalComments: 'none',
    logLevel: 'warning',
  });
  const script = (result.outputFiles[0]?.text ?? '').replace(/<\/script/gi, '<\\/script');
  // Only this script may run (its hash), and the page talks only to its own origin and the
  // presigned upload URL (another origin: the bucket), never loads code or frames.
  const scriptHash = createHash('sha256').update(script).digest('base64');
  const policy = [
    "default-src 'none'",
    `script-src 'sha256-${scriptHash}'`,
    "style-src 'unsafe-inline'",
    "connect-src 'self' http: https:",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${policy}">`,
    '<meta name="referrer" content="no-referrer">',
    '<title>Phonebook import</title>',
    // No favicon request: the page loads nothing but itself.
    '<link rel="icon" href="data:,">',
    '</head>',
    '<body>',
    '<header><h1>Phonebook import</h1></header>',
    '<main id="app"></main>',
    `<script type="module">${script}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
  await mkdir(path.dirname(PAGE_FILE), { recursive: true });
  // Written aside and renamed: test processes build it at once, and a reader must never see half a page.
  const partial = `${PAGE_FILE}.${process.pid}.tmp`;
  await writeFile(partial, html);
  await rename(partial, PAGE_FILE);
  return PAGE_FILE;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = await buildPage();
  process.stdout.write(`page built: ${path.relative(ROOT, file)}\n`);
}
