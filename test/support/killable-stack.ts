/**
 * A whole local stack in its own process, for tests that SIGKILL it mid-job and start it
 * again on the same data directory (dynalite and s3rver persist under it). Run with
 * `node --import tsx test/support/killable-stack.ts`; prints one JSON line when ready.
 *
 * KILLABLE_DATA_DIR: the data directory. KILLABLE_SWEEP_MS: how often the job sweep runs
 * here (the schedule of serverless.yml is once a minute; a test runs it more often).
 */
import { scheduledEvent } from '../../local/events.js';
import { startLocalStack } from '../../local/stack.js';

const dataDir = process.env.KILLABLE_DATA_DIR;
if (!dataDir) throw new Error('KILLABLE_DATA_DIR is required');
const sweepEveryMs = Number(process.env.KILLABLE_SWEEP_MS ?? '1000');

const stack = await startLocalStack({ dataDir, seedUsers: ['john.smith'] });
const tick = scheduledEvent();
setInterval(() => stack.functions.invokeAsync('sweepJobs', tick), sweepEveryMs);
process.stdout.write(
  `${JSON.stringify({ url: stack.url, s3Endpoint: stack.s3Endpoint, uploadBucket: stack.buckets.UploadBucket, jwtSecret: stack.secrets.jwtSecret })}\n`,
);
