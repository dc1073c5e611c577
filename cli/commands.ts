import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { EXIT, type ExitCode } from '../lib/cli/exit-codes.js';
import { type FilePreview, type JobSummary, jobsTable, previewText } from '../lib/cli/format.js';
import { mappingOf, UsageError } from '../lib/cli/options.js';
import { type Api, apiErrorOf, CommandFailure, jsonOf } from './api.js';

/** `phonebook export`: the CSV as the service sends it (UTF-8 with BOM, CRLF), to stdout or `--output`. */
export async function runExport(api: Api, options: { user?: string; output?: string }): Promise<ExitCode> {
  const route = options.user ? `/admin/phonebook/export?username=${encodeURIComponent(options.user)}` : '/phonebook/export';
  const response = await api.download(route);
  if (!response.body) throw new CommandFailure('the export answered without a body');
  const target: Writable = options.output ? createWriteStream(options.output) : process.stdout;
  await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), target, { end: Boolean(options.output) });
  return EXIT.ok;
}

/** `phonebook jobs`: the caller's recent import jobs (or a user's, as super admin). */
export async function runJobs(api: Api, options: { user?: string; limit: number; json?: boolean }): Promise<ExitCode> {
  const query = `limit=${options.limit}${options.user ? `&username=${encodeURIComponent(options.user)}` : ''}`;
  const route = options.user ? `/admin/phonebook/imports?${query}` : `/phonebook/imports?${query}`;
  const { imports } = await api.json<{ imports: JobSummary[] }>(route);
  process.stdout.write(options.json ? `${JSON.stringify(imports, null, 2)}\n` : `${jobsTable(imports)}\n`);
  return EXIT.ok;
}

/** The preview needs the header and the first rows only: a large file sends its first bytes. */
const PREVIEW_BYTES = 256 * 1024;

/**
 * `phonebook preview FILE`: how the service will read the file, nothing written. Exit 3 when an
 * import of it would be refused (no `name` column), as an import's rejected rows exit 3.
 */
export async function runPreview(
  api: Api,
  file: string,
  options: { delimiter?: string; map: string[]; json?: boolean },
): Promise<ExitCode> {
  const { bytes: head, partial } = await firstBytesOf(file, PREVIEW_BYTES);
  const form = new FormData();
  // The service then leaves out the last line, which the cut may have split.
  if (partial) form.append('partial', 'true');
  if (options.delimiter !== undefined) form.append('delimiter', options.delimiter);
  const mapping = mappingOf(options.map);
  if (mapping) form.append('mapping', JSON.stringify(mapping));
  form.append('file', new Blob([head], { type: 'text/csv' }), path.basename(file));
  const answer = await api.request('/phonebook/import/preview', { method: 'POST', body: form });
  if (answer.status !== 200) throw apiErrorOf(answer);
  const preview = jsonOf(answer) as FilePreview;
  process.stdout.write(options.json ? `${JSON.stringify(preview, null, 2)}\n` : `${previewText(preview)}\n`);
  return preview.header_error ? EXIT.rejected : EXIT.ok;
}

/** The first `limit` bytes of a file, and whether that is less than the whole file. */
async function firstBytesOf(file: string, limit: number): Promise<{ bytes: Uint8Array; partial: boolean }> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new UsageError(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  try {
    const buffer = Buffer.alloc(limit + 1);
    const { bytesRead } = await handle.read(buffer, 0, limit + 1, 0);
    // A workbook (a zip) is sent whole: its first bytes show nothing, its texts are at its end.
    if (buffer.readUInt32LE(0) === 0x04034b50) return { bytes: await handle.readFile(), partial: false };
    return { bytes: buffer.subarray(0, Math.min(bytesRead, limit)), partial: bytesRead > limit };
  } finally {
    await handle.close();
  }
}

/**
 * `phonebook token NAME`: runs the checkout's own `scripts/token.ts` (what `npm run token`
 * runs), which signs with the local stack's secret in `.data/`: the CLI holds no signing code
 * of its own, and outside a checkout there is no local secret to sign with.
 */
export async function runToken(args: string[]): Promise<ExitCode> {
  const root = checkoutRoot();
  if (!root) {
    throw new UsageError(
      "token: run it inside a checkout of phonebook-import: it signs with the local stack's secret (.data/local-secrets.json, or JWT_SECRET) through scripts/token.ts",
    );
  }
  const tsx = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'tsx.cmd' : 'tsx');
  if (!existsSync(tsx)) throw new UsageError(`token: ${root} has no node_modules/.bin/tsx; run npm install there first`);
  const child = spawn(tsx, [path.join(root, 'scripts', 'token.ts'), ...args], { cwd: root, stdio: 'inherit' });
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (status) => resolve(status ?? 1));
  });
  return code === 0 ? EXIT.ok : code === 2 ? EXIT.usage : EXIT.error;
}

/** The phonebook-import checkout the current directory is in, else the one this CLI runs from. */
function checkoutRoot(): string | undefined {
  const candidates: string[] = [];
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    candidates.push(dir);
    if (path.dirname(dir) === dir) break;
  }
  candidates.push(
    path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'),
    path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'),
  );
  return candidates.find((dir) => isCheckout(dir));
}

function isCheckout(dir: string): boolean {
  if (!existsSync(path.join(dir, 'scripts', 'token.ts'))) return false;
  try {
    return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'phonebook-import';
  } catch {
    return false;
  }
}
