import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type EnvironmentSources, functionEnvironmentOf } from '../../local/environment.js';
import { LocalFunctions, type LocalFunctionsOptions } from '../../local/functions.js';
import { loadServiceDefinition, type ServiceDefinition } from '../../local/service-definition.js';
import { PROJECT_ROOT } from '../../local/stack.js';
import type { ProbeEvent } from '../fixtures/local-functions/handlers.js';

/**
 * The local stack's functions run as Lambda runs them (issue 10, item 5): each in worker
 * threads of its own, with its own environment, reused warm, and stopped at its timeout.
 * The functions are test/fixtures/local-functions/serverless.yml's, not the service's.
 */
const FIXTURE = path.join(PROJECT_ROOT, 'test/fixtures/local-functions/serverless.yml');
const SECRETS = { superAdminToken: 'fixture-admin-token', jwtSecret: 'fixture-jwt-secret' };

let definition: ServiceDefinition;
let scratch: string;
const started: LocalFunctions[] = [];

beforeAll(async () => {
  definition = await loadServiceDefinition(FIXTURE);
  scratch = await mkdtemp(path.join(tmpdir(), 'local-functions-'));
});
afterEach(async () => {
  for (const functions of started.splice(0)) await functions.close();
  vi.restoreAllMocks();
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function sourcesWith(operator: Record<string, string | undefined>, callerEnv: Record<string, string> = {}): EnvironmentSources {
  return {
    operator: { PATH: process.env.PATH, ...operator },
    secrets: SECRETS,
    endpoints: { DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' },
    callerEnv,
  };
}

function startFunctions(sources = sourcesWith({}), options: Partial<LocalFunctionsOptions> = {}): LocalFunctions {
  const functions = new LocalFunctions(definition, {
    environmentOf: (name) => functionEnvironmentOf(definition, name, sources),
    ...options,
  });
  started.push(functions);
  return functions;
}

interface Probe {
  env: Record<string, string | null>;
  invocations: number;
  threadId: number;
  functionName: string;
  awsRequestId: string;
  memoryLimitInMB: string;
  remainingMs: number;
}

const probe = (functions: LocalFunctions, name: string, event: ProbeEvent = {}) => functions.invoke(name, event) as Promise<Probe>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('each function has its own environment', () => {
  const NAMES = [
    'PROBE_ONLY',
    'SHARED',
    'GREETING',
    'OWN_FUNCTION',
    'NODE_OPTIONS',
    'SUPER_ADMIN_TOKEN',
    'DYNAMODB_ENDPOINT',
    'AWS_LAMBDA_FUNCTION_NAME',
  ];

  it("sees provider.environment with its own environment: over it, and never another function's entries", async () => {
    const functions = startFunctions();
    const own = await probe(functions, 'probe', { names: NAMES });
    const other = await probe(functions, 'other', { names: NAMES });
    expect(own.env).toEqual({
      PROBE_ONLY: 'probe',
      SHARED: 'from-probe',
      GREETING: 'hello',
      OWN_FUNCTION: 'fixture-local-probe',
      // A worker takes no process flags: serverless.yml's NODE_OPTIONS is the cloud's.
      NODE_OPTIONS: null,
      SUPER_ADMIN_TOKEN: SECRETS.superAdminToken,
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
      AWS_LAMBDA_FUNCTION_NAME: 'fixture-local-probe',
    });
    expect(other.env).toMatchObject({
      PROBE_ONLY: null,
      SHARED: 'provider',
      GREETING: 'hello',
      AWS_LAMBDA_FUNCTION_NAME: 'fixture-local-other',
    });
    expect(other.threadId).not.toBe(own.threadId);
  });

  it("the operator's environment wins over serverless.yml's values, a blank value does not, and the caller's env wins over all", async () => {
    const functions = startFunctions(
      sourcesWith(
        { GREETING: 'hi from the operator', SHARED: 'operator', UNDECLARED: 'passed on', OWN_FUNCTION: '  ' },
        { PROBE_ONLY: 'caller' },
      ),
    );
    const seen = await probe(functions, 'probe', { names: ['GREETING', 'SHARED', 'UNDECLARED', 'OWN_FUNCTION', 'PROBE_ONLY'] });
    expect(seen.env).toEqual({
      GREETING: 'hi from the operator',
      SHARED: 'operator',
      UNDECLARED: 'passed on',
      OWN_FUNCTION: 'fixture-local-probe',
      PROBE_ONLY: 'caller',
    });
  });

  it("refuses an operator value over a name the stack decides (a function's own resource names)", () => {
    expect(() => functionEnvironmentOf(definition, 'probe', sourcesWith({ OWN_FUNCTION: 'elsewhere' }))).toThrow(
      /OWN_FUNCTION is the local stack's own/,
    );
  });
});

describe('a worker is an execution environment, reused warm', () => {
  it('keeps module state between invocations of the same function: one cold start, then warm', async () => {
    const functions = startFunctions();
    const first = await probe(functions, 'probe');
    const second = await probe(functions, 'probe');
    expect([first.invocations, second.invocations]).toEqual([1, 2]);
    expect(second.threadId).toBe(first.threadId);
  });

  it('starts another worker when every one is busy, and queues beyond the cap', async () => {
    const functions = startFunctions();
    const concurrent = await Promise.all([probe(functions, 'probe', { waitMs: 300 }), probe(functions, 'probe', { waitMs: 300 })]);
    expect(new Set(concurrent.map((seen) => seen.threadId)).size).toBe(2);
    expect(concurrent.map((seen) => seen.invocations)).toEqual([1, 1]);

    const capped = startFunctions(sourcesWith({}), { maxWorkersPerFunction: 1 });
    const queued = await Promise.all([probe(capped, 'probe', { waitMs: 100 }), probe(capped, 'probe', { waitMs: 100 })]);
    expect(queued.map((seen) => seen.invocations).sort()).toEqual([1, 2]);
    expect(queued[0]?.threadId).toBe(queued[1]?.threadId);
  });

  it('gives the handler a Lambda context across the thread boundary', async () => {
    const seen = await probe(startFunctions(), 'probe');
    expect(seen.functionName).toBe('fixture-local-probe');
    expect(seen.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.memoryLimitInMB).toBe('256');
    expect(seen.remainingMs).toBeGreaterThan(0);
    expect(seen.remainingMs).toBeLessThanOrEqual(5_000);
  });

  it("passes what the function writes to this process's stdout before the invocation ends", async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    await probe(startFunctions(), 'probe', { print: 'a line from the worker\n' });
    expect(written).toContain('a line from the worker\n');
  });
});

describe('a timed-out invocation is stopped', () => {
  it('fails as Lambda reports it, never has its later side effects, and the next invocation gets a fresh worker', async () => {
    const functions = startFunctions();
    const marker = path.join(scratch, 'late-side-effect');
    const startedAt = Date.now();
    await expect(functions.invoke('slow', { marker, waitMs: 1_500 })).rejects.toThrow('Task timed out after 1.00 seconds');
    expect(Date.now() - startedAt).toBeLessThan(1_500);
    // Well past the moment the handler would have written its mark.
    await sleep(1_500);
    expect(existsSync(marker)).toBe(false);

    const next = (await functions.invoke('slow', { marker, waitMs: 0 })) as { invocations: number };
    expect(next.invocations).toBe(1);
    expect(await readFile(marker, 'utf8')).toBe('written by invocation 1\n');
  });
});

describe('asynchronous invocations', () => {
  it('are retried after a delay when they fail, and settle() waits for the retries', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const functions = startFunctions(sourcesWith({}), { retryDelaysMs: [50, 50] });
    const marker = path.join(scratch, 'flaky');
    functions.invokeAsync('flaky', { failures: 2, marker });
    await functions.settle();
    expect(await readFile(marker, 'utf8')).toBe('attempts: 3\n');
  });
});
