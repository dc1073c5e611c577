/**
 * The benchmark's backend process: dynalite and s3rver with the tables of serverless.yml and
 * one bucket, started apart from the importer so the importer's memory and CPU are its own.
 * Prints one JSON line with the endpoints, then its CPU seconds so far every 100 ms (so the
 * orchestrator can tell its CPU during a stage), serves until stdin closes, then prints the CPU
 * seconds it used in all.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTables, startDynamoDb, startS3 } from '../local/embedded-servers.js';
import { loadServiceDefinition } from '../local/service-definition.js';
import { PROJECT_ROOT } from '../local/stack.js';
import { BACKEND_SAMPLE_MS, BENCH_BUCKET, type BackendEndpoints, type CpuSample } from './processes.js';

const definition = await loadServiceDefinition(path.join(PROJECT_ROOT, 'serverless.yml'));
const s3Dir = await mkdtemp(path.join(tmpdir(), 'bench-s3-'));
// In memory, as the test stack runs it: the figure is the server's, not the disk's.
const dynamo = await startDynamoDb({});
const s3 = await startS3({ directory: s3Dir, buckets: [BENCH_BUCKET] });
await createTables(dynamo.endpoint, definition.tables);

const endpoints: BackendEndpoints = {
  dynamodbEndpoint: dynamo.endpoint,
  s3Endpoint: s3.endpoint,
  bucket: BENCH_BUCKET,
  tables: definition.tables.map((table) => table.logicalId),
};
process.stdout.write(`${JSON.stringify(endpoints)}\n`);

const cpuSeconds = (): number => {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1e6;
};
// The orchestrator reads the backend's CPU over each measured stage from these samples.
const sampling = setInterval(() => {
  const sample: CpuSample = { at: Date.now(), cpuSeconds: cpuSeconds() };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}, BACKEND_SAMPLE_MS);

let closing = false;
async function close(): Promise<void> {
  if (closing) return;
  closing = true;
  clearInterval(sampling);
  process.stdout.write(`${JSON.stringify({ cpuSeconds: cpuSeconds() })}\n`);
  await s3.close();
  await dynamo.close();
  await rm(s3Dir, { recursive: true, force: true });
  process.exit(0);
}
process.stdin.on('end', () => void close());
process.stdin.on('close', () => void close());
process.stdin.resume();
process.on('SIGTERM', () => void close());
