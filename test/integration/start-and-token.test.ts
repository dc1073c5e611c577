import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../local/stack.js';

// What the README promises of `npm start` and `npm run token`, run as a user runs them:
// separate processes, on a data folder of their own.
const TSX = path.join(PROJECT_ROOT, 'node_modules/.bin/tsx');
const run = promisify(execFile);
let dataDir: string;
let server: ChildProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'phonebook-start-'));
});
afterAll(async () => {
  await stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** Starts the local stack on a free port; resolves with its URL and what it printed. */
function start(): Promise<{ url: string; output: string }> {
  const child = spawn(TSX, ['local/start.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
  });
  server = child;
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url && output.includes('Press Ctrl+C')) resolve({ url, output });
    });
    child.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
  });
}

async function stop(): Promise<void> {
  const child = server;
  server = undefined;
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function token(...args: string[]): Promise<string> {
  const { stdout } = await run(TSX, ['scripts/token.ts', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DATA_DIR: dataDir, JWT_SECRET: '' },
  });
  return stdout.trim();
}

async function importCsv(url: string, bearer: string, csv: string): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([csv]), 'contacts.csv');
  return fetch(`${url}/phonebook/import/`, { method: 'POST', body: form, headers: { authorization: `Bearer ${bearer}` } });
}

describe('npm start and npm run token', () => {
  it('serve the API, mint working tokens, and keep data and secrets across a restart', async () => {
    const first = await start();
    const adminToken = /super-admin token:\s+(\S+)/.exec(first.output)?.[1];
    expect(adminToken).toBeDefined();
    expect(first.output).toContain('npm run token -- john.smith');

    const john = await token('john.smith');
    expect((await importCsv(first.url, john, 'name,company\nKept Contact,Acme\n')).status).toBe(200);
    const noCapability = await token('jane.doe', '--no-capabilities');
    expect((await importCsv(first.url, noCapability, 'name\nX\n')).status).toBe(403);
    await stop();

    const second = await start();
    expect(/super-admin token:\s+(\S+)/.exec(second.output)?.[1]).toBe(adminToken);
    // A token minted before the restart is still valid, and the contact is still there.
    const page = (await (await fetch(`${second.url}/phonebook/contacts`, { headers: { authorization: `Bearer ${john}` } })).json()) as {
      contacts: Array<{ owner: string; name: string }>;
    };
    expect(page.contacts.filter((c) => c.owner === 'john.smith').map((c) => c.name)).toEqual(['Kept Contact']);
    const registered = await fetch(`${second.url}/admin/phonebook/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
      body: (() => {
        const form = new FormData();
        form.append('username', 'jane.doe');
        form.append('file', new Blob(['name\nY\n']), 'y.csv');
        return form;
      })(),
    });
    expect(registered.status).toBe(200);
    await stop();
  });

  it('prints a link to the page that signs john.smith in, with the token in the fragment and not the query', async () => {
    const { url, output } = await start();
    const link = new URL(/(http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/.exec(output)?.[1] ?? 'http://invalid/');
    expect(link.origin).toBe(url);
    expect(link.search).toBe('');
    const linkToken = new URLSearchParams(link.hash.slice(1)).get('token') ?? '';
    // The token works for the page's first call, as john.smith with the import capability.
    const jobs = await fetch(`${url}/phonebook/imports`, { headers: { authorization: `Bearer ${linkToken}` } });
    expect(jobs.status).toBe(200);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<main id="app">');
    await stop();
  });

  it('tells how to get a secret when there is none yet', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'phonebook-nosecret-'));
    await expect(
      run(TSX, ['scripts/token.ts', 'john.smith'], { cwd: PROJECT_ROOT, env: { ...process.env, DATA_DIR: empty, JWT_SECRET: '' } }),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining("run 'npm start' once"),
    });
    await rm(empty, { recursive: true, force: true });
  });
});
