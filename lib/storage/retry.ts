export interface BackoffPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 5_000 };

/**
 * "Full jitter" exponential backoff: a random delay in [0, min(max, base * 2^attempt)), so
 * that many writers throttled together do not retry in lock-step.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
