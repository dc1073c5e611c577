import { createReadStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImportReport } from '../lib/import/report.js';
import { type ExitCode, exitCodeOfReport } from '../lib/cli/exit-codes.js';
import { bytesText, count, reportText } from '../lib/cli/format.js';
import { chooseImportRoute, mappingOf, type RouteChoice, syncOnlyOptionsOf, UsageError } from '../lib/cli/options.js';
import { rejectedRowMessagesOf, rejectedRowsCsv } from '../lib/cli/rejected-rows.js';
import { type Answer, type Api, ApiError, apiErrorOf, CommandFailure, ConnectionError, jsonOf, send } from './api.js';
import { type ProgressView, progressView } from './progress.js';
import { backoffDelayMs, type RetryPolicy, sleep } from '../lib/storage/retry.js';

export interface ImportOptions {
  user?: string;
  dryRun?: boolean;
  map: string[];
  delimiter?: string;
  errors?: string;
  allowRejected?: boolean;
  route: RouteChoice;
  syncMaxBytes: number;
  pollInterval: number;
  json?: boolean;
  progress: boolean;
}

/** A job as GET /phonebook/imports/{id} shows it (the fields the CLI reads). */
interface JobView {
  import_id: string;
  status: string;
  progress: { rows_processed: number; bytes_read: number; total_bytes: number; percent: number };
  report?: ImportReport;
  failure_reason?: string;
  errors_url?: string;
}

interface CreatedUpload {
  import_id: string;
  upload_url: string;
  upload_method: string;
  upload_headers: Record<string, string>;
  status_url: string;
}

/** `phonebook import FILE`: the synchronous route or a job by size, the report, the exit code. */
export async function runImport(api: Api, file: string, options: ImportOptions): Promise<ExitCode> {
  const size = await fileSizeOf(file);
  const mapping = mappingOf(options.map);
  const syncOnly = syncOnlyOptionsOf(options);
  const route = chooseImportRoute(size, options.syncMaxBytes, options.route);
  if (route === 'job' && syncOnly.length > 0) throw syncOnlyRefusal(syncOnly, size, options);
  const view = progressView({ progress: options.progress });

  let outcome: { report: ImportReport; job?: JobView };
  if (route === 'sync') {
    const answer = await importSync(api, file, size, { ...options, mapping }, view);
    if (answer.status === 413 && options.route === 'auto' && syncOnly.length === 0) {
      view.note(
        `The service takes this file as too large for a synchronous import (${apiErrorOf(answer).message}); importing it as a job.`,
      );
      outcome = await importAsJob(api, file, size, options, view);
    } else if (answer.status === 413 && syncOnly.length > 0) {
      const refused = apiErrorOf(answer);
      throw new ApiError(413, refused.message, `without ${syncOnly.join(', ')}, phonebook imports such a file as a job`);
    } else outcome = { report: syncReportOf(answer) };
  } else outcome = await importAsJob(api, file, size, options, view);

  process.stdout.write(options.json ? `${JSON.stringify(outcome.report, null, 2)}\n` : `${reportText(outcome.report)}\n`);
  if (options.errors) await writeRejectedRows(api, file, options, outcome, view);
  return exitCodeOfReport(outcome.report, options.allowRejected ?? false);
}

