import { randomUUID } from 'node:crypto';
import { InvalidCsvError } from '../errors.js';
import { type ImportOutcome, runImport } from '../import/pipeline.js';
import type { ImportReport } from '../import/report.js';
import { logger } from '../logger.js';
import type { ContactStore } from '../storage/ports.js';
import { objectKeys } from './job.js';
import type { FileStore, ImportTrigger, JobStore, Lease, SourceStore } from './ports.js';
import { RejectedRows } from './rejected-rows.js';

/** Removes what a scheduled "replace" source no longer lists. */
export interface SourceContactCleaner {
  /** Deletes the owner's contacts written by `sourceId` but not by `keepImportId`; resolves with the count. */
  removeSourceContactsNotFrom(owner: string, sourceId: string, keepImportId: string): Promise<number>;
}

export interface JobRunnerDeps {
  jobs: JobStore;
  files: FileStore;
  writer: ContactStore;
  trigger: ImportTrigger;
  sources: SourceStore;
  cleaner: SourceContactCleaner;
  settings: {
    writeConcurrency: number;
    maxErrorMessages: number;
    maxUploadBytes: number;
    checkpointEveryRows: number;
  };
}

export type JobRunResult = 'completed' | 'continued' | 'failed' | 'not-claimable';

/** A lease outlives its invocation's deadline by this much before others may take the job. */
const LEASE_GRACE_MS = 2 * 60 * 1000;

class LeaseLostError extends Error {}

/** A replace re-import removes nothing unless the file was clearly good. */
export function replaceIsSafe(report: ImportReport): boolean {
  return report.total_rows > 0 && report.failed_rows === 0 && report.skipped_rows * 2 <= report.total_rows;
}

/**
 * Runs one invocation's share of an import job until it completes or `deadline` (epoch ms)
 * comes, then checkpoints and hands the rest to a fresh invocation. A job that cannot be
 * claimed (finished, or held by a live invocation) is left alone: duplicate S3 events and
 * retries are harmless. An unexpected error releases the job for an immediate retry.
 */
export async function runImportJob(owner: string, importId: string, deps: JobRunnerDeps, deadline: number): Promise<JobRunResult> {
  const log = { owner, importId };
  const job = await deps.jobs.getJob(owner, importId);
  if (!job || job.status === 'completed' || job.status === 'failed') {
    logger.info('import job not runnable', { ...log, status: job?.status ?? 'missing' });
    return 'not-claimable';
  }
  const object = await deps.files.head(job.objectKey);
  const finishSource = async (etag?: string) => {
    if (job.sourceId) await deps.sources.markFinished(job.sourceId, importId, etag ? { etag } : undefined);
  };
  /** `reason` is shown to the owner; `logReason` goes to the logs and never quotes the file. */
  const fail = async (reason: string, lease?: Lease, logReason = reason): Promise<JobRunResult> => {
    await deps.jobs.failJob(owner, importId, reason, lease);
    await finishSource();
    logger.warn('import job failed', { ...log, reason: logReason });
    return 'failed';
  };
  if (!object) {
    if (job.status === 'waiting_upload') return 'not-claimable';
    return fail(`the file ${job.objectKey} is no longer in the bucket`);
  }
  if (object.size > deps.settings.maxUploadBytes) {
    return fail(`the file is ${object.size} bytes; the limit is ${deps.settings.maxUploadBytes} bytes`);
  }
  if (job.checkpoint && job.etag && job.etag !== object.etag) {
    return fail('the file changed while it was being imported; upload it again');
  }

  const lease: Lease = { id: randomUUID(), expiresAt: deadline + LEASE_GRACE_MS };
  const claimed = await deps.jobs.claimJob(owner, importId, lease, { totalBytes: object.size, etag: object.etag });
  if (!claimed) {
    logger.info('import job held by another invocation', log);
    return 'not-claimable';
  }
  const checkpoint = claimed.checkpoint;
  const stream = await deps.files.read(job.objectKey, checkpoint?.encoding === 'utf-8' ? checkpoint.byteOffset : 0);
  const rejected = new RejectedRows(deps.files, owner, importId, checkpoint?.nextRow ?? 2);
  logger.info('import job running', { ...log, invocation: claimed.invocations, fromRow: checkpoint?.nextRow ?? 2 });

  let outcome: ImportOutcome;
  try {
    outcome = await runImport(stream.body, {
      owner,
      writer: deps.writer,
      writeConcurrency: deps.settings.writeConcurrency,
      maxErrorMessages: deps.settings.maxErrorMessages,
      origin: { importId, ...(claimed.sourceId ? { sourceId: claimed.sourceId } : {}) },
      onRejectedRow: (row, reason, cells) => rejected.add(row, reason, cells),
      ...(checkpoint ? { resumeFrom: checkpoint } : {}),
      shouldPause: () => Date.now() >= deadline,
      checkpointEveryRows: deps.settings.checkpointEveryRows,
      onCheckpoint: async (next, progress) => {
        await rejected.flush(next.nextRow);
        lease.expiresAt = deadline + LEASE_GRACE_MS;
        if (!(await deps.jobs.saveCheckpoint(owner, importId, lease, next, progress))) throw new LeaseLostError();
      },
    });
  } catch (error) {
    stream.abort();
    if (error instanceof InvalidCsvError) {
      return fail(`${error.message}: ${String(error.body.error ?? '')}`, lease, `${error.message}: ${error.logDetail}`);
    }
    if (error instanceof LeaseLostError) {
      logger.warn('import job lease lost; another invocation continues it', log);
      return 'not-claimable';
    }
    await deps.jobs.releaseJob(owner, importId, lease).catch(() => undefined);
    throw error;
  }

  if (outcome.status === 'paused') {
    stream.abort();
    await rejected.flush(outcome.checkpoint.nextRow);
    if (!(await deps.jobs.saveCheckpoint(owner, importId, lease, outcome.checkpoint, outcome.progress))) return 'not-claimable';
    await deps.jobs.releaseJob(owner, importId, lease);
    await deps.trigger.startImport(owner, importId);
    logger.info('import job continues in a new invocation', { ...log, nextRow: outcome.checkpoint.nextRow });
    return 'continued';
  }

  await rejected.flush(Number.POSITIVE_INFINITY);
  const report = outcome.report;
  const errorsKey = await RejectedRows.merge(deps.files, owner, importId, outcome.header);
  let note: string | undefined;
  if (claimed.mode === 'replace' && claimed.sourceId) {
    if (replaceIsSafe(report)) {
      const removed = await deps.cleaner.removeSourceContactsNotFrom(owner, claimed.sourceId, importId);
      note = `replace: removed ${removed} contacts of source ${claimed.sourceId} that are no longer in the file`;
    } else {
      note = 'replace: nothing removed, because rows failed or more than half of the rows were rejected';
    }
  }
  const reportKey = objectKeys.report(owner, importId);
  await deps.files.write(reportKey, `${JSON.stringify({ import_id: importId, ...report, ...(note ? { note } : {}) }, null, 2)}\n`, 'application/json');
  const done = await deps.jobs.completeJob(owner, importId, lease, {
    report,
    rejectedRows: report.skipped_rows + report.failed_rows,
    reportKey,
    ...(errorsKey ? { errorsKey } : {}),
    ...(note ? { note } : {}),
  });
  if (!done) return 'not-claimable';
  await finishSource(object.etag);
  logger.info('import job completed', { ...log, total_rows: report.total_rows, imported_rows: report.imported_rows });
  return 'completed';
}
