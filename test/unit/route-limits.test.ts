import { describe, expect, it } from 'vitest';
import type { LimitSettings } from '../../lib/config.js';
import { TooManyRequestsError } from '../../lib/errors.js';
import { toHttpResponse } from '../../lib/http/responses.js';
import type { LimitStore } from '../../lib/storage/ports.js';
import { enterLimitedRoute, rateWindowOf } from '../../lib/limits/route-limits.js';

/** The LimitStore contract in memory (the DynamoDB adapter is exercised in rate-limits.test.ts). */
class MemoryLimitStore implements LimitStore {
  readonly counters = new Map<string, number>();
  readonly slots = new Map<string, { holder: string; leaseUntil: number }>();
  async countHit(counter: string, max: number): Promise<boolean> {
    const hits = this.counters.get(counter) ?? 0;
    if (hits >= max) return false;
    this.counters.set(counter, hits + 1);
    return true;
  }
  async takeSlot(pool: string, index: number, holder: string, nowMs: number, leaseUntilMs: number): Promise<boolean> {
    const slot = this.slots.get(`${pool}#${index}`);
    if (slot && slot.leaseUntil >= nowMs) return false;
    this.slots.set(`${pool}#${index}`, { holder, leaseUntil: leaseUntilMs });
    return true;
  }
  async releaseSlot(pool: string, index: number, holder: string): Promise<void> {
    if (this.slots.get(`${pool}#${index}`)?.holder === holder) this.slots.delete(`${pool}#${index}`);
  }
}

const SETTINGS: LimitSettings = {
  rateWindowSeconds: 60,
  syncImportsPerWindow: 2,
  jobCreationsPerWindow: 1,
  bulkRequestsPerWindow: 1,
  maxConcurrentSyncImports: 1,
  syncImportSlotSeconds: 60,
  maxActiveJobs: 1,
  maxPendingUploadBytes: 1,
};

describe('route limits', () => {
  it('names the fixed window and the seconds until it ends', () => {
    expect(rateWindowOf(125_000, 60)).toEqual({ index: 2, endsInSeconds: 55 });
  });

  it('refuses past the rate with Retry-After up to the end of the window, which the mapper sends', async () => {
    const deps = { store: new MemoryLimitStore(), settings: SETTINGS, now: () => 125_000 };
    const user = { kind: 'user', username: 'a' } as const;
    await enterLimitedRoute('bulk', user, deps);
    const refusal = await enterLimitedRoute('bulk', user, deps).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TooManyRequestsError);
    const response = toHttpResponse(refusal);
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('55');
    expect(JSON.parse(response.body)).toEqual({
      message: 'too many bulk requests: at most 1 per 60 s; retry after the time in Retry-After',
    });
  });

  it('counts each route kind and each principal on its own', async () => {
    const deps = { store: new MemoryLimitStore(), settings: SETTINGS, now: () => 0 };
    await enterLimitedRoute('bulk', { kind: 'user', username: 'a' }, deps);
    await expect(enterLimitedRoute('jobCreation', { kind: 'user', username: 'a' }, deps)).resolves.toBeTypeOf('function');
    await expect(enterLimitedRoute('bulk', { kind: 'user', username: 'b' }, deps)).resolves.toBeTypeOf('function');
    await expect(enterLimitedRoute('bulk', { kind: 'ip', sourceIp: 'a' }, deps)).resolves.toBeTypeOf('function');
  });

  it('holds an in-flight slot until the import leaves, then frees it', async () => {
    const deps = { store: new MemoryLimitStore(), settings: { ...SETTINGS, syncImportsPerWindow: 10 }, now: () => 0 };
    const user = { kind: 'user', username: 'a' } as const;
    const leave = await enterLimitedRoute('syncImport', user, deps);
    await expect(enterLimitedRoute('syncImport', user, deps)).rejects.toThrow('too many imports running at once: at most 1');
    await leave();
    await expect(enterLimitedRoute('syncImport', user, deps)).resolves.toBeTypeOf('function');
  });
});
