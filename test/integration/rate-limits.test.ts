import { request as httpRequest } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoLimitStore } from '../../lib/adapters/dynamodb-limits.js';
import type { LimitSettings } from '../../lib/config.js';
import { TooManyRequestsError } from '../../lib/errors.js';
import { enterLimitedRoute } from '../../lib/limits/route-limits.js';
import { contactsCsv } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

const SYNC_IMPORTS_PER_WINDOW = 5;
const CONCURRENT_IMPORTS = 2;
const ACTIVE_JOBS = 2;
const PENDING_BYTES = 1000;

let api: TestStack;
beforeAll(async () => {
  api = await startTestStack({
    // The concurrent imports below must run at the same moment, as in AWS: a worker's cold
    // start here takes longer than their import, so as many environments are kept warm.
    provisionedConcurrency: { authorizer: CONCURRENT_IMPORTS + 1, userImport: CONCURRENT_IMPORTS + 1 },
    env: {
      // One long window: the counts of a test cannot roll over while it runs.
      RATE_LIMIT_WINDOW_SECONDS: '3600',
      RATE_LIMIT_SYNC_IMPORTS: String(SYNC_IMPORTS_PER_WINDOW),
      RATE_LIMIT_JOB_CREATIONS: '3',
      RATE_LIMIT_BULK_REQUESTS: '2',
      MAX_CONCURRENT_SYNC_IMPORTS: String(CONCURRENT_IMPORTS),
      MAX_ACTIVE_JOBS: String(ACTIVE_JOBS),
      MAX_PENDING_UPLOAD_BYTES: String(PENDING_BYTES),
    },
  });
});
afterAll(async () => {
  await api?.close();
});

async function importAs(username: string, csv = contactsCsv(2, username)): Promise<Response> {
  const token = await api.userToken(username);
  return api.postForm('/phonebook/import/', { file: csv }, { authorization: `Bearer ${token}` });
}

async function createJob(token: string, size: number, path = '/phonebook/imports', extra: Record<string, unknown> = {}): Promise<Response> {
  return api.request(path, {
    method: 'POST',
    token,
    body: JSON.stringify({ size, ...extra }),
    headers: { 'content-type': 'application/json' },
  });
}

/** An admin import sent from `localAddress` (any 127.x address is this machine, and allowed). */
async function adminImportFrom(localAddress: string): Promise<{ status: number; retryAfter: string | undefined }> {
  const form = new FormData();
  form.append('username', 'john.smith');
  form.append('file', new Blob([contactsCsv(1, `From ${localAddress}`)]), 'c.csv');
  const encoded = new Request('http://localhost/', { method: 'POST', body: form });
  const body = Buffer.from(await encoded.arrayBuffer());
  const url = new URL('/admin/phonebook/import', api.url);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: 'POST',
        localAddress,
        headers: {
          'content-type': encoded.headers.get('content-type') ?? '',
          'content-length': body.length,
          authorization: `Bearer ${api.adminToken}`,
        },
      },
      (response) => {
        response.resume();
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] as string | undefined }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('per-user rate of synchronous imports', () => {
  it('answers 429 with Retry-After and a message once the rate is spent, and the other user is unaffected', async () => {
    for (let i = 0; i < SYNC_IMPORTS_PER_WINDOW; i++) expect((await importAs('rate.user')).status).toBe(200);
    const refused = await importAs('rate.user');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3600).toBe(true);
    expect(((await refused.json()) as { message: string }).message).toMatch(/too many imports: at most 5 per 3600 s/);
    expect((await importAs('other.user')).status).toBe(200);
  });
});

