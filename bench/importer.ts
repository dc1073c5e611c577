/**
 * The measured process. Runs one stage, given as a JSON argument (an ImporterJob), and prints
 * one JSON line (an ImporterResult) with its time and its own peak RSS. Storage settings come
 * from the environment, exactly as a handler reads them.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type AttributeValue, BatchGetItemCommand, BatchWriteItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { Context, S3Event } from 'aws-lambda';
import { type Options as CsvParseOptions, parse } from 'csv-parse';
import { dynamoClient } from '../lib/adapters/aws-clients.js';
import { putRequestOf } from '../lib/adapters/dynamodb-contacts.js';
import { loadConfig } from '../lib/config.js';
import { importContacts } from '../lib/import/pipeline.js';
import { type ImportReport, reportCounts } from '../lib/import/report.js';
import { newImportId } from '../lib/jobs/job.js';
import type { ContactStore, ContactWrite } from '../lib/storage/ports.js';
import { type BenchReport, BENCH_OWNER, type DroppedObject, type ImporterJob, type ImporterResult } from './processes.js';

const BATCH_SIZE = 25;

const benchReport = (report: ImportReport): BenchReport => ({
  ...reportCounts(report),
  created_rows: report.created_rows,
  updated_rows: report.updated_rows,
  unchanged_rows: report.unchanged_rows,
});

const peakRssMb = (): number => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;

/** Reads find nothing (a first import into an empty phonebook), writes are kept nowhere. */
const discardingWriter: ContactStore = {
  maxBatchSize: BATCH_SIZE,
  readContacts: async () => new Map(),
  readStoredContacts: async () => new Map(),
  hasContacts: async () => false,
  writeContacts: async () => [],
};

/** csv-parse alone, with the options of the import pipeline (lib/import/pipeline.ts). */
async function parseOnly(file: string): Promise<number> {
  const options: CsvParseOptions = {
    bom: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    skip_empty_lines: false,
    relax_quotes: true,
    skip_records_with_error: true,
    max_record_size: 1024 * 1024,
  };
  let records = 0;
  for await (const _record of createReadStream(file).pipe(parse(options))) records++;
  return records - 1;
}

/**
 * Every BatchWriteItem request the import of `file` would send, marshalled ahead of time, so
 * the ceiling stage measures the database and the SDK and nothing of ours.
 */
async function prebuildRequests(file: string): Promise<{ rows: number; requests: WriteRequest[][] }> {
  const requests: WriteRequest[][] = [];
  const now = new Date().toISOString();
  const collector: ContactStore = {
    maxBatchSize: BATCH_SIZE,
    readContacts: async () => new Map(),
    readStoredContacts: async () => new Map(),
    hasContacts: async () => false,
    writeContacts: async (batch: readonly ContactWrite[]) => {
      requests.push(batch.map((write) => putRequestOf(write, now)));
      return [];
    },
  };
  // Stamped with an import's origin, as the import job's writes are: the very same items.
  const origin = { importId: newImportId(new Date()) };
  const report = await importContacts(createReadStream(file), { owner: BENCH_OWNER, writer: collector, origin });
  return { rows: report.total_rows, requests };
}

/**
 * Sends the pre-built requests with `concurrency` in flight, as the pipeline's batch sink does.
 * With `readFirst`, each batch first reads its 25 keys back (consistent `BatchGetItem`, whole
 * items), as a re-import does before it merges and writes.
 */
