import { PayloadTooLargeError, TooManyRequestsError } from '../errors.js';
import type { ImportJob, JobStatus } from '../jobs/job.js';
import type { JobStore } from '../storage/ports.js';

export interface JobQuota {
  maxActiveJobs: number;
  maxPendingUploadBytes: number;
}

/** Jobs that still hold an upload or a runner: they count against the owner's quota. */
const ACTIVE: ReadonlySet<JobStatus> = new Set(['waiting_upload', 'queued', 'running']);

/** How many of the owner's newest jobs are looked at; far above any quota. */
const JOBS_EXAMINED = 500;

/** A client refused for its jobs in progress should wait about as long as a job takes to start. */
export const JOB_QUOTA_RETRY_AFTER_SECONDS = 30;

/**
 * Refuses a new job when its owner already has `maxActiveJobs` in progress, or when their
 * declared sizes with the new one exceed `maxPendingUploadBytes` (429 with Retry-After; a
 * single file over that total can never fit: 413). Jobs of an owner are listed newest first,
 * and active ones are recent (an upload not received within its URL's lifetime fails).
 *
 * A check before the write: two creations racing may both pass once. The per-user rate on
 * job creation bounds how far that can go.
 */
export async function checkJobQuota(jobs: JobStore, job: ImportJob, quota: JobQuota): Promise<void> {
  const size = job.totalBytes ?? 0;
  if (size > quota.maxPendingUploadBytes) {
    throw new PayloadTooLargeError(
      `file too large: ${size} bytes; an owner's jobs in progress may hold at most ${quota.maxPendingUploadBytes} bytes`,
    );
  }
  const active = (await jobs.listJobs(job.owner, JOBS_EXAMINED)).filter((existing) => ACTIVE.has(existing.status));
  if (active.length >= quota.maxActiveJobs) {
    throw new TooManyRequestsError(
      `too many import jobs in progress: ${active.length}, at most ${quota.maxActiveJobs} (waiting for an upload, queued or running); retry when one has finished`,
      JOB_QUOTA_RETRY_AFTER_SECONDS,
    );
  }
  const pendingBytes = active.reduce((sum, existing) => sum + (existing.totalBytes ?? 0), 0);
  if (pendingBytes + size > quota.maxPendingUploadBytes) {
    throw new TooManyRequestsError(
      `too many bytes in import jobs in progress: ${pendingBytes} pending and ${size} more, at most ${quota.maxPendingUploadBytes}; retry when one has finished`,
      JOB_QUOTA_RETRY_AFTER_SECONDS,
    );
  }
}
