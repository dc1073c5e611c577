import { randomUUID } from 'node:crypto';
import type { LimitSettings } from '../config.js';
import { TooManyRequestsError } from '../errors.js';
import { logger } from '../logger.js';
import type { LimitStore } from '../storage/ports.js';

/**
 * The kinds of limited route, named where a route is declared (functions/layer/http-route.ts):
 * synchronous imports (a rate and a cap on imports running at once), job creation and bulk
 * writes (a rate each). Job quotas per owner are checked when a job is created (job-quota.ts).
 */
export type RouteLimit = 'syncImport' | 'jobCreation' | 'bulk';

/** Who a limit counts: the user of a user route, the source IP of an admin route. */
export type Principal = { kind: 'user'; username: string } | { kind: 'ip'; sourceIp: string };

export interface RouteLimitDeps {
  store: LimitStore;
  settings: LimitSettings;
  now?: () => number;
}

/** How long a client refused for running too many imports at once should wait: about one import. */
export const CONCURRENCY_RETRY_AFTER_SECONDS = 5;

const LABELS: Record<RouteLimit, string> = { syncImport: 'imports', jobCreation: 'import jobs created', bulk: 'bulk requests' };

function principalKeyOf(principal: Principal): string {
  return principal.kind === 'user' ? `user#${principal.username}` : `ip#${principal.sourceIp}`;
}

function maxPerWindowOf(limit: RouteLimit, settings: LimitSettings): number {
  if (limit === 'syncImport') return settings.syncImportsPerWindow;
  if (limit === 'jobCreation') return settings.jobCreationsPerWindow;
  return settings.bulkRequestsPerWindow;
}

/** The fixed window `nowMs` falls in: its number and the seconds until it ends. */
export function rateWindowOf(nowMs: number, windowSeconds: number): { index: number; endsInSeconds: number } {
  const index = Math.floor(nowMs / 1000 / windowSeconds);
  return { index, endsInSeconds: (index + 1) * windowSeconds - nowMs / 1000 };
}

async function countRequest(limit: RouteLimit, principalKey: string, deps: RouteLimitDeps, nowMs: number): Promise<void> {
  const { rateWindowSeconds } = deps.settings;
  const max = maxPerWindowOf(limit, deps.settings);
  const window = rateWindowOf(nowMs, rateWindowSeconds);
  // Kept one window past its end: TTL deletion is lazy, and an old window is never read again.
  const expiresAt = (window.index + 2) * rateWindowSeconds;
  const counted = await deps.store.countHit(`rate#${limit}#${principalKey}#${window.index}`, max, expiresAt);
  if (!counted) {
    throw new TooManyRequestsError(
      `too many ${LABELS[limit]}: at most ${max} per ${rateWindowSeconds} s; retry after the time in Retry-After`,
      window.endsInSeconds,
    );
  }
}

async function takeImportSlot(principalKey: string, deps: RouteLimitDeps, nowMs: number): Promise<() => Promise<void>> {
  const { maxConcurrentSyncImports: slots, syncImportSlotSeconds } = deps.settings;
  const pool = `inflight#${principalKey}`;
  const holder = randomUUID();
  // Starting at a random slot spreads concurrent requests over the pool instead of all racing for slot 0.
  const first = Math.floor(Math.random() * slots);
  for (let step = 0; step < slots; step++) {
    const index = (first + step) % slots;
    if (await deps.store.takeSlot(pool, index, holder, nowMs, nowMs + syncImportSlotSeconds * 1000)) {
      return async () => {
        try {
          await deps.store.releaseSlot(pool, index, holder);
        } catch (error) {
          // The lease ends by itself; until then the slot only delays the next import.
          logger.warn('could not release an import slot; it frees itself when its lease ends', {
            pool,
            error: error instanceof Error ? error.name : String(error),
          });
        }
      };
    }
  }
  throw new TooManyRequestsError(
    `too many imports running at once: at most ${slots}; retry when one has finished`,
    CONCURRENCY_RETRY_AFTER_SECONDS,
  );
}

/**
 * Lets a request into a limited route or throws TooManyRequestsError (429 with Retry-After):
 * counts it in the principal's rate window, and for a synchronous import takes one of the
 * principal's in-flight slots. Resolves with the function that leaves the route (frees the slot).
 */
export async function enterLimitedRoute(limit: RouteLimit, principal: Principal, deps: RouteLimitDeps): Promise<() => Promise<void>> {
  const nowMs = (deps.now ?? Date.now)();
  const principalKey = principalKeyOf(principal);
  await countRequest(limit, principalKey, deps, nowMs);
  if (limit !== 'syncImport') return async () => undefined;
  return takeImportSlot(principalKey, deps, nowMs);
}