async function fileSizeOf(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new UsageError(`${file}: not a file`);
    return info.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

function syncOnlyRefusal(named: string[], size: number, options: ImportOptions): UsageError {
  const why =
    options.route === 'job'
      ? 'with --route job'
      : `the file has ${bytesText(size)}, more than the synchronous route takes (${bytesText(options.syncMaxBytes)}), so it goes through an import job`;
  return new UsageError(
    `${named.join(', ')}: only the synchronous import takes ${named.length > 1 ? 'these' : 'this'}, and ${why}, which detects the delimiter and preset itself and always writes. ` +
      'Use `phonebook preview FILE` to see how the file will be read.',
  );
}

/** POST the file as multipart/form-data to the synchronous route, with upload progress. */
async function importSync(
  api: Api,
  file: string,
  size: number,
  options: ImportOptions & { mapping: Record<string, string | null> | undefined },
  view: ProgressView,
): Promise<Answer> {
  const form = new FormData();
  if (options.user) form.append('username', options.user);
  if (options.delimiter !== undefined) form.append('delimiter', options.delimiter);
  if (options.mapping) form.append('mapping', JSON.stringify(options.mapping));
  if (options.dryRun) form.append('dry_run', 'true');
  form.append('file', new Blob([await readFile(file)], { type: 'text/csv' }), path.basename(file));
  // The platform's own multipart encoder, read out so that the bytes can be counted as they go.
  const encoded = new Request('http://form.invalid/', { method: 'POST', body: form });
  const bytes = new Uint8Array(await encoded.arrayBuffer());
  const routePath = options.user ? '/admin/phonebook/import' : '/phonebook/import/';
  view.note(`Importing ${path.basename(file)} (${bytesText(size)}) through ${routePath}${options.dryRun ? ' as a dry run' : ''}`);
  const answer = await send(
    api.urlOf(routePath),
    {
      method: 'POST',
      headers: { authorization: api.authorization, 'content-type': encoded.headers.get('content-type') ?? '' },
      body: { bytes },
    },
    (sent, total) => view.upload(sent, total),
  );
  view.uploadDone();
  return answer;
}

/** The report of a synchronous import: a 200, or the 400 the reference answers when every row was rejected. */
function syncReportOf(answer: Answer): ImportReport {
  const body = jsonOf(answer) as Partial<ImportReport> | undefined;
  if ((answer.status === 200 || answer.status === 400) && typeof body?.total_rows === 'number') return body as ImportReport;
  throw apiErrorOf(answer);
}

/** Create the job, PUT the file to its presigned URL, follow the job to its end. */
async function importAsJob(
  api: Api,
  file: string,
  size: number,
  options: ImportOptions,
  view: ProgressView,
): Promise<{ report: ImportReport; job: JobView }> {
  const created = options.user
    ? await api.json<CreatedUpload>('/admin/phonebook/imports', { method: 'POST', body: { username: options.user, size } }, [201])
    : await api.json<CreatedUpload>('/phonebook/imports', { method: 'POST', body: { size } }, [201]);
  view.note(`Import job ${created.import_id}: uploading ${path.basename(file)} (${bytesText(size)})`);
  const uploaded = await send(
    created.upload_url,
    { method: created.upload_method || 'PUT', headers: created.upload_headers, body: { path: file, size } },
    (sent, total) => view.upload(sent, total),
  );
  view.uploadDone();
  if (uploaded.status < 200 || uploaded.status > 299) {
    const code = /<Code>([^<]*)<\/Code>/.exec(uploaded.text)?.[1];
    throw new ApiError(uploaded.status, `the upload URL refused the file${code ? ` (${code})` : ''}`);
  }
  const job = await followJob(api, created.import_id, options, view);
  if (job.status === 'failed' || !job.report) {
    throw new CommandFailure(`import job ${job.import_id} failed: ${job.failure_reason ?? 'no reason given'}`);
  }
  return { report: job.report, job };
}

/** Polls the job until it has completed or failed, feeding the progress view. */
async function followJob(api: Api, importId: string, options: ImportOptions, view: ProgressView): Promise<JobView> {
  // Ctrl+C stops watching, not the import: the job runs on in the service.
  const onInterrupt = () => {
    view.jobDone();
    view.note(
      `Stopped watching; import job ${importId} goes on. See it with: phonebook jobs${options.user ? ` --user ${options.user}` : ''}`,
    );
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    for (let failures = 0; ; ) {
      let job: JobView;
      try {
        job = await jobOf(api, importId, options.user);
        failures = 0;
      } catch (error) {
        if (!isTransient(error) || ++failures > MAX_POLL_FAILURES) throw error;
        await sleep(backoffDelayMs(failures, pollRetryPolicyOf(options.pollInterval)));
        continue;
      }
      view.job({
        status: job.status,
        percent: job.progress.percent,
        rows: job.progress.rows_processed,
        bytes: job.progress.bytes_read,
        totalBytes: job.progress.total_bytes,
      });
      if (job.status === 'completed' || job.status === 'failed') {
        view.jobDone();
        return job;
      }
      await sleep(options.pollInterval);
    }
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

/** Status reads in a row that may fail (unreachable, 429, 5xx) before the command gives up. */
const MAX_POLL_FAILURES = 5;

/** A failed status read worth repeating: the job is unaffected by it. */
function isTransient(error: unknown): boolean {
  return error instanceof ConnectionError || (error instanceof ApiError && (error.status === 429 || error.status >= 500));
}

/**
 * The project's one backoff (full jitter, lib/storage/retry.ts), on the poll interval's scale:
 * pauses grow from 2 up to 32 intervals, so a restarting service is not polled in lock-step.
 */
function pollRetryPolicyOf(pollIntervalMs: number): RetryPolicy {
  return { maxAttempts: MAX_POLL_FAILURES, baseDelayMs: 2 * pollIntervalMs, maxDelayMs: 32 * pollIntervalMs };
}

/**
 * A job's current view. The owner reads it by id; a super admin has no route for one job of
 * another user, so it is found in that user's list (newest first: a job just created is on
 * the first page).
 */
async function jobOf(api: Api, importId: string, user: string | undefined): Promise<JobView> {
  if (!user) return api.json<JobView>(`/phonebook/imports/${encodeURIComponent(importId)}`);
  const list = await api.json<{ imports: JobView[] }>(`/admin/phonebook/imports?username=${encodeURIComponent(user)}&limit=100`);
  const job = list.imports.find((candidate) => candidate.import_id === importId);
  if (!job) throw new ApiError(404, `import job ${importId} is not among ${user}'s recent jobs`);
  return job;
}

/**
 * `--errors FILE`: every rejected row, `row,error,<the file's columns>`. A user's job has the
 * service's complete errors.csv; otherwise (synchronous imports, an admin's job) the report's
 * messages (the first 100 rows) are joined with the rows' cells from the local file.
 */
async function writeRejectedRows(
  api: Api,
  file: string,
  options: ImportOptions,
  outcome: { report: ImportReport; job?: JobView },
  view: ProgressView,
): Promise<void> {
  const target = options.errors as string;
  const rejected = outcome.report.skipped_rows + outcome.report.failed_rows;
  if (outcome.job && !options.user) {
    if (outcome.job.errors_url) {
      const download = await api.download(outcome.job.errors_url);
      await writeFile(target, new Uint8Array(await download.arrayBuffer()));
    } else await writeFile(target, 'row,error\r\n');
    view.note(`Rejected rows: ${count(rejected)}, written to ${target}`);
    return;
  }
  const { csv, rows } = await rejectedRowsCsv(createReadStream(file), outcome.report.error_messages, options.delimiter);
  await writeFile(target, csv);
  view.note(`Rejected rows: ${count(rejected)}, ${count(rows)} written to ${target}`);
  if (rejectedRowMessagesOf(outcome.report.error_messages).truncated) {
    view.note(`The report lists the first rejected rows only; ${target} has those. Import the file as a user's job for the complete list.`);
  }
}
