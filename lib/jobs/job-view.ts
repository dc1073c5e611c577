import type { ImportJob } from './job.js';

/** A job as the API shows it: snake_case, progress in rows and bytes, no internals. */
export function jobView(job: ImportJob): Record<string, unknown> {
  const total = job.totalBytes ?? 0;
  const bytesRead = job.status === 'completed' ? total : Math.min(job.progress.bytesRead, total || job.progress.bytesRead);
  return {
    import_id: job.importId,
    status: job.status,
    origin: job.origin,
    object_key: job.objectKey,
    ...(job.sourceId ? { source_id: job.sourceId, mode: job.mode } : {}),
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
    ...(job.note ? { note: job.note } : {}),
    ...(job.errorsKey ? { errors_url: `/phonebook/imports/${job.importId}/errors.csv` } : {}),
  };
}
