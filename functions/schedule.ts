import type { ScheduledEvent } from 'aws-lambda';
import { type ReimportTick, runScheduledReimports, type SweepResult, sweepStaleJobs } from '../lib/jobs/reimport.js';
import { logger } from '../lib/logger.js';
import { eventHandler } from './layer/event-handler.js';
import { files } from './wiring/files.js';
import { jobs } from './wiring/jobs.js';
import { sources } from './wiring/sources.js';
import { trigger } from './wiring/trigger.js';

/**
 * The re-import schedule (EventBridge in AWS, a timer in the local stack): runs the re-import
 * sources, each on its own; a source that fails is reported with its reason and tried again
 * at the next tick.
 */
export const handler = eventHandler(
  async (_event?: ScheduledEvent): Promise<{ sources: ReimportTick['outcomes']; errors: ReimportTick['errors'] }> => {
    const tick = await runScheduledReimports({ sources, files, jobs, trigger });
    logger.info('re-import tick', { sources: tick.outcomes, errors: tick.errors });
    return { sources: tick.outcomes, errors: tick.errors };
  },
);

/**
 * The job sweep, on its own schedule (every minute): restarts jobs whose invocation died or
 * whose retry time came, starts uploads whose event was lost, expires unused uploads.
 * (Its own function in serverless.yml, with its own role: it never reads the sources.)
 */
export const sweep = eventHandler(async (_event?: ScheduledEvent): Promise<SweepResult> => sweepStaleJobs({ jobs, files, trigger }));
