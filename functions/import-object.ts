import type { Context, S3Event } from 'aws-lambda';
import type { StartImportEvent } from '../lib/adapters/lambda-trigger.js';
import { handleObjectCreated } from '../lib/jobs/object-events.js';
import { runImportJob } from '../lib/jobs/run-import-job.js';
import { configSection } from '../lib/config.js';
import { eventHandler } from './layer/event-handler.js';
import { jobRunnerDeps } from './wiring/job-runner.js';
import { users } from './wiring/users.js';

const { importTimeBudgetMs } = configSection('jobs');

/** Time kept back at the end of an invocation to write the checkpoint and hand over. */
const HANDOVER_MARGIN_MS = 30_000;

function deadlineOf(context: Pick<Context, 'getRemainingTimeInMillis'>): number {
  const remaining = context.getRemainingTimeInMillis() - HANDOVER_MARGIN_MS;
  return Date.now() + Math.max(1_000, Math.min(remaining, importTimeBudgetMs ?? remaining));
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
  await handleObjectCreated(event.Records ?? [], { runner: jobRunnerDeps, users }, deadline);
});
