import { readFile } from 'node:fs/promises';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_S3_CREDENTIALS } from '../../lib/adapters/aws-clients.js';
import { contactsCsv, createUpload, type JobView, putUpload, waitForJob } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

// Every invocation of the import function may work 250 ms before it must checkpoint and
// hand over: a few thousand rows take several invocations, as a huge file would in AWS.
let api: TestStack;
let s3: S3Client;
let bucket: string;
beforeAll(async () => {
  api = await startTestStack({ env: { IMPORT_TIME_BUDGET_MS: '250', IMPORT_CHECKPOINT_ROWS: '300' } });
  bucket = api.stack.buckets.UploadBucket as string;
  s3 = new S3Client({ endpoint: api.stack.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED' });
});
afterAll(async () => {
  s3?.destroy();
  await api?.close();
});

async function ownContacts(username: string, prefix: string): Promise<Array<Record<string, string>>> {
  const token = await api.userToken(username);
  const found: Array<Record<string, string>> = [];
  let cursor: string | null = null;
  do {
    const query: string = `?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = (await (await api.request(`/phonebook/contacts${query}`, { token })).json()) as { contacts: Array<Record<string, string>>; next_cursor: string | null };
    found.push(...page.contacts.filter((c) => c.owner === username && c.name?.startsWith(prefix)));
    cursor = page.next_cursor;
  } while (cursor);
  return found;
}

const lambdaContext = { getRemainingTimeInMillis: () => 900_000 } as unknown as Context;

async function s3EventFor(key: string, size: number, etag: string): Promise<S3Event> {
  const text = (await readFile(new URL('../../events/s3/object-created.json', import.meta.url), 'utf8'))
    .replaceAll('BUCKET', bucket)
    .replace('"KEY"', JSON.stringify(key))
    .replace('"ETAG"', JSON.stringify(etag))
    .replace('"size": 0', `"size": ${size}`);
  return JSON.parse(text) as S3Event;
}

describe('imports longer than one invocation', () => {
  it('checkpoint and continue in fresh invocations, ending with exactly the right contacts and report', async () => {
    const token = await api.userToken('john.smith');
    const csv = contactsCsv(6000, 'Long', 97);
    const created = await createUpload(api, token, csv.length);
    await putUpload(created.upload_url, csv);
    const job = await waitForJob(api, token, created.import_id);
    expect(job.status).toBe('completed');
    expect(job.invocations).toBeGreaterThan(2);
    const invalid = Math.floor(6000 / 97);
    expect(job.report).toMatchObject({ total_rows: 6000, imported_rows: 6000 - invalid, failed_rows: 0, skipped_rows: invalid });
    const contacts = await ownContacts('john.smith', 'Long ');
    expect(contacts).toHaveLength(6000 - invalid);
    expect(new Set(contacts.map((c) => c.id)).size).toBe(6000 - invalid);
    const errors = (await (await api.request(`/phonebook/imports/${created.import_id}/errors.csv`, { token })).text()).trimEnd().split('\r\n');
    expect(errors).toHaveLength(invalid + 1);
    expect(errors.slice(1).map((line) => Number(line.split(',')[0]))).toEqual(Array.from({ length: invalid }, (_, i) => (i + 1) * 97 + 1));
  });

  it('shows progress while running', async () => {
    const token = await api.userToken('jane.doe');
    const csv = contactsCsv(4000, 'Progress');
    const created = await createUpload(api, token, csv.length);
    await putUpload(created.upload_url, csv);
    const seen: JobView[] = [];
    for (;;) {
      const job = (await (await api.request(`/phonebook/imports/${created.import_id}`, { token })).json()) as JobView;
      seen.push(job);
      if (job.status === 'completed' || job.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const midway = seen.filter((job) => job.status === 'running' && job.progress.rows_processed > 0 && job.progress.rows_processed < 4000);
    expect(midway.length).toBeGreaterThan(0);
    expect(midway[0]?.progress.bytes_read).toBeGreaterThan(0);
    expect(midway[0]?.progress.bytes_read).toBeLessThan(csv.length);
    expect(midway[0]?.progress.total_bytes).toBe(csv.length);
  });
});

describe('duplicate deliveries and crashes', () => {
  it('runs one job once when the same S3 event is delivered twice at the same time', async () => {
    const { handler } = await import('../../functions/import-object.js');
    const csv = contactsCsv(2000, 'Twice');
    const key = 'drop/jane.doe/twice.csv';
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: csv }));
    await api.stack.settle();
    // The notification above ran the import once already; deliver the same event twice more.
    const event = await s3EventFor(key, csv.length, (put.ETag ?? '').replaceAll('"', ''));
    await Promise.all([handler(event, lambdaContext), handler(event, lambdaContext)]);
    await api.stack.settle();
    const contacts = await ownContacts('jane.doe', 'Twice ');
    expect(contacts).toHaveLength(2000);
    const token = await api.userToken('jane.doe');
    const { imports } = (await (await api.request('/phonebook/imports?limit=100', { token })).json()) as { imports: JobView[] };
    // One job for the notification the server sent, one for the two identical copies
    // (same key, ETag and sequencer): each ran once, to the end.
    const jobsForFile = imports.filter((j) => j.object_key === key);
    expect(jobsForFile).toHaveLength(2);
    for (const job of jobsForFile) expect(job).toMatchObject({ status: 'completed', report: { total_rows: 2000, imported_rows: 2000 } });
  });

  it('resumes from the last checkpoint after an invocation dies mid-file, without losing or repeating rows', async () => {
    const { runImportJob } = await import('../../lib/jobs/run-import-job.js');
    const { jobRunnerDeps, jobs } = await import('../../functions/runtime.js');
    const { sweepStaleJobs } = await import('../../lib/jobs/reimport.js');
    const { UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
    const { dynamoClient } = await import('../../lib/adapters/aws-clients.js');
    const { config } = await import('../../functions/runtime.js');
    const token = await api.userToken('john.smith');
    const csv = contactsCsv(3000, 'Crash', 50);
    const created = await createUpload(api, token, csv.length);
    // The file goes in beside the job's upload key, where no notification starts an import,
    // and the job is pointed at it: the run below is the only one, and it is killed.
    const stagedKey = `imports/john.smith/${created.import_id}/staged.csv`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: stagedKey, Body: csv }));
    await dynamoClient(config).send(
      new UpdateItemCommand({
        TableName: config.jobsTable,
        Key: { owner: { S: 'john.smith' }, importId: { S: created.import_id } },
        UpdateExpression: 'SET objectKey = :key',
        ExpressionAttributeValues: { ':key': { S: stagedKey } },
      }),
    );
    // The invocation dies after reading about two thirds of the file…
    let bytesBeforeDeath = Math.floor(csv.length * 0.7);
    const dyingFiles = Object.assign(Object.create(Object.getPrototypeOf(jobRunnerDeps.files)), jobRunnerDeps.files, {
      read: async (key: string, from?: number) => {
        const stream = await jobRunnerDeps.files.read(key, from);
        async function* dying(): AsyncIterable<Uint8Array> {
          // Small pieces: the parser pulls them as it goes, so death comes mid-rows.
          for await (const chunk of stream.body) {
            for (let offset = 0; offset < chunk.byteLength; offset += 2048) {
              const piece = chunk.subarray(offset, offset + 2048);
              bytesBeforeDeath -= piece.byteLength;
              if (bytesBeforeDeath < 0) throw new Error('invocation killed');
              yield piece;
            }
          }
        }
        return { body: dying(), abort: stream.abort };
      },
    });
    // …and, being dead, cannot release its lease either.
    const deadJobs = Object.assign(Object.create(Object.getPrototypeOf(jobs)), jobs, { releaseJob: async () => false });
    const deps = { ...jobRunnerDeps, files: dyingFiles, jobs: deadJobs };
    await expect(runImportJob('john.smith', created.import_id, deps, Date.now() + 60_000)).rejects.toThrow('invocation killed');
    const crashed = (await (await api.request(`/phonebook/imports/${created.import_id}`, { token })).json()) as JobView;
    expect(crashed.status).toBe('running');
    expect(crashed.progress.rows_processed).toBeGreaterThan(0);
    expect(crashed.progress.rows_processed).toBeLessThan(3000);

    // Until its lease expires nobody else may take the job…
    expect(await runImportJob('john.smith', created.import_id, jobRunnerDeps, Date.now() + 60_000)).toBe('not-claimable');
    // …then its lease runs out (fast-forwarded here: the lease outlives a deadline by minutes),
    // the schedule's sweep finds the job, and a fresh invocation resumes from the checkpoint.
    await dynamoClient(config).send(
      new UpdateItemCommand({
        TableName: config.jobsTable,
        Key: { owner: { S: 'john.smith' }, importId: { S: created.import_id } },
        UpdateExpression: 'SET leaseExpiresAt = :past',
        ExpressionAttributeValues: { ':past': { N: String(Date.now() - 1) } },
      }),
    );
    const sweep = await sweepStaleJobs({ jobs, trigger: jobRunnerDeps.trigger });
    expect(sweep.resumed).toBeGreaterThanOrEqual(1);
    await api.stack.settle();
    const job = await waitForJob(api, token, created.import_id);
    expect(job).toMatchObject({ status: 'completed', report: { total_rows: 3000, imported_rows: 2940, skipped_rows: 60, failed_rows: 0 } });
    expect(await ownContacts('john.smith', 'Crash ')).toHaveLength(2940);
    // Rejected rows seen before the crash and after the resume are each listed once.
    const errors = (await (await api.request(`/phonebook/imports/${created.import_id}/errors.csv`, { token })).text()).trimEnd().split('\r\n');
    expect(errors.slice(1).map((line) => Number(line.split(',')[0]))).toEqual(Array.from({ length: 60 }, (_, i) => (i + 1) * 50 + 1));
  });
});
