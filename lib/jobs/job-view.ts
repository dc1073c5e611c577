import { NotFoundError } from '../errors.js';
import { importOptionsView } from '../import/import-options.js';
import type { FileStore } from '../storage/ports.js';
import type { ImportJob } from './job.js';
import { undoView } from './undo-import.js';

/** A job as the API shows it: snake_case, progress in rows and bytes, no internals. */
export function jobView(job: ImportJob): Record<string, unknown> {
  const total = job.totalBytes ?? 0;
  const bytesRead = job.status === 'completed' ? total : Math.min(job.progress.bytesRead, total || job.progress.bytesRead);
  return {
    import_id: job.importId,
    status: job.status,
    origin: job.origin,
    object_key: job.objectKey,
    // Which version of the object the job imports (S3 ETag): a newer upload under the same key is another job.
    ...(job.etag ? { etag: job.etag } : {}),
    ...(job.sourceId ? { source_id: job.sourceId, mode: job.mode } : {}),
    import_options: importOptionsView(job.options),
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    ...(job.uploadExpiresAt && job.status === 'waiting_upload' ? { upload_expires_at: job.uploadExpiresAt } : {}),
    ...(job.startedAt ? { started_at: job.startedAt } : {}),
    ...(job.finishedAt ? { finished_at: job.finishedAt } : {}),
    progress: {
      rows_processed: job.progress.rowsRead,
      imported_rows: job.progress.imported,
      failed_rows: job.progress.failed,
      skipped_rows: job.progress.skipped,
      bytes_read: bytesRead,
      total_bytes: total,
      percent: total > 0 ? Math.min(100, Math.floor((bytesRead / total) * 100)) : job.status === 'completed' ? 100 : 0,
    },
    invocations: job.invocations,
    ...(job.report ? { report: job.report } : {}),
    ...(job.failureReason ? { failure_reason: job.failureReason } : {}),
    // A running job waiting for a retry after a failure that was not the file's fault.
    ...(job.status === 'running' && job.lastError ? { retrying: { attempts: job.attempts ?? 0, last_error: job.lastError } } : {}),
    ...(job.note ? { note: job.note } : {}),
    ...(job.errorsKey ? { errors_url: `/phonebook/imports/${job.importId}/errors.csv` } : {}),
    // Once an undo was asked for: what it did so far, and when it finished.
    ...(job.undo ? { undo: undoView(job) } : {}),
    ...(job.undoneAt ? { undone_at: job.undoneAt } : {}),
  };
}

/** Rejected rows up to this size are answered inline; larger ones through a download URL. */
const INLINE_ERRORS_BYTES = 4 * 1024 * 1024;

export type RejectedRowsDownload = { kind: 'inline'; filename: string; csv: string } | { kind: 'redirect'; filename: string; url: string };

/**
 * A completed job's errors.csv: inline when small (a Lambda response carries 6 MB at most),
 * otherwise a short-lived download URL. 404 when there is nothing (yet) to download.
 */
export async function rejectedRowsDownload(job: ImportJob, files: FileStore): Promise<RejectedRowsDownload> {
  if (job.status !== 'completed')
    throw new NotFoundError(`import is ${job.status.replace('_', ' ')}; rejected rows are listed when it has completed`);
  if (!job.errorsKey) throw new NotFoundError('this import rejected no rows');
  const object = await files.head(job.errorsKey);
  if (!object) throw new NotFoundError('rejected rows are no longer available');
  const filename = `${job.importId}-errors.csv`;
  if (object.size <= INLINE_ERRORS_BYTES) return { kind: 'inline', filename, csv: await files.readText(job.errorsKey) };
  return { kind: 'redirect', filename, url: await files.presignDownload(job.errorsKey, { expiresInSeconds: 300, filename }) };
}
