/**
 * The one retry policy of the storage calls (docs/retries.md).
 * The SDK applies it to thrown errors (lib/adapters/aws-clients.ts); the DynamoDB adapters apply
 * the same figures to what the SDK cannot retry: UnprocessedItems / UnprocessedKeys.
 */
export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** The ceiling of the first retry's delay; it doubles with each retry. */
  baseDelayMs: number;
  /** No delay exceeds this. */
  maxDelayMs: number;
}

/**
 * Why 16 attempts: a request is lost only when every attempt fails. With attempts failing
 * independently at a transient-fault rate p, that is p^n per request. At p = 0.3 (the rate the
 * fault-injection tests run at, far beyond a healthy table's), 0.3^16 ≈ 4.3e-9: a
 * million-row job (~40,000 batch writes, ~10,000 batch reads and checkpoints, so ~5e4
 * requests) loses any request with a probability of ≈ 2e-4, and a 1,000-row sync import
 * (~70 requests) with ≈ 3e-7. Twelve attempts would give 5e4 × 0.3^12 ≈ 2.7 %, too often.
 * The price is paid only in a real outage: a request then gives up after the sum of its
 * delays, at most 50 + 100 + … + 1,600 + 9 × 2,000 ms ≈ 21 s and ≈ 10 s on average
 * (full jitter halves it), within API Gateway's 29 s, so a sync call still answers.
 */
export const STORAGE_MAX_ATTEMPTS = 16;
export const DEFAULT_BASE_DELAY_MS = 50;
/** The longest delay as a multiple of the base: 2 s at the default base. */
const MAX_DELAY_FACTOR = 40;

/** The production policy, or the same shape with another base delay (tests shorten it). */
export function retryPolicyOf(baseDelayMs: number = DEFAULT_BASE_DELAY_MS): RetryPolicy {
  return { maxAttempts: STORAGE_MAX_ATTEMPTS, baseDelayMs, maxDelayMs: baseDelayMs * MAX_DELAY_FACTOR };
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = retryPolicyOf();

/**
 * The delay before retry number `retry` (1 for the first retry): "full jitter" exponential
 * backoff, a random delay in [0, min(max, base * 2^(retry-1))), so that many writers throttled
 * together do not retry in lock-step.
 */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/** What a failed request's error says about trying again, as the SDK classifies it. */
export type FailureKind = 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR';

/**
 * Whether a request that failed `attempts` times (so far) with an error of `kind` is sent
 * again. Only throttling and transient faults (500/502/503/504, timeouts, dropped
 * connections) are: a client error (a bad request, a TypeError, a failed condition) fails the
 * same way every time, and so does a server error the SDK does not call transient (501).
 */
export function shouldRetry(kind: FailureKind, attempts: number, policy: RetryPolicy): boolean {
  return (kind === 'THROTTLING' || kind === 'TRANSIENT') && attempts < policy.maxAttempts;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
