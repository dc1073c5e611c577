import { logger } from '../logger.js';
import { EMPTY_PROGRESS, type ImportJob, newImportId } from './job.js';
import type { FileStore, ImportTrigger, JobStore, ReimportSource, SourceStore, StoredObject } from './ports.js';

/** A scheduled import still marked running after this long is considered abandoned. */
const SOURCE_BUSY_STALE_MS = 2 * 60 * 60 * 1000;

export type ScheduledOutcome = 'started' | 'unchanged' | 'busy' | 'missing' | 'disabled';

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
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    progress: { ...EMPTY_PROGRESS },
    invocations: 0,
  };
}

/**
 * One tick of the re-import schedule: for each enabled source, import its object (or the
 * newest under its prefix) unless it is unchanged since the last successful import (same
 * ETag: recorded as a finished no-op job) or an import of the source is still running.
 */
export async function runScheduledReimports(
  deps: { sources: SourceStore; files: FileStore; jobs: JobStore; trigger: ImportTrigger },
  now = new Date(),
): Promise<Record<string, ScheduledOutcome>> {
  const outcomes: Record<string, ScheduledOutcome> = {};
  for (const source of await deps.sources.listSources()) {
    if (!source.enabled) {
      outcomes[source.id] = 'disabled';
      continue;
    }
    const object = await currentObject(source, deps.files);
    const where = source.key ?? `${source.prefix}*`;
    if (!object) {
      const job = baseJob(source, now, where);
      await deps.jobs.createJob({ ...job, status: 'failed', failureReason: `no file at ${where}`, finishedAt: now.toISOString() });
      outcomes[source.id] = 'missing';
      continue;
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
      outcomes[source.id] = 'unchanged';
      continue;
    }
    const job = { ...baseJob(source, now, object.key), etag: object.etag, totalBytes: object.size };
    if (!(await deps.sources.markRunning(source.id, job.importId, now, SOURCE_BUSY_STALE_MS))) {
      outcomes[source.id] = 'busy';
      continue;
    }
    await deps.jobs.createJob(job);
    await deps.trigger.startImport(job.owner, job.importId);
    logger.info('scheduled re-import started', { sourceId: source.id, owner: source.owner, importId: job.importId });
    outcomes[source.id] = 'started';
  }
  return outcomes;
}

/**
 * Finds jobs nobody is working on: running jobs whose invocation died (lease expired) are
 * started again from their checkpoint; upload jobs whose URL expired unused are failed.
 */
export async function sweepStaleJobs(deps: { jobs: JobStore; trigger: ImportTrigger }, now = new Date()): Promise<{ resumed: number; expired: number }> {
  let resumed = 0;
  let expired = 0;
  for (const job of await deps.jobs.findStaleJobs(now)) {
    if (job.status === 'running') {
      await deps.trigger.startImport(job.owner, job.importId);
      resumed++;
    } else if (await deps.jobs.failJob(job.owner, job.importId, 'the upload URL expired before a file was uploaded')) {
      expired++;
    }
  }
  if (resumed + expired > 0) logger.info('stale import jobs handled', { resumed, expired });
  return { resumed, expired };
}
