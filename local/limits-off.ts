/**
 * Settings that put every per-user, per-IP and per-route limit out of the way, for stacks that
 * measure or test something else (the bench, `npm run load`, most integration tests). The
 * limits themselves are proven by test/integration/rate-limits.test.ts and
 * gateway-throttling.test.ts, which set their own.
 */
export const LIMITS_OFF_ENV: Readonly<Record<string, string>> = {
  LOCAL_GATEWAY_THROTTLING: 'off',
  RATE_LIMIT_SYNC_IMPORTS: '1000000',
  RATE_LIMIT_JOB_CREATIONS: '1000000',
  RATE_LIMIT_BULK_REQUESTS: '1000000',
  MAX_CONCURRENT_SYNC_IMPORTS: '100',
  MAX_ACTIVE_JOBS: '10000',
  MAX_PENDING_UPLOAD_BYTES: String(1024 ** 4),
};
