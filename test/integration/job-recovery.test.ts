import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context, S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportJob } from '../../lib/jobs/job.js';
import type { ContactWrite } from '../../lib/storage/ports.js';
import { contactsCsv, createUpload, type JobView, waitForJob } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { type OutageProxy, startOutageProxy } from '../support/outage-proxy.js';

// The service reaches S3 through a proxy the tests can switch off; the tests' own client
// (api.s3) talks to the embedded S3 directly, so files can be put while "S3 is down".
let api: TestStack;
let s3Proxy: OutageProxy;
beforeAll(async () => {
  s3Proxy = await startOutageProxy();
  api = await startTestStack({ env: { S3_ENDPOINT: s3Proxy.url, IMPORT_CHECKPOINT_ROWS: '200' } });
  s3Proxy.setTarget(api.stack.s3Endpoint);
});
afterAll(async () => {
  await api?.close();
  await s3Proxy?.close();
});

const OWNER = 'john.smith';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function runtime() {
  const [{ jobRunnerDeps, jobs, config }, { runImportJob }, { sweepStaleJobs }, { dynamoClient }] = await Promise.all([
    import('../../functions/wiring/all.js'),
    import('../../lib/jobs/run-import-job.js'),
    import('../../lib/jobs/reimport.js'),
    import('../../lib/adapters/aws-clients.js'),
  ]);
  const dynamo = dynamoClient(config);
  const setJob = (importId: string, update: string, values: Record<string, { S: string } | { N: string }>) =>
    dynamo.send(
      new UpdateItemCommand({
        TableName: config.jobsTable,
        Key: { owner: { S: OWNER }, importId: { S: importId } },
        UpdateExpression: update,
        ExpressionAttributeValues: values,
      }),
    );
  const leaseOf = async (importId: string) => {
    const item = await dynamo.send(
      new GetItemCommand({ TableName: config.jobsTable, Key: { owner: { S: OWNER }, importId: { S: importId } }, ConsistentRead: true }),
    );
    return Number(item.Item?.leaseExpiresAt?.N ?? Number.NaN);
  };
  /** The lease (or retry time) has run out, without waiting for it. */
  const expireLease = (importId: string) => setJob(importId, 'SET leaseExpiresAt = :past', { ':past': { N: String(Date.now() - 1) } });
  const sweep = () => sweepStaleJobs({ jobs, files: jobRunnerDeps.files, trigger: jobRunnerDeps.trigger });
  return { jobRunnerDeps, jobs, runImportJob, sweep, setJob, leaseOf, expireLease };
}

async function jobView(importId: string): Promise<JobView & { etag?: string; retrying?: { attempts: number; last_error: string } }> {
  const token = await api.userToken(OWNER);
  return (await (await api.request(`/phonebook/imports/${importId}`, { token })).json()) as JobView & { etag?: string };
}

async function ownNames(prefix: string): Promise<string[]> {
  return (await api.contactsOf(OWNER, { ownOnly: true })).map((c) => c.name ?? '').filter((name) => name.startsWith(prefix));
}

/** An upload job whose file sits at a key no notification watches: nothing starts it but the test. */
async function stagedUploadJob(csv: Buffer): Promise<string> {
  const { setJob } = await runtime();
  const created = await createUpload(api, await api.userToken(OWNER), csv.length);
  const stagedKey = `imports/${OWNER}/${created.import_id}/staged.csv`;
  await api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: stagedKey, Body: csv }));
  await setJob(created.import_id, 'SET objectKey = :key', { ':key': { S: stagedKey } });
  return created.import_id;
}

