import type { HttpRoute, ThrottleLimits, ThrottlingDefinition } from './service-definition.js';

/** API Gateway's token bucket: `burstLimit` requests at once, refilled at `rateLimit` per second. */
class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(private readonly limits: ThrottleLimits) {
    this.tokens = limits.burstLimit;
    this.refilledAt = Date.now();
  }

  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.limits.burstLimit, this.tokens + ((now - this.refilledAt) / 1000) * this.limits.rateLimit);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** One bucket per method of each route, as API Gateway throttles a stage's methods. */
export function methodThrottle(throttling: ThrottlingDefinition | null | undefined): (route: HttpRoute) => boolean {
  if (!throttling) return () => true;
  const buckets = new Map<string, TokenBucket>();
  return (route) => {
    const key = `${route.method} ${route.resource}`;
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(throttling.methods[key] ?? throttling);
      buckets.set(key, bucket);
    }
    return bucket.take();
  };
}
