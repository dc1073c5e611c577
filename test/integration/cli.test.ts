import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../local/stack.js';
import { buildCliBundle } from '../../scripts/build-cli.js';
import { ownContacts, ownContactsByName } from '../support/contacts.js';
import { contactsCsv } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

// The `phonebook` command run as a user runs it: a separate process against a local stack, its
// output read from pipes (so not a terminal). Most tests run the bundle an installed package
// runs, built here into a temporary folder outside the checkout, so that it has no
// node_modules to lean on; the last ones run the package's bin in the checkout (`npx
// phonebook`, the sources through tsx).
const BIN = path.join(PROJECT_ROOT, 'bin', 'phonebook.mjs');
let bundle: string;
/** Lowered so that a file of a few hundred rows takes the 413 hand-over to a job. */
const SYNC_MAX_ROWS = 50;

let api: TestStack;
let john: string;
let dir: string;

beforeAll(async () => {
  api = await startTestStack({ env: { SYNC_IMPORT_MAX_ROWS: String(SYNC_MAX_ROWS), IMPORT_CHECKPOINT_ROWS: '100' } });
  john = await api.userToken('john.smith');
  dir = await mkdtemp(path.join(tmpdir(), 'phonebook-cli-'));
  bundle = path.join(dir, 'bundle', 'phonebook.mjs');
  await buildCliBundle(bundle);
});
afterAll(async () => {
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `phonebook ARGS` with PHONEBOOK_URL and PHONEBOOK_TOKEN (when given) and nothing else of ours. */
function phonebook(args: string[], options: { token?: string; env?: Record<string, string>; program?: string } = {}): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, PHONEBOOK_URL: api.url, ...options.env };
  delete env.PHONEBOOK_TOKEN;
  delete env.PHONEBOOK_SYNC_MAX_BYTES;
  Object.assign(env, options.env);
  if (options.token) env.PHONEBOOK_TOKEN = options.token;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [options.program ?? bundle, ...args],
      { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function file(name: string, content: string | Buffer): Promise<string> {
  const target = path.join(dir, name);
  await writeFile(target, content);
  return target;
}

const csvRows = (text: string) => parse(text, { bom: true, relax_column_count: true }) as string[][];

/** No cursor movement or colours: what a log file or a pipe should get. */
const ESCAPE = '\u001b[';

describe('phonebook import, synchronous route', () => {
  it('imports a small file, prints the report, writes the rejected rows with their cells, and exits 3 for them', async () => {
    const csv = await file('sync.csv', 'name,company,type\nAda Sync,Acme,private\nBad Type,Acme,business\nCy Sync,Acme,public\n');
    const errors = path.join(dir, 'sync-rejected.csv');

    const run = await phonebook(['import', csv, '--errors', errors], { token: john });

    expect(run.code).toBe(3);
    expect(run.stdout).toContain('Imported 2 of 3 rows (2 created, 0 updated, 0 unchanged).');
    expect(run.stdout).toContain("Row 3: invalid type 'business'");
    expect(run.stderr).toContain('through /phonebook/import/');
    expect(run.stderr).toContain('upload: 100%');
    expect(run.stderr).not.toContain(ESCAPE);
    expect(csvRows(await readFile(errors, 'utf8'))).toEqual([
      ['row', 'error', 'name', 'company', 'type'],
      ['3', expect.stringContaining("invalid type 'business'"), 'Bad Type', 'Acme', 'business'],
    ]);
    const stored = await ownContactsByName(api, 'john.smith');
    expect(stored.has('Ada Sync') && stored.has('Cy Sync')).toBe(true);
    expect(stored.has('Bad Type')).toBe(false);
  });

  it('exits 0 for rejected rows with --allow-rejected, and prints the report as JSON with --json', async () => {
    const csv = await file('allow.csv', 'name,type\nAllowed One,private\nAllowed Bad,nope\n');
    const run = await phonebook(['import', csv, '--allow-rejected', '--json', '--no-progress'], { token: john });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ total_rows: 2, imported_rows: 1, skipped_rows: 1, failed_rows: 0 });
    expect(run.stderr).not.toContain('upload:');
  });

  it('exits 3 with the report when every row is rejected (the route answers 400 with the report)', async () => {
    const csv = await file('all-bad.csv', 'name,type\nAll Bad,nope\n');
    const run = await phonebook(['import', csv], { token: john });
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('Imported 0 of 1 rows');
  });

  it("applies --map, --delimiter and --dry-run through the route's form fields", async () => {
    const csv = await file('mapped.csv', 'Full Name;Firm;Birthday\nMapped Person;Mapped Co;1.1.1990\n');
    const dry = await phonebook(
      ['import', csv, '--map', 'Full Name=name', '--map', 'Firm=company', '--map', 'Birthday=', '--delimiter', ';', '--dry-run'],
      {
        token: john,
      },
    );
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Would import 1 of 1 rows (1 created');
    expect(dry.stdout).toContain('Dry run: nothing was written.');
    expect((await ownContactsByName(api, 'john.smith')).has('Mapped Person')).toBe(false);

    const real = await phonebook(
      ['import', csv, '--map', 'Full Name=name', '--map', 'Firm=company', '--map', 'Birthday=', '--delimiter', ';'],
      {
        token: john,
      },
    );
    expect(real.code).toBe(0);
    expect((await ownContactsByName(api, 'john.smith')).get('Mapped Person')?.company).toBe('Mapped Co');
  });

  it("imports into another user's phonebook as super admin with --user", async () => {
    const csv = await file('admin.csv', 'name\nFor Jane\n');
    const run = await phonebook(['import', csv, '--user', 'jane.doe'], { token: api.adminToken });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('through /admin/phonebook/import');
    expect((await ownContactsByName(api, 'jane.doe')).has('For Jane')).toBe(true);
  });
});

describe('phonebook import, job route', () => {
  it('takes a file over the synchronous limit through a presigned upload and a job, with progress lines, errors.csv and exit 3', async () => {
    const csv = await file('large.csv', contactsCsv(400, 'Job Row', 97));
    const errors = path.join(dir, 'job-rejected.csv');

    // The file is a few KiB; the byte limit lowered for the test puts it over.
    const run = await phonebook(['import', csv, '--errors', errors, '--poll-interval', '100'], {
      token: john,
      env: { PHONEBOOK_SYNC_MAX_BYTES: '1000' },
    });

    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^Import job \S+: uploading large\.csv/m);
    expect(run.stderr).toMatch(/^upload: 100% \(/m);
    expect(run.stderr).toMatch(/^import: completed 100% 400 rows [\d,?]+ rows\/s ETA 0:00$/m);
    expect(run.stderr).not.toContain(ESCAPE);
    expect(run.stdout).toContain('Imported 396 of 400 rows');
    const rejected = csvRows(await readFile(errors, 'utf8'));
    expect(rejected[0]).toEqual(['row', 'error', 'name', 'company', 'workemail', 'notes', 'type']);
    expect(rejected.slice(1).map((row) => [row[0], row[2], row[6]])).toEqual(
      [97, 194, 291, 388].map((i) => [String(i + 1), `Job Row ${i}`, 'business']),
    );
    const stored = (await ownContacts(api, 'john.smith')).filter((contact) => contact.name?.startsWith('Job Row '));
    expect(stored).toHaveLength(396);
  });

  it('stops watching on Ctrl+C with exit 130 and says how to find the job, which goes on to complete', async () => {
    const csv = await file('interrupted.csv', contactsCsv(20_000, 'Sigint Row'));
    const env: Record<string, string | undefined> = {
      ...process.env,
      PHONEBOOK_URL: api.url,
      PHONEBOOK_TOKEN: john,
      PHONEBOOK_SYNC_MAX_BYTES: '1000',
    };
    const child = spawn(process.execPath, [bundle, 'import', csv, '--poll-interval', '100'], { cwd: dir, env });
    let stderr = '';
    let interrupted = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      // The first line of the job's progress: the command is now following the job.
      if (!interrupted && /^import: /m.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
    expect(interrupted).toBe(true);
    expect(code).toBe(130);
    const id = /^Import job (\S+): uploading/m.exec(stderr)?.[1] ?? '';
    expect(stderr).toContain(`Stopped watching; import job ${id} goes on. See it with: phonebook jobs`);
    let status = '';
    for (let polls = 0; polls < 600 && status !== 'completed'; polls++) {
      const job = await api.request(`/phonebook/imports/${id}`, { token: john });
      status = ((await job.json()) as { status: string }).status;
      if (status !== 'completed') await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe('completed');
  });

  it('hands a file the sync route refuses for its rows (413) over to a job by itself', async () => {
    const csv = await file('many-rows.csv', contactsCsv(SYNC_MAX_ROWS * 4, 'Handover'));
    const run = await phonebook(['import', csv, '--poll-interval', '100'], { token: john });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('too large for a synchronous import');
    expect(run.stderr).toMatch(/^Import job \S+: uploading/m);
    expect(run.stdout).toContain(`Imported ${SYNC_MAX_ROWS * 4} of ${SYNC_MAX_ROWS * 4} rows`);
  });

  it('says how to get a file refused for its rows imported when a sync-only option kept it from the hand-over', async () => {
    const csv = await file('many-rows-dry.csv', contactsCsv(SYNC_MAX_ROWS * 2, 'Dry Handover'));
    const run = await phonebook(['import', csv, '--dry-run'], { token: john });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^phonebook: too many rows for a synchronous import.* \(HTTP 413\)\n {2}without --dry-run, phonebook imports such a file as a job$/m,
    );
  });

  it("follows an admin's job for another user and writes its rejected rows from the report and the local file", async () => {
    const csv = await file('admin-job.csv', contactsCsv(120, 'Admin Job', 50));
    const errors = path.join(dir, 'admin-rejected.csv');
    const run = await phonebook(['import', csv, '--user', 'jane.doe', '--route', 'job', '--errors', errors, '--poll-interval', '100'], {
      token: api.adminToken,
    });
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('Imported 118 of 120 rows');
    expect(csvRows(await readFile(errors, 'utf8')).map((row) => [row[0], row[2]])).toEqual([
      ['row', 'name'],
      ['51', 'Admin Job 50'],
      ['101', 'Admin Job 100'],
    ]);
  });

  it('refuses options only the synchronous route takes for a file that goes to a job (exit 2)', async () => {
    const csv = await file('dry-large.csv', contactsCsv(100, 'Never'));
    const run = await phonebook(['import', csv, '--dry-run'], { token: john, env: { PHONEBOOK_SYNC_MAX_BYTES: '1000' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--dry-run: only the synchronous import takes this');
    expect((await ownContacts(api, 'john.smith')).some((contact) => contact.name?.startsWith('Never '))).toBe(false);
  });
});

describe('phonebook export, jobs and token', () => {
  it('exports a CSV that imports back unchanged', async () => {
    const exported = path.join(dir, 'export.csv');
    const run = await phonebook(['export', '--output', exported], { token: john });
    expect(run.code).toBe(0);
    const bytes = await readFile(exported);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const own = (await ownContacts(api, 'john.smith')).length;
    expect(csvRows(bytes.toString('utf8'))).toHaveLength(own + 1);

    const stdout = await phonebook(['export'], { token: john });
    expect(stdout.stdout).toBe(bytes.toString('utf8'));

    const again = await phonebook(['import', exported, '--json', '--poll-interval', '100'], { token: john });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ total_rows: own, unchanged_rows: own, skipped_rows: 0 });
  });

  it("exports another user's contacts as super admin", async () => {
    const run = await phonebook(['export', '--user', 'jane.doe'], { token: api.adminToken });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('For Jane');
  });

  it('lists the jobs, newest first', async () => {
    const run = await phonebook(['jobs', '--json'], { token: john });
    expect(run.code).toBe(0);
    const jobs = JSON.parse(run.stdout) as Array<{ import_id: string; status: string }>;
    expect(jobs.length).toBeGreaterThanOrEqual(2);
    expect(jobs.every((job) => job.status === 'completed')).toBe(true);
    const table = await phonebook(['jobs'], { token: john });
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS/);
    expect(table.stdout).toContain(jobs[0]?.import_id);
  });
});

describe('phonebook preview', () => {
  it('shows how the German Outlook export is read: encoding, delimiter, preset, column to field with samples', async () => {
    const run = await phonebook(['preview', path.join(PROJECT_ROOT, 'test/fixtures/outlook-2007_de.csv')], { token: john });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Encoding:  utf-8');
    expect(run.stdout).toContain('Delimiter: comma (,)');
    expect(run.stdout).toContain('Preset:    Outlook (German)');
    expect(run.stdout).toMatch(/^Vorname\s+firstname\s+Robin$/m);
    expect(run.stdout).toMatch(/^Anrede\s+\(ignored\)/m);
    expect(run.stdout).toMatch(/^Not imported: .*Anrede/m);
  });

  it('tries a mapping, and exits 3 when an import of the file would be refused', async () => {
    const csv = await file('who.csv', 'Who;Where\nAda;London\n');
    const refused = await phonebook(['preview', csv], { token: john });
    expect(refused.code).toBe(3);
    expect(refused.stdout).toMatch(/An import would be refused: .*no 'name' column/);
    const mapped = await phonebook(['preview', csv, '--map', 'Who=name', '--json'], { token: john });
    expect(mapped.code).toBe(0);
    expect(JSON.parse(mapped.stdout).columns[0]).toEqual({ header: 'Who', field: 'name', samples: ['Ada'] });
  });

  it('previews a file larger than the gateway takes (10 MB) from its first bytes', async () => {
    const csv = await file('preview-large.csv', contactsCsv(200_000, 'Preview Row'));
    const run = await phonebook(['preview', csv, '--json'], { token: john });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rows_sampled: 5, header_error: null });
  });
});

