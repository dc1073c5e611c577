import { runScheduledReimports, sweepStaleJobs } from '../lib/jobs/reimport.js';
import { logger } from '../lib/logger.js';
import { files, jobs, sources, trigger } from './runtime.js';

/**
 * The schedule (EventBridge in AWS, a timer in the local stack): restarts abandoned jobs from
 * their checkpoints, expires unused uploads, and runs the re-import sources.
 */
export const handler = async (): Promise<{ sweep: { resumed: number; expired: number }; sources: Record<string, string> }> => {
  const sweep = await sweepStaleJobs({ jobs, trigger });
  const outcomes = await runScheduledReimports({ sources, files, jobs, trigger });
  logger.info('schedule tick', { ...sweep, sources: outcomes });
  return { sweep, sources: outcomes };
};
