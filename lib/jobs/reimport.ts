import { logger } from '../logger.js';
import type { FileStore, ImportTrigger, JobStore, ReimportSource, SourceStore, StoredObject } from '../storage/ports.js';
import { EMPTY_PROGRESS, type ImportJob, newImportId } from './job.js';

/**
 * A scheduled import still marked running after this long is considered abandoned. A mark
 * whose job has ended is cleared at once (releaseIfFinished); this is the backstop.
 */
const SOURCE_BUSY_STALE_MS = 2 * 60 * 60 * 1000;

export type ScheduledOutcome = 'started' | 'unchanged' | 'busy' | 'missing' | 'disabled' | 'error';

async function currentObject(source: ReimportSource, files: FileStore): Promise<StoredObject | undefined> {
  if (source.key) return files.head(source.key);
  const candidates = (await files.list(source.prefix ?? '')).filter((object) => !object.key.endsWith('/'));
  // Newest wins; on a tie the greater key, so the choice is stable.
  return candidates.sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime() || b.key.localeCompare(a.key))[0];
}

function baseJob(source: ReimportSource, now: Date, objectKey: string): ImportJob {
  return {
    owner: source.owner,
    importId: newImportId(now),
    status: 'queued',
    origin: 'schedule',
    objectKey,
    sourceId: source.id,
    mode: source.mode,
    ...(source.importOptions ? { options: source.importOptions } : {}),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    progress: { ...EMPTY_PROGRESS },
    invocations: 0,
  };
}

/** Why a step failed, short and free of file contents (for the tick result, the source and logs). */
function reasonOf(error: unknown): string {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return `${name}: ${message}`.slice(0, 300);
}

type ReimportDeps = { sources: SourceStore; files: FileStore; jobs: JobStore; trigger: ImportTrigger };

/**
 * Clears a busy mark whose import has ended (completed, failed or gone) without clearing it,
 * e.g. because the answer to its last write was lost. Resolves true when it cleared one.
 */
async function releaseIfFinished(source: ReimportSource, deps: ReimportDeps): Promise<boolean> {
  if (!source.runningImportId) return false;
  const job = await deps.jobs.getJob(source.owner, source.runningImportId);
  if (job && job.status !== 'completed' && job.status !== 'failed') return false;
  await deps.sources.markFinished(source.id, source.runningImportId);
  return true;
}

async function runSource(source: ReimportSource, deps: ReimportDeps, now: Date): Promise<ScheduledOutcome> {
  if (!source.enabled) return 'disabled';
  const object = await currentObject(source, deps.files);
  const where = source.key ?? `${source.prefix}*`;
  if (!object) {
    const job = baseJob(source, now, where);
    await deps.jobs.createJob({ ...job, status: 'failed', failureReason: `no file at ${where}`, finishedAt: now.toISOString() });
    return 'missing';
  }
  if (object.etag === source.lastImportedEtag) {
    const job = baseJob(source, now, object.key);
    await deps.jobs.createJob({
      ...job,
      status: 'completed',
      etag: object.etag,
      totalBytes: object.size,
      finishedAt: now.toISOString(),
      note: `unchanged since import ${source.lastImportId ?? ''} (same ETag); nothing imported`.replace('  ', ' '),
    });
    return 'unchanged';
  }
  // The job names the version seen now (its ETag): a newer one is the next tick's.
  const job = { ...baseJob(source, now, object.key), etag: object.etag, totalBytes: object.size };
  const marked =
    (await deps.sources.markRunning(source.id, job.importId, now, SOURCE_BUSY_STALE_MS)) ||
    ((await releaseIfFinished(source, deps)) && (await deps.sources.markRunning(source.id, job.importId, now, SOURCE_BUSY_STALE_MS)));
  if (!marked) return 'busy';
  try {
    await deps.jobs.createJob(job);
    await deps.trigger.startImport(job.owner, job.importId);
  } catch (error) {
    // Nothing runs the job: fail it (if it was written) and free the source for the next tick.
    await deps.jobs
      .failJob(job.owner, job.importId, `the scheduled import could not be started (${reasonOf(error)}); the next tick tries again`)
      .catch(() => undefined);
    await deps.sources.markFinished(source.id, job.importId).catch(() => undefined);
    throw error;
  }
  logger.info('scheduled re-import started', { sourceId: source.id, owner: source.owner, importId: job.importId });
  return 'started';
}

