/** A command line the CLI cannot act on; printed as it is, exit code 2. */
export class UsageError extends Error {}

/** The largest file sent through the synchronous route by default (see {@link chooseImportRoute}). */
export const DEFAULT_SYNC_MAX_BYTES = 4 * 1024 * 1024;

export type ImportRoute = 'sync' | 'job';
export type RouteChoice = ImportRoute | 'auto';

/**
 * `--map 'Header=field'` entries as the import routes' `mapping` field: source header → our
 * column, `null` (an empty right side, `'Header='`) to drop the column. The header is split at
 * the last `=`, so a header may itself contain one. A header mapped twice is an error.
 */
export function mappingOf(entries: readonly string[]): Record<string, string | null> | undefined {
  if (entries.length === 0) return undefined;
  const mapping: Record<string, string | null> = {};
  for (const entry of entries) {
    const at = entry.lastIndexOf('=');
    const header = at < 0 ? '' : entry.slice(0, at).trim();
    if (at < 0 || header === '') throw new UsageError(`--map '${entry}': expected 'Header=field' (or 'Header=' to drop the column)`);
    if (Object.hasOwn(mapping, header)) throw new UsageError(`--map: header '${header}' is mapped twice`);
    const field = entry.slice(at + 1).trim();
    mapping[header] = field === '' ? null : field;
  }
  return mapping;
}

/** A whole number of at least `min` from an option or variable, or a UsageError naming it. */
export function wholeNumberOf(raw: string, name: string, min = 1): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${name}: '${raw}' is not a whole number of at least ${min}`);
  }
  return value;
}

/**
 * Which route imports a file of `size` bytes. The synchronous route's body passes through API
 * Gateway and one Lambda event (6 MB, base64-encoded: about 4.4 MB of multipart body), so past
 * `syncMaxBytes` (4 MiB by default, leaving room for the form's other fields) the file goes to
 * the presigned upload and a job. An explicit choice wins; a file too large for the synchronous
 * route it asks for is refused here rather than by the gateway's 413.
 */
export function chooseImportRoute(size: number, syncMaxBytes: number, choice: RouteChoice): ImportRoute {
  if (choice === 'job') return 'job';
  if (size <= syncMaxBytes) return 'sync';
  if (choice === 'sync') {
    throw new UsageError(`--route sync: the file has ${size} bytes, more than the synchronous route takes (${syncMaxBytes})`);
  }
  return 'job';
}

/**
 * The options only the synchronous routes understand (the job routes detect delimiter and
 * preset themselves and always write): named so that a job import refuses them instead of
 * silently ignoring them.
 */
export function syncOnlyOptionsOf(options: { dryRun?: boolean; map?: readonly string[]; delimiter?: string }): string[] {
  const named: string[] = [];
  if (options.dryRun) named.push('--dry-run');
  if (options.map && options.map.length > 0) named.push('--map');
  if (options.delimiter !== undefined) named.push('--delimiter');
  return named;
}

/** The service's base URL without a trailing slash, or a UsageError for what is not http(s). */
export function baseUrlOf(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url / PHONEBOOK_URL: '${raw}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url / PHONEBOOK_URL: '${raw}' is not http(s)`);
  return url.href.replace(/\/+$/, '');
}
