import type { Context, S3Event } from 'aws-lambda';
import type { StartImportEvent } from '../lib/adapters/lambda-trigger.js';
import { classifyObjectKey } from '../lib/jobs/job.js';
import { createDropJob } from '../lib/jobs/create-jobs.js';
import { runImportJob } from '../lib/jobs/run-import-job.js';
import { configSection } from '../lib/config.js';
import { logger } from '../lib/logger.js';
import { eventHandler } from './layer/event-handler.js';
import { jobRunnerDeps } from './wiring/job-runner.js';
import { jobs } from './wiring/jobs.js';
import { trigger } from './wiring/trigger.js';
import { users } from './wiring/users.js';

const { importTimeBudgetMs } = configSection('jobs');

/** Time kept back at the end of an invocation to write the checkpoint and hand over. */
const HANDOVER_MARGIN_MS = 30_000;

function deadlineOf(context: Pick<Context, 'getRemainingTimeInMillis'>): number {
  const remaining = context.getRemainingTimeInMillis() - HANDOVER_MARGIN_MS;
  return Date.now() + Math.max(1_000, Math.min(remaining, importTimeBudgetMs ?? remaining));
}

/** S3 event keys are URL-encoded, with spaces as '+'. */
function objectKeyOf(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/**
 * The import function: S3 object-created notifications (presigned uploads under imports/,
 * dropped files under drop/) and `startImport` events (scheduled re-imports, continuations
 * after a time budget, stale-job restarts) all end in runImportJob.
 */
export const handler = eventHandler(async (event: S3Event | StartImportEvent, context: Context): Promise<void> => {
  const deadline = deadlineOf(context);
  if ('startImport' in event) {
    await runImportJob(event.startImport.owner, event.startImport.importId, jobRunnerDeps, deadline);
    return;
  }
  for (const [index, record] of (event.Records ?? []).entries()) {
    const key = objectKeyOf(record.s3.object.key);
    const target = classifyObjectKey(key);
    if (!target) {
      logger.info('object ignored: not an import', { key });
      continue;
    }
    let importId: string;
    if (target.kind === 'upload') {
      importId = target.importId;
    } else {
      const drop = await createDropJob(
        target.owner,
        {
          key,
          etag: (record.s3.object.eTag ?? '').replaceAll('"', ''),
          size: record.s3.object.size,
          sequencer: record.s3.object.sequencer ?? '',
          eventTime: new Date(record.eventTime),
        },
        { jobs, users },
      );
      if (!drop.runnable) continue;
      importId = drop.importId;
    }
    // S3 sends one record per event; should there be more, each gets its own invocation.
    if (index === 0) await runImportJob(target.owner, importId, jobRunnerDeps, deadline);
    else await trigger.startImport(target.owner, importId);
  }
});
