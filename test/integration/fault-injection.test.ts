import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALL_FAULT_KINDS, type FaultProxy, type ProxiedRequest, startFaultProxy } from '../support/fault-proxy.js';
import { contactsCsv, createUpload, putUpload, waitForJob } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import type { ImportReport } from '../../lib/import/report.js';

// Every DynamoDB request of the handlers goes through the fault proxy; checks read dynalite
// directly, past it. The proxy starts first (its upstream is set once dynalite runs) so the
// handlers, which read their configuration once, are pointed at it from the start.
let api: TestStack;
let proxy: FaultProxy;
let direct: DynamoDBClient;
const FAULT_RATE = 0.3;

beforeAll(async () => {
  proxy = await startFaultProxy({ seed: 20_261_202, delayMs: 50 });
  api = await startTestStack({
    env: { DYNAMODB_ENDPOINT: proxy.url, STORAGE_RETRY_BASE_DELAY_MS: '2', IMPORT_CHECKPOINT_ROWS: '500' },
  });
  proxy.setUpstream(api.stack.dynamodbEndpoint);
  direct = new DynamoDBClient({
    endpoint: api.stack.dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  direct?.destroy();
  await api?.close();
  await proxy?.close();
});
beforeEach(() => {
  proxy.configure({ rate: 0, kinds: ALL_FAULT_KINDS, applies: undefined });
  proxy.resetStats();
});

/** What dynalite holds for the owner, read past the proxy. */
async function storedContacts(owner: string): Promise<Array<Record<string, string>>> {
  const found: Array<Record<string, string>> = [];
  const pages = paginateScan(
    { client: direct },
    {
      TableName: process.env.CONTACTS_TABLE ?? 'ContactsTable',
      FilterExpression: '#o = :o',
      ExpressionAttributeNames: { '#o': 'owner' },
      ExpressionAttributeValues: { ':o': { S: owner } },
    },
  );
  for await (const page of pages) for (const item of page.Items ?? []) found.push(unmarshall(item) as Record<string, string>);
  return found;
}

type Report = ImportReport;

async function syncImport(owner: string, csv: Buffer): Promise<{ status: number; report: Report }> {
  const token = await api.userToken(owner);
  const response = await api.postForm('/phonebook/import/', { file: csv }, { authorization: `Bearer ${token}` });
  return { status: response.status, report: (await response.json()) as Report };
}

/** Rows of contactsCsv(rows, prefix, invalidEvery) that are valid, by name. */
function validNames(rows: number, prefix: string, invalidEvery: number): string[] {
  return Array.from({ length: rows }, (_, i) => i + 1)
    .filter((i) => invalidEvery === 0 || i % invalidEvery !== 0)
    .map((i) => `${prefix} ${i}`);
}

function expectExactly(stored: Array<Record<string, string>>, names: string[]): void {
  expect(stored.map((c) => c.name).sort()).toEqual([...names].sort());
  expect(new Set(stored.map((c) => c.id)).size).toBe(stored.length);
}

function expectEveryKindInjected(): void {
  for (const kind of ALL_FAULT_KINDS) expect(proxy.stats.injected[kind], kind).toBeGreaterThan(0);
}

describe(`at ${FAULT_RATE * 100}% DynamoDB faults (throttling, 500s, dropped connections, partial batches, delays)`, () => {
  it('sync imports into empty phonebooks store exactly the valid rows, with no 5xx', async () => {
    proxy.configure({ rate: FAULT_RATE });
    const owners = Array.from({ length: 8 }, (_, i) => `empty-${i}`);
    const results = await Promise.all(owners.map((owner) => syncImport(owner, contactsCsv(300, `Empty ${owner}`, 17))));
    expectEveryKindInjected();
    proxy.configure({ rate: 0 });
    const valid = validNames(300, '', 17).length;
    for (const [i, owner] of owners.entries()) {
      const { status, report } = results[i] as { status: number; report: Report };
      expect(status).toBe(200);
      expect(report).toMatchObject({
        total_rows: 300,
        imported_rows: valid,
        failed_rows: 0,
        skipped_rows: 300 - valid,
        created_rows: valid,
      });
      expectExactly(await storedContacts(owner), validNames(300, `Empty ${owner}`, 17));
    }
  });

  it('sync imports into non-empty phonebooks create the new rows and update the known ones', async () => {
    const owners = Array.from({ length: 4 }, (_, i) => `known-${i}`);
    // Rows 1-100 stored beforehand, without faults.
    for (const owner of owners) expect((await syncImport(owner, contactsCsv(100, `Known ${owner}`))).status).toBe(200);
    proxy.configure({ rate: FAULT_RATE });
    // Rows 1-150 again, with new notes: 100 updates and 50 new contacts.
    const rewritten = (owner: string) =>
      Buffer.from(contactsCsv(150, `Known ${owner}`).toString('utf8').replaceAll('"note, ', '"changed, '));
    const results = await Promise.all(owners.map((owner) => syncImport(owner, rewritten(owner))));
    expect(proxy.stats.injected['server-error'] + proxy.stats.injected.throttle + proxy.stats.injected['drop-after']).toBeGreaterThan(0);
    proxy.configure({ rate: 0 });
    for (const [i, owner] of owners.entries()) {
      const { status, report } = results[i] as { status: number; report: Report };
      expect(status).toBe(200);
      expect(report).toMatchObject({
        total_rows: 150,
        imported_rows: 150,
        failed_rows: 0,
        skipped_rows: 0,
        created_rows: 50,
        updated_rows: 100,
      });
      const stored = await storedContacts(owner);
      expectExactly(stored, validNames(150, `Known ${owner}`, 0));
      expect(stored.every((c) => c.notes?.startsWith('changed, '))).toBe(true);
    }
  });

  it('a job whose claim was written but whose answer was lost runs at once, not after its lease', async () => {
    const owner = 'lost-claim-owner';
    const token = await api.userToken(owner);
    const csv = contactsCsv(60, 'Claimed', 0);
    let claimsLost = 0;
    // Only the first claim (the UpdateItem that sets the job running) loses its answer.
    const isClaim = (request: ProxiedRequest) =>
      request.operation === 'UpdateItem' && request.body.includes(':running') && claimsLost++ === 0;
    proxy.configure({ rate: 1, kinds: ['drop-after'], applies: isClaim });
    const created = await createUpload(api, token, csv.length);
    expect((await putUpload(created.upload_url, csv)).status).toBe(200);
    // Well inside the 60 s lease: a claim refused as "held by another invocation" would still wait.
    const job = await waitForJob(api, token, created.import_id, 20_000);
    expect(proxy.stats.injected['drop-after']).toBe(1);
    expect(job.status).toBe('completed');
    expect(job.report?.imported_rows).toBe(60);
  });

  it('an import job through a presigned upload ends completed with exactly the valid rows', async () => {
    const owner = 'job-owner';
    const token = await api.userToken(owner);
    const csv = contactsCsv(1500, 'Job', 41);
    // Every table meets every fault, the jobs table too: a claim whose answer is lost is found
    // ours when the SDK sends it again.
    proxy.configure({ rate: FAULT_RATE, kinds: ALL_FAULT_KINDS, applies: undefined });
    const created = await createUpload(api, token, csv.length);
    expect((await putUpload(created.upload_url, csv)).status).toBe(200);
    const job = await waitForJob(api, token, created.import_id, 60_000);
    expect(proxy.stats.injected['drop-after']).toBeGreaterThan(0);
    proxy.configure({ rate: 0 });
    const valid = validNames(1500, 'Job', 41);
    expect(job.status).toBe('completed');
    expect(job.report).toMatchObject({ total_rows: 1500, imported_rows: valid.length, failed_rows: 0, skipped_rows: 1500 - valid.length });
    expectExactly(await storedContacts(owner), valid);
  });
});

describe('failed_rows names exactly the rows not stored', () => {
  it('counts a batch whose writes were stored but whose every answer was lost as imported', async () => {
    // Every BatchWriteItem reaches dynalite, and every answer is dropped, on every SDK attempt.
    proxy.configure({ rate: 1, kinds: ['drop-after'], applies: (request) => request.operation === 'BatchWriteItem' });
    const { status, report } = await syncImport('lost-answers', contactsCsv(25, 'Lost'));
    expect(proxy.stats.injected['drop-after']).toBeGreaterThanOrEqual(16);
    expect(status).toBe(200);
    expect(report).toMatchObject({ total_rows: 25, imported_rows: 25, failed_rows: 0, error_messages: [] });
    expectExactly(await storedContacts('lost-answers'), validNames(25, 'Lost', 0));
  });

  it('reports as failed exactly the rows of a batch that storage never took', async () => {
    // Rows 2-26 are the first batch of 25 and 27-51 the second: the one holding "Doomed" fails on every attempt.
    const csv = Buffer.from(contactsCsv(60, 'Row').toString('utf8').replace('Row 30,', 'Doomed 30,'));
    proxy.configure({
      rate: 1,
      kinds: ['server-error'],
      applies: (request) => request.operation === 'BatchWriteItem' && request.body.includes('Doomed'),
    });
    const { status, report } = await syncImport('doomed', csv);
    expect(status).toBe(200);
    const failedRows = report.error_messages.map((message) => Number(/^Row (\d+):/.exec(message)?.[1]));
    const stored = await storedContacts('doomed');
    expect(report).toMatchObject({ total_rows: 60, imported_rows: stored.length, failed_rows: failedRows.length, skipped_rows: 0 });
    expect(failedRows.length).toBeGreaterThan(0);
    // Spreadsheet row r holds contact r - 1: the failed rows are exactly the contacts missing.
    const storedRows = new Set(stored.map((c) => Number(/(\d+)$/.exec(c.name ?? '')?.[1]) + 1));
    for (let row = 2; row <= 61; row++) expect(storedRows.has(row)).toBe(!failedRows.includes(row));
  });
});
