/**
 * `npm run bench -- [--rows N] [--concurrency K] [--stages a,b] [--json] [--cpu-prof DIR]`
 *
 * Measures, in one run on one machine: csv-parse alone, our pipeline into a discarding sink,
 * the backend's raw write ceiling, the end-to-end import from S3, the import's peak RSS at N
 * and N/10 rows, the synchronous endpoint's latency for a 1,000-row file, and the end-to-end import
 * of the same contacts as an Excel workbook, with its peak RSS at N and N/10. See BENCHMARKS.md.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { localS3Client } from './local-s3.js';
import { generateCsv } from './generate-csv.js';
import { workbookOf } from './generate-xlsx.js';
import {
  type Backend,
  BENCH_OWNER,
  bundleImporter,
  type DroppedObject,
  type ImporterJob,
  type ImporterResult,
  PROJECT_DIR,
  runImporter,
  startBackend,
} from './processes.js';
import { measureSyncEndpoint } from './sync-endpoint.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    concurrency: { type: 'string', default: '4' },
    json: { type: 'boolean', default: false },
    stages: { type: 'string', default: 'all' },
    'cpu-prof': { type: 'string' },
  },
});
const rows = Number(values.rows);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(rows) || rows < 10) throw new Error(`--rows must be a whole number of at least 10, got '${values.rows}'`);
if (!Number.isInteger(concurrency) || concurrency < 1)
  throw new Error(`--concurrency must be a positive whole number, got '${values.concurrency}'`);
const profileDir = values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined;

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** The environment a handler would see, pointed at the backend process. */
function storageEnv(backend: Backend): NodeJS.ProcessEnv {
  const { endpoints } = backend;
  return {
    AWS_REGION: 'us-east-1',
    CONTACTS_TABLE: 'ContactsTable',
    USERS_TABLE: 'UsersTable',
    JOBS_TABLE: 'JobsTable',
    SOURCES_TABLE: 'SourcesTable',
    LIMITS_TABLE: 'LimitsTable',
    UPLOAD_BUCKET: endpoints.bucket,
    // Continuations are not exercised: the importer runs the whole file in one invocation.
    IMPORT_FUNCTION_NAME: 'importObject',
    DYNAMODB_ENDPOINT: endpoints.dynamodbEndpoint,
    S3_ENDPOINT: endpoints.s3Endpoint,
    SUPER_ADMIN_TOKEN: 'bench-admin-token',
    JWT_SECRET: 'bench-jwt-secret-bench-jwt-secret',
    IMPORT_WRITE_CONCURRENCY: String(concurrency),
  };
}

/** Puts `file` into the backend's upload bucket; resolves with the object as its event describes it. */
async function putObject(backend: Backend, key: string, file: string): Promise<DroppedObject> {
  const s3 = localS3Client(backend.endpoints.s3Endpoint);
  try {
    const { size } = await stat(file);
    const { bucket } = backend.endpoints;
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(file), ContentLength: size }));
    return { bucket, key, size, etag: (put.ETag ?? '').replaceAll('"', '') };
  } finally {
    s3.destroy();
  }
}