async function sendAll(requests: WriteRequest[][], concurrency: number, table: string, readFirst = false): Promise<void> {
  const client = dynamoClient(loadConfig());
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      let pending = requests[next++] ?? [];
      if (readFirst) {
        let keys = pending.map((request): Record<string, AttributeValue> => {
          const item = request.PutRequest?.Item ?? {};
          return { pk: item.pk ?? { S: '' }, id: item.id ?? { S: '' } };
        });
        while (keys.length > 0) {
          const result = await client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }));
          keys = result.UnprocessedKeys?.[table]?.Keys ?? [];
        }
      }
      while (pending.length > 0) {
        const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
        pending = result.UnprocessedItems?.[table] ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** The S3 ObjectCreated event for `object`, from the sample event every local invoke uses. */
async function objectCreatedEvent(object: DroppedObject, eventFile: string): Promise<S3Event> {
  const event = JSON.parse(await readFile(eventFile, 'utf8')) as S3Event;
  const record = event.Records[0];
  if (!record) throw new Error(`${eventFile} has no record`);
  record.eventTime = new Date().toISOString();
  record.s3.bucket.name = object.bucket;
  record.s3.bucket.arn = `arn:aws:s3:::${object.bucket}`;
  record.s3.object = {
    ...record.s3.object,
    key: encodeURIComponent(object.key).replaceAll('%2F', '/'),
    size: object.size,
    eTag: object.etag,
  };
  return event;
}

/**
 * The real import path: the S3-triggered import handler (functions/import-object.ts) run with
 * the ObjectCreated event of a file dropped into the owner's drop folder; it creates the job,
 * streams the object through the pipeline into DynamoDB and checkpoints as in AWS.
 */
async function importObject(
  object: DroppedObject,
  eventFile: string,
): Promise<{ seconds: number; cpuSeconds: number; startedAt: number; endedAt: number; report: ImportReport }> {
  const runtime = await import('../functions/wiring/all.js');
  const { handler } = await import('../functions/import-object.js');
  await runtime.users.registerUser(BENCH_OWNER);
  const event = await objectCreatedEvent(object, eventFile);
  // One invocation with the whole import: the figure is throughput, not the continuation path.
  const context = { functionName: 'importObject', awsRequestId: 'bench', getRemainingTimeInMillis: () => 3_600_000 } as Context;
  const { value: _, ...time } = await timed(() => handler(event, context));
  const [job] = await runtime.jobs.listJobs(BENCH_OWNER, 1);
  if (job?.status !== 'completed' || !job.report)
    throw new Error(`the import job ended ${job?.status ?? 'missing'}: ${job?.failureReason ?? ''}`);
  return { ...time, report: job.report };
}

/** Wall and CPU time of `run`: the figures of one stage. */
async function timed<T>(
  run: () => Promise<T>,
): Promise<{ value: T; seconds: number; cpuSeconds: number; startedAt: number; endedAt: number }> {
  const cpuBefore = process.cpuUsage();
  const startedAt = Date.now();
  const started = performance.now();
  const value = await run();
  const cpu = process.cpuUsage(cpuBefore);
  return {
    value,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    startedAt,
    endedAt: Date.now(),
  };
}

async function measure(job: ImporterJob): Promise<ImporterResult> {
  const { stage } = job;
  switch (stage) {
    case 'csvparse': {
      const { value: rows, ...time } = await timed(() => parseOnly(job.file));
      return { stage, rows, items: 0, ...time, peakRssMb: peakRssMb() };
    }
    case 'pipeline': {
      const { value: report, ...time } = await timed(() =>
        importContacts(createReadStream(job.file), { owner: BENCH_OWNER, writer: discardingWriter, writeConcurrency: job.concurrency }),
      );
      return { stage, rows: report.total_rows, items: report.imported_rows, ...time, peakRssMb: peakRssMb(), report: benchReport(report) };
    }
    case 'ceiling': {
      // Rows are the file's, items the writes its import makes: the same work as e2e, timed alone.
      const { rows, requests } = await prebuildRequests(job.file);
      const items = requests.reduce((sum, request) => sum + request.length, 0);
      const { value: _, ...time } = await timed(() => sendAll(requests, job.concurrency, loadConfig().contactsTable));
      return { stage, rows, items, ...time, peakRssMb: peakRssMb() };
    }
    case 'ceiling-rw': {
      const { rows, requests } = await prebuildRequests(job.file);
      const items = requests.reduce((sum, request) => sum + request.length, 0);
      const { value: _, ...time } = await timed(() => sendAll(requests, job.concurrency, loadConfig().contactsTable, true));
      return { stage, rows, items, ...time, peakRssMb: peakRssMb() };
    }
    case 'e2e': {
      const { report, ...time } = await importObject(job.object, job.eventFile);
      return { stage, rows: report.total_rows, items: report.imported_rows, ...time, peakRssMb: peakRssMb(), report: benchReport(report) };
    }
  }
}

const result = await measure(JSON.parse(process.argv[2] ?? '{}') as ImporterJob);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
