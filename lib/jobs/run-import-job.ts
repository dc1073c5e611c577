import { randomUUID } from 'node:crypto';
import { InvalidCsvError, UploadNotFoundError } from '../errors.js';
import { type ImportOutcome, runImport } from '../import/pipeline.js';
import type { ImportReport } from '../import/report.js';
import { logger } from '../logger.js';
import {
  type ContactStore,
  type FileStore,
  type ImportTrigger,
  type JobStore,
  type Lease,
  ObjectChangedError,
  type SourceContactCleaner,
  type SourceStore,
  type StoredObject,
} from '../storage/ports.js';
import { type ImportJob, objectKeys } from './job.js';
import { RejectedRows } from './rejected-rows.js';

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
    /** How long a claim holds without a heartbeat; DEFAULT_LEASE_MS when unset. */
    leaseMs?: number;
  };
}

export type JobRunResult = 'completed' | 'continued' | 'failed' | 'retrying' | 'not-claimable';

/**
 * A claim holds this long unless renewed. The holder renews it with every checkpoint and on a
 * timer (every third of it), so only a dead holder lets it run out: the sweep, once a minute,
 * then hands the job to a fresh invocation. Worst case from death to resume: lease + sweep interval.
 */
export const DEFAULT_LEASE_MS = 60_000;
/** Attempts in a row without progress that failed for reasons not the file's (storage unavailable). */
export const MAX_ATTEMPTS = 6;

/** The wait before attempt `attempts + 1`: 15 s, 30 s, 1 min, 2 min, 4 min (then capped at 5 min). */
export function retryDelayMs(attempts: number): number {
  return Math.min(15_000 * 2 ** Math.max(0, attempts - 1), 5 * 60_000);
}

/** The upload event names an object the bucket does not show: S3 trouble; the event is retried. */
export class UploadNotVisibleError extends Error {
  constructor(key: string) {
    super(`the object-created event names ${key}, but the bucket does not show it`);
    this.name = 'UploadNotVisibleError';
  }
}

class LeaseLostError extends Error {}

/** A replace re-import removes nothing unless the file was clearly good. */
export function replaceIsSafe(report: ImportReport): boolean {
  return report.total_rows > 0 && report.failed_rows === 0 && report.skipped_rows * 2 <= report.total_rows;
}

/** What a job's user reads when the object under its key is no longer the one the job names. */
export function replacedFileReason(job: Pick<ImportJob, 'origin' | 'checkpoint'>): string {
  if (job.checkpoint) return 'the file changed while it was being imported; upload it again';
  if (job.origin === 'drop') return 'the file was replaced before it could be imported; the newer upload has its own job';
  if (job.origin === 'schedule') return 'the file was replaced before it could be imported; the next scheduled run imports the newer file';
  return 'the file was replaced before it could be imported; upload it again';
}

/** A short reason for a failure that is not the file's fault, safe for logs (no cell contents). */
function transientReason(error: unknown): string {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return `storage unavailable (${name}: ${message})`.slice(0, 300);
}

/** Renews a lease on a timer between checkpoints (a slow batch can outlast the lease). */
class Heartbeat {
  lost = false;
  private beat: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(renew: () => Promise<boolean>, everyMs: number) {
    this.timer = setInterval(() => {
      if (this.beat) return;
      this.beat = renew()
        .then((held) => {
          if (!held) this.lost = true;
        })
        // A failed renewal is retried at the next beat; the lease outlasts two missed beats.
        .catch((error: unknown) => logger.warn('import job heartbeat failed', { reason: error instanceof Error ? error.name : 'Error' }))
        .finally(() => {
          this.beat = undefined;
        });
    }, everyMs);
    this.timer.unref();
  }

