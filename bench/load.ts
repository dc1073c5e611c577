/**
 * `npm run load [-- --users 50 --rows 1000 --jobs 5 --job-rows 50000]`
 *
 * A load test of the whole local stack (gateway, authorizer, handlers, DynamoDB and S3 on
 * loopback), started by this script with the rate limits set out of the way: `users` users
 * each import `rows` rows synchronously, all at once, while `jobs` users each import a file of
 * `job-rows` rows through the presigned job path. It checks that no request answered 5xx,
 * that every report adds up (total = imported + failed + skipped, nothing failed or skipped),
 * and that each user's stored contacts are exactly the rows sent; it prints latency
 * percentiles and rows per second. Bounded: a fixed number of requests, and it gives up
 * after `--deadline-s` seconds (default 300). See BENCHMARKS.md "Load".
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { mintUserToken } from '../lib/auth/jwt.js';
import { LIMITS_OFF_ENV } from '../local/limits-off.js';
import { type LocalStack, startLocalStack } from '../local/stack.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '50' },
    rows: { type: 'string', default: '1000' },
    jobs: { type: 'string', default: '5' },
    'job-rows': { type: 'string', default: '50000' },
    'deadline-s': { type: 'string', default: '300' },
  },
});
const wholeNumber = (name: string, raw: string | undefined, min: number): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number of at least ${min}, got '${raw}'`);
  return value;
};
const USERS = wholeNumber('users', values.users, 1);
const ROWS = wholeNumber('rows', values.rows, 1);
const JOBS = wholeNumber('jobs', values.jobs, 0);
const JOB_ROWS = wholeNumber('job-rows', values['job-rows'], 1);
const DEADLINE_MS = wholeNumber('deadline-s', values['deadline-s'], 10) * 1000;

const log = (line: string) => process.stdout.write(`${line}\n`);

/** Private contacts only: a user's listing then holds their own rows and nobody else's. */
function csvOf(rows: number, prefix: string): Buffer {
  const lines = ['name,company,workemail,notes'];
  for (let i = 1; i <= rows; i++) lines.push(`${prefix} ${i},Company ${i % 7},p${i}@example.com,"note, ${i}"`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

interface Report {
  total_rows: number;
  imported_rows: number;
  failed_rows: number;
  skipped_rows: number;
}

const problems: string[] = [];
const statuses = new Map<number, number>();
function note(status: number): void {
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
}

function checkReport(who: string, report: Report | undefined, expected: number): void {
  if (!report) {
    problems.push(`${who}: no report`);
    return;
  }
  if (report.total_rows !== report.imported_rows + report.failed_rows + report.skipped_rows)
    problems.push(`${who}: the report does not add up: ${JSON.stringify(report)}`);
  if (report.total_rows !== expected || report.imported_rows !== expected)
    problems.push(`${who}: ${report.imported_rows} of ${expected} rows imported (${JSON.stringify(report)})`);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function call(stack: LocalStack, path: string, init: RequestInit, token: string): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  const response = await fetch(`${stack.url}${path}`, { ...init, headers, signal: AbortSignal.timeout(DEADLINE_MS) });
  note(response.status);
  return response;
}

async function syncImport(stack: LocalStack, username: string): Promise<number> {
  const token = await mintUserToken(stack.secrets.jwtSecret, username, ['phonebook.ad_phonebook']);
  const form = new FormData();
  form.append('file', new Blob([csvOf(ROWS, username)]), 'contacts.csv');
  const started = performance.now();
  const response = await call(stack, '/phonebook/import/', { method: 'POST', body: form }, token);
  const text = await response.text();
  const elapsed = performance.now() - started;
  if (response.status !== 200) problems.push(`${username}: sync import answered ${response.status} ${text.slice(0, 200)}`);
  else checkReport(`${username} (sync)`, JSON.parse(text) as Report, ROWS);
  return elapsed;
}

async function jobImport(stack: LocalStack, username: string, deadline: number): Promise<number> {
  const token = await mintUserToken(stack.secrets.jwtSecret, username, ['phonebook.ad_phonebook']);
  const csv = csvOf(JOB_ROWS, username);
  const started = performance.now();
  const created = await call(
    stack,
    '/phonebook/imports',
    { method: 'POST', body: JSON.stringify({ size: csv.length }), headers: { 'content-type': 'application/json' } },
    token,
  );
  if (created.status !== 201) {
    problems.push(`${username}: job creation answered ${created.status} ${(await created.text()).slice(0, 200)}`);
    return Number.NaN;
  }
  const job = (await created.json()) as { import_id: string; upload_url: string };
  const upload = await fetch(job.upload_url, { method: 'PUT', body: csv, headers: { 'content-length': String(csv.length) } });
  note(upload.status);
  if (upload.status !== 200) problems.push(`${username}: upload answered ${upload.status}`);
  while (Date.now() < deadline) {
    const response = await call(stack, `/phonebook/imports/${job.import_id}`, {}, token);
    if (response.status !== 200) {
      problems.push(`${username}: job status answered ${response.status}`);
      return Number.NaN;
    }
    const view = (await response.json()) as { status: string; report?: Report; failure_reason?: string };
    if (view.status === 'completed') {
      checkReport(`${username} (job)`, view.report, JOB_ROWS);
      return performance.now() - started;
    }
    if (view.status === 'failed') {
      problems.push(`${username}: job failed: ${view.failure_reason}`);
      return Number.NaN;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  problems.push(`${username}: job not finished by the deadline`);
  return Number.NaN;
}

/** The user's stored contacts, counted through GET /phonebook/contacts (own rows only). */
async function storedCount(stack: LocalStack, username: string): Promise<number> {
  const token = await mintUserToken(stack.secrets.jwtSecret, username, []);
  let count = 0;
  let cursor: string | null = null;
  do {
    const query: string = `?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await call(stack, `/phonebook/contacts${query}`, {}, token);
    if (response.status !== 200) throw new Error(`listing ${username}'s contacts answered ${response.status}`);
    const page = (await response.json()) as { contacts: Array<{ owner: string }>; next_cursor: string | null };
    count += page.contacts.filter((contact) => contact.owner === username).length;
    cursor = page.next_cursor;
  } while (cursor);
  return count;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const deadline = startedAt + DEADLINE_MS;
  const watchdog = setTimeout(() => {
    process.stderr.write(`load: gave up after ${DEADLINE_MS / 1000} s\n`);
    process.exit(2);
  }, DEADLINE_MS + 30_000);
  watchdog.unref();
  const stack = await startLocalStack({
    env: {
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      // The load, not the limits, is under test: every per-user and per-route limit out of the way.
      ...LIMITS_OFF_ENV,
      // Every function's workers share this one machine and the one in-process DynamoDB:
      // 55 imports x 4 batches in flight queue behind each other (BENCHMARKS.md "Load").
      IMPORT_WRITE_CONCURRENCY: process.env.IMPORT_WRITE_CONCURRENCY ?? '1',
    },
  });
  try {
    const syncUsers = Array.from({ length: USERS }, (_, i) => `load.sync.${i}`);
    const jobUsers = Array.from({ length: JOBS }, (_, i) => `load.job.${i}`);
    log(`load: ${USERS} users x ${ROWS} rows synchronously, ${JOBS} jobs x ${JOB_ROWS} rows, on ${os.cpus().length} cores, ${stack.url}`);
    const phaseStarted = performance.now();
    let syncEnded = 0;
    const sync = Promise.all(syncUsers.map((user) => syncImport(stack, user))).then((latencies) => {
      syncEnded = performance.now();
      return latencies;
    });
    const jobs = Promise.all(jobUsers.map((user) => jobImport(stack, user, deadline)));
    const [syncLatencies, jobLatencies] = await Promise.all([sync, jobs]);
    const allEnded = performance.now();

    for (const user of syncUsers) {
      const stored = await storedCount(stack, user);
      if (stored !== ROWS) problems.push(`${user}: ${stored} contacts stored, ${ROWS} sent`);
    }
    for (const user of jobUsers) {
      const stored = await storedCount(stack, user);
      if (stored !== JOB_ROWS) problems.push(`${user}: ${stored} contacts stored, ${JOB_ROWS} sent`);
    }

    const sorted = [...syncLatencies].sort((a, b) => a - b);
    const syncSeconds = (syncEnded - phaseStarted) / 1000;
    const allSeconds = (allEnded - phaseStarted) / 1000;
    const jobSeconds = jobLatencies.filter(Number.isFinite).map((ms) => (ms / 1000).toFixed(1));
    const fiveHundreds = [...statuses].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0);
    log(
      `sync imports: ${USERS} in ${syncSeconds.toFixed(1)} s; latency p50 ${(percentile(sorted, 50) / 1000).toFixed(2)} s, p95 ${(percentile(sorted, 95) / 1000).toFixed(2)} s, max ${(percentile(sorted, 100) / 1000).toFixed(2)} s; ${((USERS * ROWS) / syncSeconds).toFixed(0)} rows/s`,
    );
    log(`jobs: ${JOBS} x ${JOB_ROWS} rows, each done after ${jobSeconds.join(', ')} s`);
    log(
      `all: ${USERS * ROWS + JOBS * JOB_ROWS} rows in ${allSeconds.toFixed(1)} s, ${((USERS * ROWS + JOBS * JOB_ROWS) / allSeconds).toFixed(0)} rows/s overall`,
    );
    log(
      `responses by status: ${[...statuses]
        .sort(([a], [b]) => a - b)
        .map(([status, n]) => `${status}: ${n}`)
        .join(', ')}; 5xx: ${fiveHundreds}`,
    );
    log(`run time: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    if (fiveHundreds > 0) problems.push(`${fiveHundreds} responses were 5xx`);
  } finally {
    await stack.close();
  }
  if (problems.length > 0) {
    log(`FAILED: ${problems.length} problem(s):`);
    for (const problem of problems.slice(0, 50)) log(`  ${problem}`);
    process.exitCode = 1;
  } else {
    log('OK: no 5xx, no lost rows, every report adds up');
  }
}

await main();