describe('S3 unavailable while an upload event is handled (issue 9, item 13)', () => {
  it('fails the invocation, is retried after a delay, and imports the file', async () => {
    const csv = contactsCsv(400, 'Outage13');
    const created = await createUpload(api, await api.userToken(OWNER), csv.length);
    s3Proxy.down();
    try {
      await api.s3.send(
        new PutObjectCommand({ Bucket: api.uploadBucket, Key: `imports/${OWNER}/${created.import_id}/upload.csv`, Body: csv }),
      );
      // Longer than the SDK's own retries of one invocation: only a later attempt can succeed.
      await sleep(1_500);
    } finally {
      s3Proxy.up();
    }
    await api.stack.settle();
    const job = await waitForJob(api, await api.userToken(OWNER), created.import_id, 30_000);
    expect(job).toMatchObject({ status: 'completed', report: { total_rows: 400, imported_rows: 400, failed_rows: 0, skipped_rows: 0 } });
    expect(await ownNames('Outage13 ')).toHaveLength(400);
  });

  it('the sweep starts an upload whose file is in the bucket although its event never succeeded', async () => {
    const { sweep, setJob } = await runtime();
    const importId = await stagedUploadJob(contactsCsv(150, 'Swept13'));
    // The upload URL has expired: whatever was going to arrive has arrived.
    await setJob(importId, 'SET uploadExpiresAt = :past', { ':past': { S: new Date(Date.now() - 1_000).toISOString() } });
    expect(await sweep()).toMatchObject({ started: 1, expired: 0 });
    await api.stack.settle();
    const job = await waitForJob(api, await api.userToken(OWNER), importId, 30_000);
    expect(job).toMatchObject({ status: 'completed', report: { total_rows: 150, imported_rows: 150 } });
  });

  it('the sweep fails an upload job only when no file came within an hour after its URL expired', async () => {
    const { sweep, setJob } = await runtime();
    const created = await createUpload(api, await api.userToken(OWNER), 100);
    await setJob(created.import_id, 'SET uploadExpiresAt = :past', { ':past': { S: new Date(Date.now() - 1_000).toISOString() } });
    await sweep();
    expect((await jobView(created.import_id)).status).toBe('waiting_upload');
    await setJob(created.import_id, 'SET uploadExpiresAt = :past', { ':past': { S: new Date(Date.now() - 2 * 3600_000).toISOString() } });
    await sweep();
    expect(await jobView(created.import_id)).toMatchObject({
      status: 'failed',
      failure_reason: 'the upload URL expired before a file was uploaded',
    });
  });
});

describe('S3 unavailable while a job runs (issue 9, item 14 and "Kills")', () => {
  it('releases the job with a backoff and the sweep resumes it exactly once S3 is back', async () => {
    const { jobRunnerDeps, runImportJob, sweep, leaseOf, expireLease } = await runtime();
    const importId = await stagedUploadJob(contactsCsv(3000, 'Backoff14'));
    // S3 goes away after about a third of the file was read.
    let bytesLeft = 60_000;
    const files = Object.assign(Object.create(Object.getPrototypeOf(jobRunnerDeps.files)), jobRunnerDeps.files, {
      read: async (key: string, from?: number, etag?: string) => {
        const stream = await jobRunnerDeps.files.read(key, from, etag);
        async function* cut(): AsyncIterable<Uint8Array> {
          for await (const chunk of stream.body) {
            bytesLeft -= chunk.byteLength;
            if (bytesLeft < 0) s3Proxy.down();
            yield chunk;
          }
        }
        return { body: cut(), abort: stream.abort };
      },
    });
    let result: string;
    const before = Date.now();
    try {
      result = await runImportJob(OWNER, importId, { ...jobRunnerDeps, files }, Date.now() + 60_000);
    } finally {
      s3Proxy.up();
    }
    expect(result).toBe('retrying');
    const waiting = await jobView(importId);
    expect(waiting.status).toBe('running');
    expect(waiting.retrying?.attempts).toBe(1);
    expect(waiting.retrying?.last_error).toMatch(/^storage unavailable/);
    // The first retry waits 15 s: not before (the sweep leaves it), not much after.
    const retryAt = await leaseOf(importId);
    expect(retryAt - before).toBeGreaterThanOrEqual(15_000);
    expect(retryAt - Date.now()).toBeLessThanOrEqual(15_000);
    expect((await sweep()).resumed).toBe(0);
    await expireLease(importId);
    expect((await sweep()).resumed).toBe(1);
    await api.stack.settle();
    const job = await waitForJob(api, await api.userToken(OWNER), importId, 30_000);
    expect(job).toMatchObject({ status: 'completed', report: { total_rows: 3000, imported_rows: 3000, failed_rows: 0, skipped_rows: 0 } });
    expect(job).not.toHaveProperty('retrying');
    const names = await ownNames('Backoff14 ');
    expect(new Set(names).size).toBe(3000);
    expect(names).toHaveLength(3000);
  });

  it('fails the job with the reason after six attempts in a row without progress, never stuck in running', async () => {
    const { jobs, jobRunnerDeps, runImportJob, expireLease } = await runtime();
    const { MAX_ATTEMPTS } = await import('../../lib/jobs/run-import-job.js');
    const importId = await stagedUploadJob(contactsCsv(50, 'Gone14'));
    const job = (await jobs.getJob(OWNER, importId)) as ImportJob;
    // A queued job (as a drop or a schedule leaves it): claimed first, so each failure counts.
    await jobs.createJob({
      ...job,
      importId: `${importId.slice(0, 10)}${'0'.repeat(16)}`,
      status: 'queued',
      etag: 'unknown',
      invocations: 0,
    });
    const queuedId = `${importId.slice(0, 10)}${'0'.repeat(16)}`;
    const results: string[] = [];
    s3Proxy.down();
    try {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        results.push(await runImportJob(OWNER, queuedId, jobRunnerDeps, Date.now() + 60_000));
        await expireLease(queuedId);
      }
    } finally {
      s3Proxy.up();
    }
    expect(results).toEqual([...Array(MAX_ATTEMPTS - 1).fill('retrying'), 'failed']);
    const failed = await jobView(queuedId);
    expect(failed.status).toBe('failed');
    expect(failed.failure_reason).toMatch(/^gave up after 6 attempts without progress: storage unavailable/);
  });

  it('keeps a short lease alive with a heartbeat through a batch slower than the lease', async () => {
    const { jobRunnerDeps, runImportJob } = await runtime();
    const importId = await stagedUploadJob(contactsCsv(300, 'Slow14'));
    let slowed = false;
    const writer = Object.assign(Object.create(Object.getPrototypeOf(jobRunnerDeps.writer)), jobRunnerDeps.writer, {
      writeContacts: async (batch: readonly ContactWrite[]) => {
        if (!slowed) {
          slowed = true;
          await sleep(2_000);
        }
        return jobRunnerDeps.writer.writeContacts(batch);
      },
    });
    const leaseMs = 600;
    const slow = runImportJob(
      OWNER,
      importId,
      { ...jobRunnerDeps, writer, settings: { ...jobRunnerDeps.settings, leaseMs } },
      Date.now() + 60_000,
    );
    await sleep(1_300);
    // Two leases later, the holder is alive and renewing: nobody else may take the job.
    expect(await runImportJob(OWNER, importId, jobRunnerDeps, Date.now() + 60_000)).toBe('not-claimable');
    expect(await slow).toBe('completed');
    expect((await jobView(importId)).report).toMatchObject({ total_rows: 300, imported_rows: 300 });
  });
});

