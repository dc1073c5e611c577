import { randomUUID } from 'node:crypto';
import { InvalidCsvError, UploadNotFoundError } from '../errors.js';
import { pipelineOptionsOf } from '../import/import-options.js';
import { type ImportCheckpoint, type ImportOutcome, resumeByteOffsetOf, runImport } from '../import/pipeline.js';
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
import { type ImportJob, type JobProgress, objectKeys } from './job.js';
import { ChangeLog } from './change-log.js';
import { RejectedRows } from './rejected-rows.js';
import { SeenContactParts } from './seen-contacts.js';

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
    /** Rows one invocation handles at most before it hands over; no cap when unset. */
    rowsPerInvocation?: number;
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

/** What a job keeps in its folder of the upload bucket while it runs. */
interface JobFiles {
  rejected: RejectedRows;
  seen: SeenContactParts;
  /** What this invocation's writes changed, for the import's undo. */
  changeLog: ChangeLog;
}

type PausedImport = Extract<ImportOutcome, { status: 'paused' }>;
type CompletedImport = Extract<ImportOutcome, { status: 'completed' }>;

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

/** A claimed job as this invocation holds it: the lease, its heartbeat, and the job's way out. */
class HeldJob {
  readonly heartbeat: Heartbeat;
  readonly log: { owner: string; importId: string };

  constructor(
    readonly job: ImportJob,
    readonly lease: Lease,
    private readonly deps: JobRunnerDeps,
    private readonly leaseMs: number,
  ) {
    this.log = { owner: job.owner, importId: job.importId };
    this.heartbeat = new Heartbeat(
      () => {
        this.extendLease();
        return deps.jobs.renewLease(job.owner, job.importId, lease);
      },
      Math.max(100, Math.floor(leaseMs / 3)),
    );
  }

  private extendLease(): void {
    this.lease.expiresAt = Date.now() + this.leaseMs;
  }

  /** Records progress and renews the lease; throws LeaseLostError when another invocation has the job. */
  async checkpoint(checkpoint: ImportCheckpoint, progress: JobProgress): Promise<void> {
    this.extendLease();
    if (!(await this.deps.jobs.saveCheckpoint(this.job.owner, this.job.importId, this.lease, checkpoint, progress)))
      throw new LeaseLostError();
  }

  /** Frees a scheduled source's busy mark; with an ETag, records what was imported. */
  async finishSource(etag?: string): Promise<void> {
    if (this.job.sourceId) await this.deps.sources.markFinished(this.job.sourceId, this.job.importId, etag ? { etag } : undefined);
  }

