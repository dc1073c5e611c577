import { logger } from '../logger.js';
import type { UserRepository } from '../storage/ports.js';
import { createDropJob } from './create-jobs.js';
import { classifyObjectKey } from './job.js';
import { type JobRunnerDeps, runImportJob } from './run-import-job.js';

/** The part of an S3 object-created notification record the import reads (the shape of `S3EventRecord`). */
export interface ObjectCreatedRecord {
  eventTime: string;
  s3: { object: { key: string; size: number; eTag?: string; sequencer?: string } };
}

export interface ObjectEventDeps {
  runner: JobRunnerDeps;
  users: UserRepository;
}

/** S3 event keys are URL-encoded, with spaces as '+'. */
export function objectKeyOf(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/**
 * The job an object-created record starts: an upload's own job, or a new drop-folder job
 * (undefined for keys that import nothing, and for drops that cannot run: an unknown user's
 * job is created failed, with the reason).
 */
async function jobOfRecord(record: ObjectCreatedRecord, deps: ObjectEventDeps): Promise<{ owner: string; importId: string } | undefined> {
  const key = objectKeyOf(record.s3.object.key);
  const target = classifyObjectKey(key);
  if (!target) {
    logger.info('object ignored: not an import', { key });
    return undefined;
  }
  if (target.kind === 'upload') return { owner: target.owner, importId: target.importId };
  const drop = await createDropJob(
    target.owner,
    {
      key,
      etag: (record.s3.object.eTag ?? '').replaceAll('"', ''),
      size: record.s3.object.size,
      sequencer: record.s3.object.sequencer ?? '',
      eventTime: new Date(record.eventTime),
    },
    { jobs: deps.runner.jobs, users: deps.users },
  );
  return drop.runnable ? { owner: target.owner, importId: drop.importId } : undefined;
}

/**
 * Handles S3 object-created records (presigned uploads under imports/, dropped files under
 * drop/): each names its job, and the first record's job runs in this invocation until
 * `deadline` (epoch ms). S3 sends one record per event; should there be more, each further
 * job gets its own invocation. A storage error rejects, so that the platform retries the event
 * (a redelivered record finds the same job: drop-job ids derive from the object's version).
 */
export async function handleObjectCreated(records: readonly ObjectCreatedRecord[], deps: ObjectEventDeps, deadline: number): Promise<void> {
  for (const [index, record] of records.entries()) {
    const job = await jobOfRecord(record, deps);
    if (!job) continue;
    if (index === 0) await runImportJob(job.owner, job.importId, deps.runner, deadline);
    else await deps.runner.trigger.startImport(job.owner, job.importId);
  }
}