/** Node flags that write a CPU profile of a process when --cpu-prof is given. */
function profileArgs(profileName: string | undefined): string[] {
  // One folder per process: the tsx loader thread writes a profile of its own beside the main thread's.
  return profileDir && profileName ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, profileName)}`] : [];
}

/** Runs one importer stage; `profileName` names its CPU profile folder. */
function measure(job: ImporterJob, env: NodeJS.ProcessEnv = {}, profileName?: string): Promise<ImporterResult> {
  return runImporter(importerBundle, job, { env, nodeArgs: profileArgs(profileName) });
}

/** Storage stages each get a fresh backend process: an empty table, the same starting point. */
type WithBackendCpu = ImporterResult & { backendCpuSeconds: number };

/** The backend's CPU seconds over the timed part of `result` (not its start, nor untimed set-up). */
function withBackendCpu(backend: Backend, result: ImporterResult): WithBackendCpu {
  return { ...result, backendCpuSeconds: backend.cpuSecondsBetween(result.startedAt, result.endedAt) };
}

async function withBackend(use: (backend: Backend) => Promise<ImporterResult>, profileName?: string): Promise<WithBackendCpu> {
  const backend = await startBackend(profileArgs(profileName && `${profileName}-backend`));
  let result: ImporterResult;
  try {
    result = await use(backend);
  } catch (error) {
    await backend.stop();
    throw error;
  }
  await backend.stop();
  return withBackendCpu(backend, result);
}

async function e2e(csv: { path: string }, profileName: string): Promise<WithBackendCpu> {
  return withBackend(async (backend) => {
    // A file dropped into the owner's drop folder: the handler creates its job from the event.
    const object = await putObject(backend, `drop/${BENCH_OWNER}/${path.basename(csv.path)}`, csv.path);
    const eventFile = path.join(PROJECT_DIR, 'events/s3/object-created.json');
    return measure({ stage: 'e2e', object, eventFile, concurrency }, storageEnv(backend), profileName);
  }, profileName);
}

/**
 * A second import of the same file, which finds every contact stored: each batch is read back,
 * merged and written (an import job writes unchanged contacts too, to stamp its origin). Its
 * ceiling sends the same reads and writes, pre-built, into the same table, just before it.
 */
async function reimport(csv: { path: string }): Promise<{ ceiling: WithBackendCpu; second: WithBackendCpu }> {
  const backend = await startBackend(profileArgs('reimport-backend'));
  try {
    const eventFile = path.join(PROJECT_DIR, 'events/s3/object-created.json');
    const env = storageEnv(backend);
    const first = await putObject(backend, `drop/${BENCH_OWNER}/first-${path.basename(csv.path)}`, csv.path);
    await measure({ stage: 'e2e', object: first, eventFile, concurrency }, env);
    const ceiling = await measure({ stage: 'ceiling-rw', file: csv.path, concurrency }, env, 'reimport-ceiling');
    const again = await putObject(backend, `drop/${BENCH_OWNER}/again-${path.basename(csv.path)}`, csv.path);
    const second = await measure({ stage: 'e2e', object: again, eventFile, concurrency }, env, 'reimport');
    return { ceiling: withBackendCpu(backend, ceiling), second: withBackendCpu(backend, second) };
  } finally {
    await backend.stop();
  }
}

const STAGES = ['csvparse', 'pipeline', 'ceiling', 'e2e', 'reimport', 'sync', 'xlsx'] as const;
type Stage = (typeof STAGES)[number];
const selected = new Set<Stage>(values.stages === 'all' ? STAGES : (values.stages.split(',') as Stage[]));
for (const stage of selected) {
  if (!STAGES.includes(stage)) throw new Error(`--stages: unknown stage '${stage}' (known: ${STAGES.join(', ')}, or all)`);
}
const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;
const ratioOf = (a: number | undefined, b: number | undefined): number | null =>
  a === undefined || b === undefined ? null : round(a / b, 3);

// The handlers' logs would bury the figures; the importer processes are silenced the same way.
process.env.LOG_LEVEL ??= 'silent';
const importerBundle = await bundleImporter();
const workDir = await mkdtemp(path.join(os.tmpdir(), 'phonebook-bench-'));
try {
  const tenth = Math.round(rows / 10);
  log(`generating ${rows} and ${tenth} rows in ${workDir}`);
  const csv = await generateCsv(path.join(workDir, `contacts-${rows}.csv`), rows);
  const csvTenth = await generateCsv(path.join(workDir, `contacts-${tenth}.csv`), tenth);
  log(`  ${round(csv.bytes / 1e6, 1)} MB, ${csv.invalidRows} invalid rows, ${csv.duplicateRows} duplicates`);

  const run = async <T>(stage: Stage, title: string, measureStage: () => Promise<T>): Promise<T | undefined> => {
    if (!selected.has(stage)) return undefined;
    log(`${stage}: ${title}`);
    return measureStage();
  };
  const csvparse = await run('csvparse', 'csv-parse alone', () => measure({ stage: 'csvparse', file: csv.path }, {}, 'csvparse'));
  const pipeline = await run('pipeline', 'parse + validate + batch into a discarding sink, at N and N/10', async () => ({
    full: await measure({ stage: 'pipeline', file: csv.path, concurrency }, {}, 'pipeline'),
    tenth: await measure({ stage: 'pipeline', file: csvTenth.path, concurrency }),
  }));
  const ceiling = await run('ceiling', 'pre-built BatchWriteItem requests, no CSV work', () =>
    withBackend((backend) => measure({ stage: 'ceiling', file: csv.path, concurrency }, storageEnv(backend), 'ceiling'), 'ceiling'),
  );
  const e2eRuns = await run('e2e', 'S3 object → import → DynamoDB, at N and N/10', async () => ({
    full: await e2e(csv, 'e2e'),
    tenth: await e2e(csvTenth, 'e2e-tenth'),
  }));
  const reimportRuns = await run('reimport', 'the same file again into the loaded table, and its read + write ceiling', () =>
    reimport(csv),
  );
  const xlsxRuns = await run('xlsx', 'the same contacts as an Excel workbook: S3 object → import → DynamoDB, at N and N/10', async () => {
    const book = await workbookOf(csv.path, path.join(workDir, `contacts-${rows}.xlsx`));
    const bookTenth = await workbookOf(csvTenth.path, path.join(workDir, `contacts-${tenth}.xlsx`));
    log(`  workbooks of ${round(book.bytes / 1e6, 1)} and ${round(bookTenth.bytes / 1e6, 1)} MB`);
    return { bytes: book.bytes, full: await e2e(book, 'xlsx'), tenth: await e2e(bookTenth, 'xlsx-tenth') };
  });
  const sync = await run('sync', 'POST /phonebook/import/ with 1,000 rows: 20 first imports, 20 re-imports', () =>
    measureSyncEndpoint(path.join(workDir, 'contacts-1000.csv'), 20),
  );

  const backendCpuPerRow = (result: WithBackendCpu | undefined): number | null =>
    result ? round((result.backendCpuSeconds * 1e6) / result.rows, 1) : null;
  const backendBusy = (result: WithBackendCpu | undefined): number | null =>
    result ? round(result.backendCpuSeconds / result.seconds, 2) : null;
  const rate = (result: ImporterResult | undefined): number | undefined => (result ? Math.round(result.rows / result.seconds) : undefined);
  const cpuPerRow = (result: ImporterResult | undefined): number | null =>
    result ? round((result.cpuSeconds * 1e6) / result.rows, 1) : null;
  const results = {
    rows,
    concurrency,
    file_mb: round(csv.bytes / 1e6, 1),
    csvparse_rows_per_s: rate(csvparse) ?? null,
    pipeline_rows_per_s: rate(pipeline?.full) ?? null,
    backend_ceiling_rows_per_s: rate(ceiling) ?? null,
    e2e_rows_per_s: rate(e2eRuns?.full) ?? null,
    ratio: ratioOf(rate(e2eRuns?.full), rate(ceiling)),
    pipeline_over_csvparse: ratioOf(rate(pipeline?.full), rate(csvparse)),
    peak_rss_mb: e2eRuns?.full.peakRssMb ?? null,
    peak_rss_mb_tenth: e2eRuns?.tenth.peakRssMb ?? null,
    rss_growth: ratioOf(e2eRuns?.full.peakRssMb, e2eRuns?.tenth.peakRssMb),
    pipeline_peak_rss_mb: pipeline?.full.peakRssMb ?? null,
    pipeline_peak_rss_mb_tenth: pipeline?.tenth.peakRssMb ?? null,
    pipeline_rss_growth: ratioOf(pipeline?.full.peakRssMb, pipeline?.tenth.peakRssMb),
    reimport_ceiling_rows_per_s: rate(reimportRuns?.ceiling) ?? null,
    reimport_rows_per_s: rate(reimportRuns?.second) ?? null,
    reimport_ratio: ratioOf(rate(reimportRuns?.second), rate(reimportRuns?.ceiling)),
    ceiling_items_per_s: ceiling ? Math.round(ceiling.items / ceiling.seconds) : null,
    // CPU per row of the importer process: steadier than rates on a shared machine.
    csvparse_cpu_us_per_row: cpuPerRow(csvparse),
    pipeline_cpu_us_per_row: cpuPerRow(pipeline?.full),
    ceiling_importer_cpu_us_per_row: cpuPerRow(ceiling),
    e2e_importer_cpu_us_per_row: cpuPerRow(e2eRuns?.full),
    reimport_ceiling_importer_cpu_us_per_row: cpuPerRow(reimportRuns?.ceiling),
    reimport_importer_cpu_us_per_row: cpuPerRow(reimportRuns?.second),
    // The backend's CPU over its whole life (start, table creation, the upload, the stage) per row.
    ceiling_backend_cpu_us_per_row: backendCpuPerRow(ceiling),
    e2e_backend_cpu_us_per_row: backendCpuPerRow(e2eRuns?.full),
    reimport_ceiling_backend_cpu_us_per_row: backendCpuPerRow(reimportRuns?.ceiling),
    reimport_backend_cpu_us_per_row: backendCpuPerRow(reimportRuns?.second),
    // How busy the backend was during the stage, in cores: near 1 when it alone sets the pace.
    ceiling_backend_busy: backendBusy(ceiling),
    e2e_backend_busy: backendBusy(e2eRuns?.full),
    reimport_ceiling_backend_busy: backendBusy(reimportRuns?.ceiling),
    reimport_backend_busy: backendBusy(reimportRuns?.second),
    xlsx_mb: xlsxRuns ? round(xlsxRuns.bytes / 1e6, 1) : null,
    xlsx_rows_per_s: rate(xlsxRuns?.full) ?? null,
    xlsx_over_e2e: ratioOf(rate(xlsxRuns?.full), rate(e2eRuns?.full)),
    xlsx_peak_rss_mb: xlsxRuns?.full.peakRssMb ?? null,
    xlsx_peak_rss_mb_tenth: xlsxRuns?.tenth.peakRssMb ?? null,
    xlsx_rss_growth: ratioOf(xlsxRuns?.full.peakRssMb, xlsxRuns?.tenth.peakRssMb),
    xlsx_importer_cpu_us_per_row: cpuPerRow(xlsxRuns?.full),
    sync_1000_rows_p50_ms: sync?.p50Ms ?? null,
    sync_1000_rows_p95_ms: sync?.p95Ms ?? null,
    sync_first_request_ms: sync?.firstMs ?? null,
    sync_1000_rows_reimport_p50_ms: sync?.reimportP50Ms ?? null,
    sync_1000_rows_reimport_p95_ms: sync?.reimportP95Ms ?? null,
    e2e_report: e2eRuns?.full.report ?? null,
    reimport_report: reimportRuns?.second.report ?? null,
    xlsx_report: xlsxRuns?.full.report ?? null,
    machine: {
      nproc: os.availableParallelism(),
      memory_gb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      load_avg_1m: round(os.loadavg()[0] ?? 0, 2),
    },
  };

  const { e2e_report, reimport_report, xlsx_report, machine, ...figures } = results;
  for (const [name, value] of Object.entries(figures)) log(`${name.padEnd(30)} ${value ?? '-'}`);
  log(`${'e2e_report'.padEnd(30)} ${JSON.stringify(e2e_report)}`);
  log(`${'reimport_report'.padEnd(30)} ${JSON.stringify(reimport_report)}`);
  log(`${'xlsx_report'.padEnd(30)} ${JSON.stringify(xlsx_report)}`);
  log(`${'machine'.padEnd(30)} ${JSON.stringify(machine)}`);
  if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
} finally {
  await rm(workDir, { recursive: true, force: true });
}