  /** `reason` is shown to the owner; `logReason` goes to the logs and never quotes the file. */
  async fail(reason: string, logReason = reason): Promise<JobRunResult> {
    await this.heartbeat.stop();
    await this.deps.jobs.failJob(this.job.owner, this.job.importId, reason, this.lease);
    await this.finishSource();
    logger.warn('import job failed', { ...this.log, reason: logReason });
    return 'failed';
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
  const held = await claim(owner, importId, deps);
  if (!held) return 'not-claimable';
  try {
    return await runHeld(held, deps, deadline);
  } catch (error) {
    return settleFailure(held, error, deps);
  }
}

/**
 * Stage 1: takes the job for this invocation (undefined when it is finished or held by
 * another). The read before the claim is a decision, not half of an upsert: an upload job's
 * object is looked at before the job is taken, so that an S3 failure leaves it waiting and the
 * event is retried. The claim is one conditional write that answers with the job as claimed.
 */
async function claim(owner: string, importId: string, deps: JobRunnerDeps): Promise<HeldJob | undefined> {
  const log = { owner, importId };
  const job = await deps.jobs.getJob(owner, importId);
  if (!job || job.status === 'completed' || job.status === 'failed') {
    logger.info('import job not runnable', { ...log, status: job?.status ?? 'missing' });
    return undefined;
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
    return undefined;
  }
  return new HeldJob(claimed, lease, deps, leaseMs);
}

/** Stage 2: checks the file, imports from the checkpoint on, then hands over or finishes. */
async function runHeld(held: HeldJob, deps: JobRunnerDeps, deadline: number): Promise<JobRunResult> {
  const version = await versionToImport(held.job, deps);
  if ('failure' in version) return held.fail(version.failure);
  const rejected = new RejectedRows(deps.files, held.job.owner, held.job.importId, held.job.checkpoint?.nextRow ?? 2);
  const seen = new SeenContactParts(deps.files, held.job.owner, held.job.importId);
  // Each invocation appends its own parts to the job's change log (for its undo). A later
  // invocation cannot know whether the one before died with creations not yet logged.
  const changeLog = new ChangeLog(deps.files, held.job.owner, held.job.importId, { recovering: held.job.invocations > 1 });
  const files: JobFiles = { rejected, seen, changeLog };
  const outcome = await importStretch(held, version.etag, files, deps, deadline);
  await changeLog.flush();
  await changeLog.compact();
  if (outcome.status === 'paused') return handOver(held, outcome, files, deps);
  return finish(held, outcome, version.etag, files, deps);
}

/**
 * The ETag of the object version the job imports, or why the job cannot import it. The job
 * names one version of the object (the event's ETag, or the one first read): a newer version
 * under the same key is another job's, never mixed into this one.
 */
async function versionToImport(job: ImportJob, deps: JobRunnerDeps): Promise<{ etag: string } | { failure: string }> {
  const object = await deps.files.head(job.objectKey);
  if (!object) return { failure: `the file ${job.objectKey} is no longer in the bucket` };
  if (object.size > deps.settings.maxUploadBytes) {
    return { failure: `the file is ${object.size} bytes; the limit is ${deps.settings.maxUploadBytes} bytes` };
  }
  const etag = job.etag || object.etag;
  if (object.etag !== etag) return { failure: replacedFileReason(job) };
  return { etag };
}

/** Streams the object version through the pipeline from the checkpoint until it ends or pauses. */
async function importStretch(
  held: HeldJob,
  etag: string,
  { rejected, seen, changeLog }: JobFiles,
  deps: JobRunnerDeps,
  deadline: number,
): Promise<ImportOutcome> {
  const { owner, importId, checkpoint, sourceId } = held.job;
  // Read before the stream is opened: the parts of a big job take a moment to fetch.
  const seenBefore = checkpoint ? await seen.load() : [];
  const stream = await deps.files.read(held.job.objectKey, checkpoint ? resumeByteOffsetOf(checkpoint) : 0, etag);
  logger.info('import job running', { ...held.log, invocation: held.job.invocations, fromRow: checkpoint?.nextRow ?? 2, etag });
  try {
    return await runImport(stream.body, {
      owner,
      ...pipelineOptionsOf(held.job.options),
      writer: deps.writer,
      writeConcurrency: deps.settings.writeConcurrency,
      maxErrorMessages: deps.settings.maxErrorMessages,
      origin: { importId, ...(sourceId ? { sourceId } : {}) },
      changeLog,
      onRejectedRow: (row, reason, cells) => rejected.add(row, reason, cells),
      ...(checkpoint ? { resumeFrom: checkpoint, seenBefore } : {}),
      // A lost lease means another invocation has the job: stop at the next row.
      shouldPause: (rowsThisRun) =>
        Date.now() >= deadline || held.heartbeat.lost || rowsThisRun >= (deps.settings.rowsPerInvocation ?? Number.POSITIVE_INFINITY),
      checkpointEveryRows: deps.settings.checkpointEveryRows,
      onCheckpoint: async (next, progress, met) => {
        // The creations of the rows before the checkpoint are logged before it is saved.
        await changeLog.flush();
        await rejected.flush(next.nextRow);
        await seen.save(met);
        // No compaction here: it reads back every part since the last one, in the import's way;
        // the log compacts itself in the background every hundred parts, and at the run's end.
        await held.checkpoint(next, progress);
      },
    });
  } finally {
    stream.abort();
  }
}

/** Stage 3a: the time budget ran out; checkpoint, release, and continue in a fresh invocation. */
async function handOver(held: HeldJob, outcome: PausedImport, { rejected, seen }: JobFiles, deps: JobRunnerDeps): Promise<JobRunResult> {
  if (held.heartbeat.lost) throw new LeaseLostError();
  await rejected.flush(outcome.checkpoint.nextRow);
  await seen.save(outcome.seen);
  await held.checkpoint(outcome.checkpoint, outcome.progress);
  await held.heartbeat.stop();
  await deps.jobs.releaseJob(held.job.owner, held.job.importId, held.lease);
  await deps.trigger.startImport(held.job.owner, held.job.importId);
  logger.info('import job continues in a new invocation', { ...held.log, nextRow: outcome.checkpoint.nextRow });
  return 'continued';
}

/** Stage 3b: the file is read to its end; store the rejected rows and the report, and complete the job. */
async function finish(
  held: HeldJob,
  outcome: CompletedImport,
  etag: string,
  { rejected, seen }: JobFiles,
  deps: JobRunnerDeps,
): Promise<JobRunResult> {
  const { owner, importId } = held.job;
  await rejected.flush(Number.POSITIVE_INFINITY);
  const report = outcome.report;
  const errorsKey = await RejectedRows.merge(deps.files, owner, importId, outcome.header);
  const note = await replaceSourceContacts(held.job, report, deps);
  const reportKey = objectKeys.report(owner, importId);
  await deps.files.write(
    reportKey,
    `${JSON.stringify({ import_id: importId, ...report, ...(note ? { note } : {}) }, null, 2)}\n`,
    'application/json',
  );
  await held.heartbeat.stop();
  const done = await deps.jobs.completeJob(owner, importId, held.lease, {
    report,
    rejectedRows: report.skipped_rows + report.failed_rows,
    reportKey,
    ...(errorsKey ? { errorsKey } : {}),
    ...(note ? { note } : {}),
  });
  if (!done) return 'not-claimable';
  // Only once completed: a rerun of an unfinished job still needs them. Left behind, they are harmless.
  await seen.remove().catch(() => logger.warn('seen-contact parts not removed', held.log));
  // A dry run imported nothing: the source's next tick must still import this version.
  await held.finishSource(held.job.options?.dryRun ? undefined : etag);
  logger.info('import job completed', { ...held.log, etag, total_rows: report.total_rows, imported_rows: report.imported_rows });
  return 'completed';
}

/** A scheduled "replace" import removes its source's contacts the file no longer lists; resolves with the job's note. */
async function replaceSourceContacts(job: ImportJob, report: ImportReport, deps: JobRunnerDeps): Promise<string | undefined> {
  if (job.mode !== 'replace' || !job.sourceId) return undefined;
  if (job.options?.dryRun) return 'replace: nothing removed, because this was a dry run';
  if (!replaceIsSafe(report)) return 'replace: nothing removed, because rows failed or more than half of the rows were rejected';
  // Recorded before they go, so that an undo of this import puts them back.
  const changeLog = new ChangeLog(deps.files, job.owner, job.importId);
  const removed = await deps.cleaner.removeSourceContactsNotFrom(job.owner, job.sourceId, job.importId, (contacts) =>
    changeLog.record(contacts.map((before) => ({ op: 'remove', id: before.contact.id, before }))),
  );
  return `replace: removed ${removed} contacts of source ${job.sourceId} that are no longer in the file`;
}

/**
 * After the claim, what went wrong decides the job's fate: the file's fault fails it with the
 * reason, a lost lease leaves it to its new holder, anything else releases it for a retry
 * after a backoff (and fails it after MAX_ATTEMPTS attempts in a row without progress).
 */
async function settleFailure(held: HeldJob, error: unknown, deps: JobRunnerDeps): Promise<JobRunResult> {
  await held.heartbeat.stop();
  if (error instanceof InvalidCsvError)
    return held.fail(`${error.message}: ${String(error.body.error ?? '')}`, `${error.message}: ${error.logDetail}`);
  if (error instanceof ObjectChangedError) return held.fail(replacedFileReason(held.job));
  if (error instanceof UploadNotFoundError) return held.fail(`the file ${held.job.objectKey} is no longer in the bucket`);
  if (error instanceof LeaseLostError || held.heartbeat.lost) {
    logger.warn('import job lease lost; another invocation continues it', held.log);
    return 'not-claimable';
  }
  const reason = transientReason(error);
  const attempts = (held.job.attempts ?? 0) + 1;
  if (attempts >= MAX_ATTEMPTS) return held.fail(`gave up after ${attempts} attempts without progress: ${reason}`);
  const retryAt = Date.now() + retryDelayMs(attempts);
  try {
    await deps.jobs.releaseForRetry(held.job.owner, held.job.importId, held.lease, { attempts, retryAt, reason });
  } catch {
    // The job store is unreachable too: the lease runs out by itself and the sweep resumes
    // the job; throwing lets the platform retry this invocation meanwhile.
    throw error;
  }
  logger.warn('import job attempt failed; retried later', { ...held.log, attempts, retryAt: new Date(retryAt).toISOString(), reason });
  return 'retrying';
}
