import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalFunctions } from '../../local/functions.js';
import { type Gateway, startGateway } from '../../local/gateway.js';
import { loadServiceDefinition } from '../../local/service-definition.js';
import { PROJECT_ROOT } from '../../local/stack.js';

/** Stands in for the functions: the authorizer allows (and counts its calls), every handler answers 200. */
let authorizerCalls = 0;
const ALLOW = {
  principalId: 'u',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }] },
  context: {},
};
const functions = {
  invoke: async (name: string) => {
    if (name !== 'authorizer') return { statusCode: 200, headers: {}, body: '{}' };
    authorizerCalls++;
    return ALLOW;
  },
} as unknown as LocalFunctions;

let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

async function statusesOf(count: number, route: { method: string; path: string }): Promise<Array<{ status: number; body: string }>> {
  const url = gateway?.url ?? '';
  return Promise.all(
    Array.from({ length: count }, async () => {
      const response = await fetch(`${url}${route.path}`, { method: route.method, body: route.method === 'POST' ? '{}' : undefined });
      return { status: response.status, body: await response.text() };
    }),
  );
}

describe('the local gateway throttles methods as API Gateway does', () => {
  it('reads the method limits of serverless.yml', async () => {
    const definition = await loadServiceDefinition(path.join(PROJECT_ROOT, 'serverless.yml'));
    expect(definition.throttling?.methods['POST /phonebook/import']).toEqual({
      rateLimit: expect.any(Number),
      burstLimit: expect.any(Number),
    });
    for (const key of [
      'POST /admin/phonebook/import',
      'POST /phonebook/imports',
      'POST /admin/phonebook/imports',
      'POST /phonebook/contacts/bulk',
    ]) {
      expect(definition.throttling?.methods[key], key).toBeDefined();
    }
  });

  it('answers 429 {"message":"Too Many Requests"} past the burst, per method, before the authorizer runs', async () => {
    const definition = await loadServiceDefinition(path.join(PROJECT_ROOT, 'serverless.yml'));
    const throttling = {
      rateLimit: 1000,
      burstLimit: 1000,
      methods: { 'POST /phonebook/contacts/bulk': { rateLimit: 0.001, burstLimit: 3 } },
    };
    gateway = await startGateway({ definition, functions, port: 0, throttling });
    authorizerCalls = 0;
    const bulk = await statusesOf(5, { method: 'POST', path: '/phonebook/contacts/bulk' });
    expect(authorizerCalls).toBe(3);
    expect(bulk.filter((r) => r.status === 200)).toHaveLength(3);
    const throttled = bulk.filter((r) => r.status === 429);
    expect(throttled).toHaveLength(2);
    expect(throttled.map((r) => JSON.parse(r.body))).toEqual([{ message: 'Too Many Requests' }, { message: 'Too Many Requests' }]);
    // Another method has its own bucket (the stage default).
    expect((await statusesOf(5, { method: 'GET', path: '/phonebook/contacts' })).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  });

  it('refills the bucket at the method rate', async () => {
    const definition = await loadServiceDefinition(path.join(PROJECT_ROOT, 'serverless.yml'));
    const throttling = { rateLimit: 20, burstLimit: 1, methods: {} };
    gateway = await startGateway({ definition, functions, port: 0, throttling });
    expect((await statusesOf(2, { method: 'GET', path: '/phonebook/contacts' })).map((r) => r.status).sort()).toEqual([200, 429]);
    // 20 per second: one token back within 50 ms; 200 ms leaves room for a busy machine.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await statusesOf(1, { method: 'GET', path: '/phonebook/contacts' }))[0]?.status).toBe(200);
  });
});