export interface ReimportTick {
  outcomes: Record<string, ScheduledOutcome>;
  /** The reason of each source whose outcome is 'error'. */
  errors: Record<string, string>;
}

/**
 * One tick of the re-import schedule: for each enabled source, import its object (or the
 * newest under its prefix) unless it is unchanged since the last successful import (same
 * ETag: recorded as a finished no-op job) or an import of the source is still running.
 * Each source succeeds or fails on its own: a failure is its outcome 'error', with the
 * reason in the tick's result, in the log and on the source (GET /admin/sources shows it),
 * and the source is tried again at the next tick.
 */
export async function runScheduledReimports(deps: ReimportDeps, now = new Date()): Promise<ReimportTick> {
  const tick: ReimportTick = { outcomes: {}, errors: {} };
  for (const source of await deps.sources.listSources()) {
    try {
      tick.outcomes[source.id] = await runSource(source, deps, now);
      if (source.lastError) await deps.sources.recordTickError(source.id, undefined);
    } catch (error) {
      const reason = reasonOf(error);
      tick.outcomes[source.id] = 'error';
      tick.errors[source.id] = reason;
      logger.warn('scheduled re-import failed; tried again next tick', { sourceId: source.id, owner: source.owner, reason });
      await deps.sources.recordTickError(source.id, { reason, at: now }).catch(() => undefined);
    }
  }
  return tick;
}

/** An upload URL nobody used makes its job fail this long after the URL expired (a PUT begun in time may still be arriving). */
export const UPLOAD_GRACE_MS = 60 * 60 * 1000;
/** A queued job not claimed for this long lost its start event (or the start failed). */
export const QUEUED_GRACE_MS = 60 * 1000;

export interface SweepResult {
  /** Running jobs (dead holder, or retry time come) and queued jobs started again. */
  resumed: number;
  /** Upload jobs whose file is in the bucket although no event started them. */
  started: number;
  /** Upload jobs failed because no file came. */
  expired: number;
  /** Jobs the sweep could not handle this time (storage unavailable); the next sweep tries again. */
  errors: number;
}

/**
 * Finds jobs nobody is working on and sets them going: running jobs whose invocation died
 * (lease expired) or whose retry time came, and queued jobs never claimed, are started
 * again from their checkpoint; an upload job whose URL expired is started if its file is in
 * the bucket (its event was lost), and failed an hour later if it is not.
 */
export async function sweepStaleJobs(
  deps: { jobs: JobStore; files: FileStore; trigger: ImportTrigger },
  now = new Date(),
): Promise<SweepResult> {
  const result: SweepResult = { resumed: 0, started: 0, expired: 0, errors: 0 };
  for (const job of await deps.jobs.findStaleJobs(now, new Date(now.getTime() - QUEUED_GRACE_MS))) {
    try {
      if (job.status === 'running' || job.status === 'queued') {
        await deps.trigger.startImport(job.owner, job.importId);
        result.resumed++;
      } else if (await deps.files.head(job.objectKey)) {
        await deps.trigger.startImport(job.owner, job.importId);
        result.started++;
      } else if (Date.parse(job.uploadExpiresAt ?? '') < now.getTime() - UPLOAD_GRACE_MS) {
        if (await deps.jobs.failJob(job.owner, job.importId, 'the upload URL expired before a file was uploaded')) result.expired++;
      }
    } catch (error) {
      result.errors++;
      logger.warn('stale import job not handled; next sweep tries again', {
        owner: job.owner,
        importId: job.importId,
        reason: reasonOf(error),
      });
    }
  }
  if (result.resumed + result.started + result.expired + result.errors > 0) logger.info('stale import jobs handled', { ...result });
  return result;
}
