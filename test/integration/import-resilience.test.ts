import { readFile } from 'node:fs/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context, S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactsCsv, createUpload, type JobView, putUpload, waitForJob } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

// Every invocation of the import function may work one second, and 2,000 rows at most, before it
// must checkpoint and hand over: a few thousand rows take several invocations, as a huge file
// would in AWS. The row cap makes that so on a machine of any speed.
let api: TestStack;
beforeAll(async () => {
  api = await startTestStack({
    env: { IMPORT_TIME_BUDGET_MS: '1000', IMPORT_CHECKPOINT_ROWS: '300', IMPORT_ROWS_PER_INVOCATION: '2000', LOG_LEVEL: 'INFO' },
  });
});
afterAll(async () => {
  await api?.close();
});

async function ownContacts(username: string, prefix: string): Promise<Array<Record<string, string>>> {
  return (await api.contactsOf(username, { ownOnly: true })).filter((c) => c.name?.startsWith(prefix));
}

const lambdaContext = { getRemainingTimeInMillis: () => 900_000 } as unknown as Context;

async function s3EventFor(key: string, size: number, etag: string): Promise<S3Event> {
  const text = (await readFile(new URL('../../events/s3/object-created.json', import.meta.url), 'utf8'))
    .replaceAll('BUCKET', api.uploadBucket)
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
    // At the embedded DynamoDB's pace (a few thousand rows a second at best) 6,000 rows outlast one budget.
    expect(job.invocations).toBeGreaterThanOrEqual(3);
    const invalid = Math.floor(6000 / 97);
    expect(job.report).toMatchObject({ total_rows: 6000, imported_rows: 6000 - invalid, failed_rows: 0, skipped_rows: invalid });
    const contacts = await ownContacts('john.smith', 'Long ');
    expect(contacts).toHaveLength(6000 - invalid);
    expect(new Set(contacts.map((c) => c.id)).size).toBe(6000 - invalid);
    const errors = (await (await api.request(`/phonebook/imports/${created.import_id}/errors.csv`, { token })).text())
      .trimEnd()
      .split('\r\n');
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

describe('a job that pauses after its last row', () => {
  // No time budget here, only the row cap: the second invocation stops at the file's last row,
  // and the third starts at the object's end, where S3 has no byte left to serve (416).
  let capped: TestStack;
  beforeAll(async () => {
    capped = await startTestStack({ env: { IMPORT_ROWS_PER_INVOCATION: '500', IMPORT_CHECKPOINT_ROWS: '100' } });
  });
  afterAll(async () => {
    await capped?.close();
  });

  it('continues from the end of the file and completes with every row counted once', async () => {
    const token = await capped.userToken('john.smith');
    const csv = contactsCsv(1000, 'Edge');
    const created = await createUpload(capped, token, csv.length);
    await putUpload(created.upload_url, csv);
    const job = await waitForJob(capped, token, created.import_id, 60_000);
    expect(job).toMatchObject({ status: 'completed', invocations: 3 });
    expect(job.report).toMatchObject({ total_rows: 1000, imported_rows: 1000, failed_rows: 0, skipped_rows: 0 });
    expect((await capped.contactsOf('john.smith', { ownOnly: true })).filter((c) => c.name?.startsWith('Edge '))).toHaveLength(1000);
  });
});

describe('duplicate deliveries and crashes', () => {
  it('runs one job once when the same S3 event is delivered twice at the same time', async () => {
    const { handler } = await import('../../functions/import-object.js');
    const csv = contactsCsv(2000, 'Twice');
    const key = 'drop/jane.doe/twice.csv';
    const put = await api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: key, Body: csv }));
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
});