describe('concurrent synchronous imports per user', () => {
  it('refuses exactly the imports beyond the cap while they run, and accepts new ones after', async () => {
    // Big enough to still be running when the last of them arrives.
    const csv = contactsCsv(3000, 'Concurrent');
    const responses = await Promise.all(Array.from({ length: CONCURRENT_IMPORTS + 1 }, () => importAs('busy.user', csv)));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([...Array(CONCURRENT_IMPORTS).fill(200), 429]);
    const refused = responses.find((response) => response.status === 429) as Response;
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    expect(((await refused.json()) as { message: string }).message).toContain('too many imports running at once');
    expect((await importAs('busy.user')).status).toBe(200);
  });

  it('does not let a slot whose import died block forever: its lease runs out', async () => {
    const client = new DynamoDBClient({
      endpoint: api.stack.dynamodbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const settings: LimitSettings = {
      rateWindowSeconds: 3600,
      syncImportsPerWindow: 100,
      jobCreationsPerWindow: 100,
      bulkRequestsPerWindow: 100,
      maxConcurrentSyncImports: 1,
      syncImportSlotSeconds: 60,
      maxActiveJobs: 1,
      maxPendingUploadBytes: 1,
    };
    let now = Date.UTC(2030, 0, 1);
    const deps = { store: new DynamoLimitStore(client, 'LimitsTable'), settings, now: () => now };
    const principal = { kind: 'user', username: 'died.user' } as const;
    // Entered and never left: the function died mid-import.
    await enterLimitedRoute('syncImport', principal, deps);
    now += 59_000;
    await expect(enterLimitedRoute('syncImport', principal, deps)).rejects.toBeInstanceOf(TooManyRequestsError);
    now += 2_000;
    const leave = await enterLimitedRoute('syncImport', principal, deps);
    await leave();
    await expect(enterLimitedRoute('syncImport', principal, deps)).resolves.toBeTypeOf('function');
    client.destroy();
  });
});

describe('quotas on import jobs', () => {
  it('refuses a job beyond the active-jobs cap with 429 and Retry-After', async () => {
    const token = await api.userToken('many.jobs');
    for (let i = 0; i < ACTIVE_JOBS; i++) expect((await createJob(token, 10)).status).toBe(201);
    const refused = await createJob(token, 10);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    expect(((await refused.json()) as { message: string }).message).toContain('too many import jobs in progress');
  });

  it('refuses a job whose bytes would exceed the pending-bytes cap, and takes one that fits', async () => {
    const token = await api.userToken('big.jobs');
    expect((await createJob(token, 600)).status).toBe(201);
    const refused = await createJob(token, 600);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { message: string }).message).toContain('too many bytes in import jobs in progress');
    expect((await createJob(token, 400)).status).toBe(201);
  });

  it('refuses a single job larger than the pending-bytes cap as 413', async () => {
    const token = await api.userToken('huge.job');
    expect((await createJob(token, PENDING_BYTES + 1)).status).toBe(413);
  });

  it('applies the quota of the target user to admin job creation', async () => {
    for (let i = 0; i < ACTIVE_JOBS; i++)
      expect((await createJob(api.adminToken, 10, '/admin/phonebook/imports', { username: 'jane.doe' })).status).toBe(201);
    expect((await createJob(api.adminToken, 10, '/admin/phonebook/imports', { username: 'jane.doe' })).status).toBe(429);
  });

  it('limits the rate of job creation per user', async () => {
    const token = await api.userToken('job.rate');
    // The rate (3 per window) is reached before the cap of active jobs (2) would be: the third
    // creation is refused by the cap, the fourth by the rate, which counted all of them.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await createJob(token, 1)).status);
    expect(statuses).toEqual([201, 201, 429, 429]);
    const other = await createJob(await api.userToken('job.rate.other'), 1);
    expect(other.status).toBe(201);
  });
});

describe('per-user rate of bulk writes', () => {
  it('answers 429 with Retry-After past the rate', async () => {
    const token = await api.userToken('bulk.user');
    const bulk = () =>
      api.request('/phonebook/contacts/bulk', {
        method: 'POST',
        token,
        body: JSON.stringify({ contacts: [{ name: 'Bulk One' }] }),
        headers: { 'content-type': 'application/json' },
      });
    expect([(await bulk()).status, (await bulk()).status]).toEqual([200, 200]);
    const refused = await bulk();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
  });
});

describe('per-IP limits on admin routes', () => {
  it('counts admin imports per source IP: one address spent, another still served', async () => {
    for (let i = 0; i < SYNC_IMPORTS_PER_WINDOW; i++) expect((await adminImportFrom('127.0.0.1')).status).toBe(200);
    const refused = await adminImportFrom('127.0.0.1');
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await adminImportFrom('127.0.0.2')).status).toBe(200);
  });
});