describe('phonebook errors and help', () => {
  it('prints an API error with its message and status, no stack trace, and exits 1', async () => {
    const csv = await file('denied.csv', 'name\nX\n');
    const noCapability = await api.userToken('jane.doe', []);
    const run = await phonebook(['import', csv], { token: noCapability });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('phonebook: forbidden: missing capability (HTTP 403)');
    expect(run.stderr).not.toMatch(/^\s+at /m);

    const unknown = await phonebook(['import', csv, '--user', 'nobody.here'], { token: api.adminToken });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('target user not found (HTTP 404)');
  });

  it('prints a 400 with its hint, and a failed job with its reason, exit 1 both', async () => {
    const csv = await file('no-name.csv', 'who,where\nAda,London\n');
    const sync = await phonebook(['import', csv], { token: john });
    expect(sync.code).toBe(1);
    expect(sync.stderr).toMatch(/^phonebook: invalid CSV file \(HTTP 400\)\n {2}.*'name'/m);

    const job = await phonebook(['import', csv, '--route', 'job', '--poll-interval', '100'], { token: john });
    expect(job.code).toBe(1);
    expect(job.stderr).toMatch(/^import: failed /m);
    expect(job.stderr).toMatch(/^phonebook: import job \S+ failed: invalid CSV file: .*'name' column/m);
    expect(job.stdout).toBe('');
  });

  it('exits 2 for a missing file, a missing token or an unknown option', async () => {
    const missing = await phonebook(['import', path.join(dir, 'absent.csv')], { token: john });
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('absent.csv: no such file') });
    const noToken = await phonebook(['jobs']);
    expect(noToken).toMatchObject({ code: 2, stderr: expect.stringContaining('no token: set PHONEBOOK_TOKEN') });
    const unknownOption = await phonebook(['jobs', '--frobnicate'], { token: john });
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("unknown option '--frobnicate'");
  });

  it('exits 1 naming the address when the service cannot be reached', async () => {
    const run = await phonebook(['jobs'], { token: john, env: { PHONEBOOK_URL: 'http://127.0.0.1:1' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^phonebook: http:\/\/127\.0\.0\.1:1: /);
  });

  it.each(['import', 'export', 'jobs', 'preview', 'token'])('answers %s --help with its usage and the exit codes', async (command) => {
    const run = await phonebook([command, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: phonebook ${command}`);
    expect(run.stdout).toContain('Exit codes:');
    expect(run.stdout).toContain('--url <url>');
  });
});

describe('the package bin in the checkout (npx phonebook)', () => {
  it('imports through the sources', async () => {
    const csv = await file('bin.csv', 'name\nFrom Bin\n');
    const run = await phonebook(['import', csv], { token: john, program: BIN });
    expect(run.code).toBe(0);
    expect((await ownContactsByName(api, 'john.smith')).has('From Bin')).toBe(true);
  });

  it("mints a local token with the checkout's npm run token, accepted by the API", async () => {
    const minted = await phonebook(['token', 'jane.doe'], { program: BIN, env: { JWT_SECRET: api.stack.secrets.jwtSecret } });
    expect(minted.code).toBe(0);
    const run = await phonebook(['jobs'], { token: minted.stdout.trim() });
    expect(run.code).toBe(0);
  });

  it('says where to mint tokens when run outside a checkout', async () => {
    const run = await phonebook(['token', 'jane.doe']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('token: run it inside a checkout of phonebook-import');
  });
});
