import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import type { ImportReport } from '../lib/import/report.js';

/** The benchmark runs three kinds of process: this one, the backend, and the measured importer. */
const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const PROJECT_DIR = path.resolve(BENCH_DIR, '..');

export const BENCH_BUCKET = 'bench-imports';
export const BENCH_OWNER = 'bench.user';

export interface BackendEndpoints {
  dynamodbEndpoint: string;
  s3Endpoint: string;
  bucket: string;
  tables: string[];
}

/** A CSV put into the upload bucket, as its ObjectCreated event describes it. */
export interface DroppedObject {
  bucket: string;
  key: string;
  size: number;
  etag: string;
}

/** What the importer process is asked to measure. */
export type ImporterJob =
  | { stage: 'csvparse'; file: string }
  | { stage: 'pipeline'; file: string; concurrency: number }
  | { stage: 'ceiling'; file: string; concurrency: number }
  /** Reads then writes, batch by batch, into a table that holds the file's contacts already. */
  | { stage: 'ceiling-rw'; file: string; concurrency: number }
  | { stage: 'e2e'; object: DroppedObject; eventFile: string; concurrency: number };

/** The import's own counts, and what became of the imported rows. */
export type BenchReport = Pick<
  ImportReport,
  'total_rows' | 'imported_rows' | 'failed_rows' | 'skipped_rows' | 'created_rows' | 'updated_rows' | 'unchanged_rows'
>;

/** What it measured: the last line of its output. */
export interface ImporterResult {
  stage: ImporterJob['stage'];
  /** Data rows read from the file (the rate's numerator for every stage but the ceiling). */
  rows: number;
  /** Items sent to storage (imported contacts); 0 when nothing is written. */
  items: number;
  seconds: number;
  /** When the timed part started and ended (epoch ms), to read the backend's CPU over it. */
  startedAt: number;
  endedAt: number;
  /** CPU time (user + system) the importer process spent in the stage, in seconds. */
  cpuSeconds: number;
  /** process.resourceUsage().maxRSS of the importer process, in MB. */
  peakRssMb: number;
  report?: BenchReport;
}

/**
 * The script Lambda starts the deployed import function's Node.js through
 * (`AWS_LAMBDA_EXEC_WRAPPER` in serverless.yml): the measured importer is started the same way.
 */
export const LAMBDA_NODE_WRAPPER = path.join(PROJECT_DIR, 'bin', 'lambda-node');

function nodeProcess(nodeArgs: string[], args: string[], env: NodeJS.ProcessEnv = {}, wrapper?: string): ChildProcess {
  const command = wrapper ?? process.execPath;
  const commandArgs = wrapper ? [process.execPath, ...nodeArgs, ...args] : [...nodeArgs, ...args];
  return spawn(command, commandArgs, {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
  });
}

function tsxProcess(script: string, args: string[], options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv }): ChildProcess {
  return nodeProcess([...(options.nodeArgs ?? []), '--import', 'tsx'], [path.join(BENCH_DIR, script), ...args], options.env);
}

/**
 * Bundles the importer as serverless-esbuild bundles a function (ESM, node22, the AWS SDK
 * bundled too), into node_modules/.cache (not into .esbuild/, which `osls package` empties).
 * Run as plain JavaScript, its memory is the function's, without tsx's loader thread.
 */
export async function bundleImporter(): Promise<string> {
  const outfile = path.join(PROJECT_DIR, 'node_modules', '.cache', 'phonebook-bench', 'importer.mjs');
  await build({
    entryPoints: [path.join(BENCH_DIR, 'importer.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}

export interface Backend {
  endpoints: BackendEndpoints;
  /** The CPU seconds the backend used between two instants (epoch ms), from its samples. */
  cpuSecondsBetween(from: number, to: number): number;
  /** Stops the backend; resolves with the CPU seconds it used since it started. */
  stop(): Promise<number>;
}

/** The backend's CPU seconds so far, as it reports them every BACKEND_SAMPLE_MS. */
export interface CpuSample {
  at: number;
  cpuSeconds: number;
}

export const BACKEND_SAMPLE_MS = 100;

/** The CPU seconds at `at`, interpolated between the samples around it. */
function cpuAt(samples: readonly CpuSample[], at: number): number {
  const after = samples.findIndex((sample) => sample.at >= at);
  if (after === -1) return samples.at(-1)?.cpuSeconds ?? Number.NaN;
  const next = samples[after] as CpuSample;
  const previous = samples[after - 1];
  if (!previous || next.at === previous.at) return next.cpuSeconds;
  return previous.cpuSeconds + ((next.cpuSeconds - previous.cpuSeconds) * (at - previous.at)) / (next.at - previous.at);
}

/** Starts a fresh backend process (empty tables, empty bucket) and waits for its endpoints. */
export async function startBackend(nodeArgs: string[] = []): Promise<Backend> {
  const child = tsxProcess('backend.ts', [], { nodeArgs });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => String(line)),
    exited.then(([code]) => {
      throw new Error(`the backend process exited with ${String(code)} before it was ready`);
    }),
  ]);
  let last = '';
  const samples: CpuSample[] = [];
  lines.on('line', (line: string) => {
    last = line;
    const sample = JSON.parse(line) as Partial<CpuSample>;
    if (sample.at !== undefined && sample.cpuSeconds !== undefined) samples.push({ at: sample.at, cpuSeconds: sample.cpuSeconds });
  });
  return {
    endpoints: JSON.parse(first) as BackendEndpoints,
    cpuSecondsBetween: (from, to) => cpuAt(samples, to) - cpuAt(samples, from),
    stop: async () => {
      child.stdin?.end();
      await exited;
      return (JSON.parse(last || '{}') as { cpuSeconds?: number }).cpuSeconds ?? Number.NaN;
    },
  };
}

/** Runs one measurement in a new importer process and returns what it reports. */
export async function runImporter(
  bundle: string,
  job: ImporterJob,
  options: { env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {},
): Promise<ImporterResult> {
  const child = nodeProcess(options.nodeArgs ?? [], [bundle, JSON.stringify(job)], options.env, LAMBDA_NODE_WRAPPER);
  child.stdin?.end();
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    output += text;
  });
  const [code] = await once(child, 'exit');
  const last = output.trimEnd().split('\n').pop() ?? '';
  if (code !== 0) throw new Error(`the ${job.stage} importer exited with ${String(code)}: ${last}`);
  return JSON.parse(last) as ImporterResult;
}