describe('a drop-folder file written twice, the first event handled late (issue 9, item 16)', () => {
  it('imports each version under its own job, and fails the late one visibly instead of importing the newer content', async () => {
    const key = `drop/${OWNER}/twice.csv`;
    const first = Buffer.from('name\nFirst Version A\nFirst Version B\n');
    const second = Buffer.from('name\nSecond Version A\n');
    // The second version is written (and imported through its own event)…
    await api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: key, Body: second }));
    await api.stack.settle();
    // …then the event of the first write arrives, late.
    const { handler } = await import('../../functions/import-object.js');
    const event = JSON.parse(
      await readFile(new URL('../../events/s3/drop-folder-object-created.json', import.meta.url), 'utf8'),
    ) as S3Event;
    const object = event.Records[0]?.s3.object;
    if (!object) throw new Error('fixture has no record');
    Object.assign(object, {
      key,
      size: first.length,
      eTag: createHash('md5').update(first).digest('hex'),
      sequencer: '0000000000000000A1',
    });
    (event.Records[0] as { eventTime: string }).eventTime = new Date().toISOString();
    await handler(event, { getRemainingTimeInMillis: () => 900_000 } as Context);

    const token = await api.userToken(OWNER);
    const listed = (
      (await (await api.request('/phonebook/imports?limit=100', { token })).json()) as { imports: Array<JobView & { etag?: string }> }
    ).imports;
    const dropJobs = listed.filter((job) => job.object_key === key);
    expect(dropJobs).toHaveLength(2);
    const late = dropJobs.find((job) => job.etag === object.eTag);
    const current = dropJobs.find((job) => job.etag === createHash('md5').update(second).digest('hex'));
    expect(late).toMatchObject({
      status: 'failed',
      failure_reason: 'the file was replaced before it could be imported; the newer upload has its own job',
    });
    expect(current).toMatchObject({ status: 'completed', report: { total_rows: 1, imported_rows: 1 } });
    expect(await ownNames('First Version')).toEqual([]);
    expect(await ownNames('Second Version')).toEqual(['Second Version A']);
  });

  it('reads an object only in the version named by its ETag', async () => {
    const { jobRunnerDeps } = await runtime();
    const { ObjectChangedError } = await import('../../lib/storage/ports.js');
    const key = 'drop-staging/etag.csv';
    await api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: key, Body: 'name\nX\n' }));
    const current = await jobRunnerDeps.files.head(key);
    const stream = await jobRunnerDeps.files.read(key, 0, current?.etag);
    stream.abort();
    await expect(jobRunnerDeps.files.read(key, 0, 'd41d8cd98f00b204e9800998ecf8427e')).rejects.toBeInstanceOf(ObjectChangedError);
  });
});
