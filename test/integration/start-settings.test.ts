import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mintUserToken } from '../../lib/auth/jwt.js';
import { PROJECT_ROOT } from '../../local/stack.js';

// `npm start` as an operator runs it, with settings in its environment: each must take effect
// over serverless.yml's defaults, and a malformed one must stop the start naming it.
const TSX = path.join(PROJECT_ROOT, 'node_modules/.bin/tsx');
const SECRET = 'an-operator-secret-long-enough-for-hs256';
let dataDir: string;
let server: ChildProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'phonebook-settings-'));
});
afterEach(async () => {
  await stop();
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function spawnStart(env: Record<string, string>): ChildProcess {
  // Only what the operator sets here: the test runner's own settings must not leak in.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(SUPER_ADMIN|JWT_|AWS_REGION$)/.test(name)));
  const child = spawn(TSX, ['local/start.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...inherited, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env },
  });
  server = child;
  return child;
}

/** Starts npm start on a free port with the operator's settings; resolves with its URL and output. */
function start(env: Record<string, string>): Promise<{ url: string; output: string }> {
  const child = spawnStart(env);
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url && output.includes('Press Ctrl+C')) resolve({ url, output });
    });
    child.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
  });
}

/** Runs npm start expecting it to refuse; resolves with the exit code and stderr (at once if it serves instead). */
function startRefused(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawnStart(env);
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('Press Ctrl+C')) void stop().then(() => resolve({ code: 0, stderr, stdout }));
    });
    child.on('exit', (code) => resolve({ code, stderr, stdout }));
  });
}

async function stop(): Promise<void> {
  const child = server;
  server = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const contacts = (url: string, token: string) => fetch(`${url}/phonebook/contacts`, { headers: { authorization: `Bearer ${token}` } });

describe('npm start with the operator settings in its environment', () => {
  it('applies SUPER_ADMIN_ALLOW_IPS, JWT_ISSUER and JWT_AUDIENCE over the serverless.yml defaults', async () => {
    const { url, output } = await start({
      SUPER_ADMIN_ALLOW_IPS: '127.0.0.2/32',
      JWT_SECRET: SECRET,
      JWT_ISSUER: 'https://idp.example',
      JWT_AUDIENCE: 'phonebook',
    });
    const adminToken = /super-admin token:\s+(\S+)/.exec(output)?.[1] ?? '';

    // The test connects from 127.0.0.1, which the default 127.0.0.0/8 would admit.
    const admin = await fetch(`${url}/admin/users/john.smith`, { method: 'PUT', headers: { authorization: `Bearer ${adminToken}` } });
    expect(admin.status).toBe(403);

    const right = await mintUserToken(SECRET, 'john.smith', [], { issuer: 'https://idp.example', audience: 'phonebook' });
    const wrongIssuer = await mintUserToken(SECRET, 'john.smith', [], { issuer: 'https://evil.example', audience: 'phonebook' });
    const wrongAudience = await mintUserToken(SECRET, 'john.smith', [], { issuer: 'https://idp.example', audience: 'other' });
    const neither = await mintUserToken(SECRET, 'john.smith', []);
    expect((await contacts(url, wrongIssuer)).status).toBe(401);
    expect((await contacts(url, wrongAudience)).status).toBe(401);
    expect((await contacts(url, neither)).status).toBe(401);
    expect((await contacts(url, right)).status).toBe(200);

    // npm run token, given the same settings, mints a token that passes the same checks.
    const tokenEnv = {
      ...process.env,
      DATA_DIR: dataDir,
      JWT_SECRET: SECRET,
      JWT_ISSUER: 'https://idp.example',
      JWT_AUDIENCE: 'phonebook',
    };
    const { stdout } = await promisify(execFile)(TSX, ['scripts/token.ts', 'john.smith'], { cwd: PROJECT_ROOT, env: tokenEnv });
    expect((await contacts(url, stdout.trim())).status).toBe(200);
  });

  describe('with JWT_JWKS_URL and no JWT_SECRET', () => {
    let jwks: Server;
    let jwksUrl: string;
    let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

    beforeAll(async () => {
      const pair = await generateKeyPair('RS256');
      privateKey = pair.privateKey;
      const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
      jwks = createServer((_, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', () => resolve()));
      jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => jwks.close(() => resolve()));
    });

    it("verifies the identity provider's RS256 tokens and no longer takes the local HS256 ones", async () => {
      const { url, output } = await start({ JWT_JWKS_URL: jwksUrl });
      expect(output).toContain('from the identity provider');
      const rs256 = await new SignJWT({ capabilities: [] })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setSubject('john.smith')
        .setExpirationTime('5m')
        .sign(privateKey);
      expect((await contacts(url, rs256)).status).toBe(200);

      const otherKey = (await generateKeyPair('RS256')).privateKey;
      const forged = await new SignJWT({ capabilities: [] })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setSubject('john.smith')
        .setExpirationTime('5m')
        .sign(otherKey);
      expect((await contacts(url, forged)).status).toBe(401);
      const local = await mintUserToken(SECRET, 'john.smith', []);
      expect((await contacts(url, local)).status).toBe(401);
    });
  });

  it.each([
    ['127.0.0.2/33', 'SUPER_ADMIN_ALLOW_IPS'],
    ['010.0.0.0/8', 'SUPER_ADMIN_ALLOW_IPS'],
  ])('refuses to start with SUPER_ADMIN_ALLOW_IPS=%s, naming the variable', async (value, name) => {
    const { code, stderr, stdout } = await startRefused({ SUPER_ADMIN_ALLOW_IPS: value });
    expect(code).not.toBe(0);
    expect(stderr).toContain(`${name}: '${value}'`);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).not.toContain('running at');
  });

  it("refuses to start with a table name other than the local stack's own, rather than ignore it", async () => {
    const { code, stderr } = await startRefused({ CONTACTS_TABLE: 'SomeOtherTable' });
    expect(code).not.toBe(0);
    expect(stderr).toContain("CONTACTS_TABLE is the local stack's own (ContactsTable)");
  });

  it('refuses to start with a malformed setting serverless.yml does not name', async () => {
    const { code, stderr } = await startRefused({ MAX_UPLOAD_BYTES: 'lots' });
    expect(code).not.toBe(0);
    expect(stderr).toContain("MAX_UPLOAD_BYTES must be a whole number from 1 to 5368709120, got 'lots'");
  });
});
