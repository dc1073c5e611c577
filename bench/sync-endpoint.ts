import { readFile } from 'node:fs/promises';
import { mintUserToken } from '../lib/auth/jwt.js';
import { LIMITS_OFF_ENV } from '../local/limits-off.js';
import { startLocalStack } from '../local/stack.js';
import { generateCsv } from './generate-csv.js';

export interface SyncLatency {
  /** The first request: loads the handler modules and opens connections (a cold start). */
  firstMs: number;
  /** Each timed request a first import: a user with an empty phonebook, 1,000 rows created. */
  p50Ms: number;
  p95Ms: number;
  /** The same file again for one user: every batch read back, every row unchanged. */
  reimportP50Ms: number;
  reimportP95Ms: number;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round((sorted[index] ?? Number.NaN) * 10) / 10;
}

/**
 * POST /phonebook/import/ with a 1,000-row file through the local stack (gateway, authorizer,
 * handler, dynalite), as `npm start` runs it: one warm-up request, then `requests` timed ones,
 * each by a new user (the seed's use: a first import), then `requests` re-imports by one user.
 */
export async function measureSyncEndpoint(file: string, requests: number): Promise<SyncLatency> {
  await generateCsv(file, 1000, 1000);
  const csv = await readFile(file);
  const users = Array.from({ length: requests + 1 }, (_, i) => `seed.user${i}`);
  // The endpoint's latency is measured, not its limits: 2 x `requests` imports in a minute.
  const stack = await startLocalStack({ seedUsers: users, env: { ...LIMITS_OFF_ENV } });
  try {
    const post = async (username: string): Promise<number> => {
      const token = await mintUserToken(stack.secrets.jwtSecret, username, ['phonebook.ad_phonebook']);
      const form = new FormData();
      form.append('file', new Blob([csv]), 'contacts.csv');
      const started = performance.now();
      const response = await fetch(`${stack.url}/phonebook/import/`, {
        method: 'POST',
        body: form,
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await response.json()) as { imported_rows?: number };
      const elapsed = performance.now() - started;
      if (response.status !== 200) throw new Error(`the import answered ${response.status}: ${JSON.stringify(body)}`);
      return elapsed;
    };
    const timedRequests = async (usernameOf: (i: number) => string): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < requests; i++) times.push(await post(usernameOf(i)));
      return times.sort((a, b) => a - b);
    };
    const [warmUp = 'seed.user0', ...fresh] = users;
    const firstMs = Math.round(await post(warmUp));
    const firstImports = await timedRequests((i) => fresh[i] ?? warmUp);
    const reimports = await timedRequests(() => warmUp);
    return {
      firstMs,
      p50Ms: percentile(firstImports, 50),
      p95Ms: percentile(firstImports, 95),
      reimportP50Ms: percentile(reimports, 50),
      reimportP95Ms: percentile(reimports, 95),
    };
  } finally {
    await stack.close();
  }
}