  /** Stops beating and waits for a renewal in flight, so none lands after a release. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beat;
  }
}

/**
 * Runs one invocation's share of an import job until it completes or `deadline` (epoch ms)
 * comes, then checkpoints and hands the rest to a fresh invocation. A job that cannot be
 * claimed (finished, or held by a live invocation) is left alone: duplicate S3 events and
 * retries are harmless.
 *
 * Before the claim (an upload not yet taken), an S3 failure is thrown, so that the platform
 * retries the event. After the claim, a failure that is not the file's fault releases the job
 * for a retry after a backoff (the sweep takes it up), and fails it with the reason after
 * MAX_ATTEMPTS attempts in a row without progress.
 */
export async function runImportJob(owner: string, importId: string, deps: JobRunnerDeps, deadline: number): Promise<JobRunResult> {
  const log = { owner, importId };
  const job = await deps.jobs.getJob(owner, importId);
  if (!job || job.status === 'completed' || job.status === 'failed') {
    logger.info('import job not runnable', { ...log, status: job?.status ?? 'missing' });
    return 'not-claimable';
  }
  let uploaded: StoredObject | undefined;
  if (job.status === 'waiting_upload') {
    // Throws when S3 is unavailable: the event is retried, and the sweep looks again later.
    uploaded = await deps.files.head(job.objectKey);
    if (!uploaded) throw new UploadNotVisibleError(job.objectKey);
  }
  const leaseMs = deps.settings.leaseMs ?? DEFAULT_LEASE_MS;
  const lease: Lease = { id: randomUUID(), expiresAt: Date.now() + leaseMs };
  const details = uploaded ? { totalBytes: uploaded.size, etag: uploaded.etag } : { totalBytes: job.totalBytes ?? 0, etag: job.etag ?? '' };
  const claimed = await deps.jobs.claimJob(owner, importId, lease, details);
  if (!claimed) {
    logger.info('import job held by another invocation', log);
    return 'not-claimable';
  }
  const heartbeat = new Heartbeat(() => {
    lease.expiresAt = Date.now() + leaseMs;
    return deps.jobs.renewLease(owner, importId, lease);
  }, Math.max(100, Math.floor(leaseMs / 3)));
  const finishSource = async (etag?: string) => {
    if (claimed.sourceId) await deps.sources.markFinished(claimed.sourceId, importId, etag ? { etag } : undefined);
  };
  /** `reason` is shown to the owner; `logReason` goes to the logs and never quotes the file. */
  const fail = async (reason: string, logReason = reason): Promise<JobRunResult> => {
    await heartbeat.stop();
    await deps.jobs.failJob(owner, importId, reason, lease);
    await finishSource();
    logger.warn('import job failed', { ...log, reason: logReason });
    return 'failed';
  };
  try {
    return await runClaimed(claimed, lease, heartbeat, deps, deadline, { fail, finishSource });
  } catch (error) {
    await heartbeat.stop();
    if (error instanceof InvalidCsvError) return fail(`${error.message}: ${String(error.body.error ?? '')}`, `${error.message}: ${error.logDetail}`);
    if (error instanceof ObjectChangedError) return fail(replacedFileReason(claimed));
    if (error instanceof UploadNotFoundError) return fail(`the file ${claimed.objectKey} is no longer in the bucket`);
    if (error instanceof LeaseLostError || heartbeat.lost) {
      logger.warn('import job lease lost; another invocation continues it', log);
      return 'not-claimable';
    }
    const reason = transientReason(error);
    const attempts = (claimed.attempts ?? 0) + 1;
    if (attempts >= MAX_ATTEMPTS) return fail(`gave up after ${attempts} attempts without progress: ${reason}`);
    const retryAt = Date.now() + retryDelayMs(attempts);
    try {
      await deps.jobs.releaseForRetry(owner, importId, lease, { attempts, retryAt, reason });
    } catch {
      // The job store is unreachable too: the lease runs out by itself and the sweep resumes
      // the job; throwing lets the platform retry this invocation meanwhile.
      throw error;
    }
    logger.warn('import job attempt failed; retried later', { ...log, attempts, retryAt: new Date(retryAt).toISOString(), reason });
    return 'retrying';
  }
}

async function runClaimed(
  claimed: ImportJob,
  lease: Lease,
  heartbeat: Heartbeat,
  deps: JobRunnerDeps,
  deadline: number,
  outcomes: { fail: (reason: string) => Promise<JobRunResult>; finishSource: (etag?: string) => Promise<void> },
): Promise<JobRunResult> {
  const { owner, importId } = claimed;
  const log = { owner, importId };
  const leaseMs = deps.settings.leaseMs ?? DEFAULT_LEASE_MS;
  const object = await deps.files.head(claimed.objectKey);
  if (!object) return outcomes.fail(`the file ${claimed.objectKey} is no longer in the bucket`);
  if (object.size > deps.settings.maxUploadBytes) {
    return outcomes.fail(`the file is ${object.size} bytes; the limit is ${deps.settings.maxUploadBytes} bytes`);
  }
  // The job names one version of the object (the event's ETag, or the one first read): a
  // newer version under the same key is another job's, never mixed into this one.
  const etag = claimed.etag || object.etag;
  if (object.etag !== etag) return outcomes.fail(replacedFileReason(claimed));

  const checkpoint = claimed.checkpoint;
  const stream = await deps.files.read(claimed.objectKey, checkpoint?.encoding === 'utf-8' ? checkpoint.byteOffset : 0, etag);
  const rejected = new RejectedRows(deps.files, owner, importId, checkpoint?.nextRow ?? 2);
  logger.info('import job running', { ...log, invocation: claimed.invocations, fromRow: checkpoint?.nextRow ?? 2, etag });

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
      // A lost lease means another invocation has the job: stop at the next row.
      shouldPause: () => Date.now() >= deadline || heartbeat.lost,
      checkpointEveryRows: deps.settings.checkpointEveryRows,
      onCheckpoint: async (next, progress) => {
        await rejected.flush(next.nextRow);
        lease.expiresAt = Date.now() + leaseMs;
        if (!(await deps.jobs.saveCheckpoint(owner, importId, lease, next, progress))) throw new LeaseLostError();
      },
    });
  } finally {
    stream.abort();
  }

  if (outcome.status === 'paused') {
    if (heartbeat.lost) throw new LeaseLostError();
    await rejected.flush(outcome.checkpoint.nextRow);
    lease.expiresAt = Date.now() + leaseMs;
    if (!(await deps.jobs.saveCheckpoint(owner, importId, lease, outcome.checkpoint, outcome.progress))) throw new LeaseLostError();
    await heartbeat.stop();
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
  await heartbeat.stop();
  const done = await deps.jobs.completeJob(owner, importId, lease, {
    report,
    rejectedRows: report.skipped_rows + report.failed_rows,
    reportKey,
    ...(errorsKey ? { errorsKey } : {}),
    ...(note ? { note } : {}),
  });
  if (!done) return 'not-claimable';
  await outcomes.finishSource(etag);
  logger.info('import job completed', { ...log, etag, total_rows: report.total_rows, imported_rows: report.imported_rows });
  return 'completed';
}
