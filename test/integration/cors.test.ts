import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.js';

const ALLOWED = 'https://cti.example.com';
const OTHER_ALLOWED = 'http://localhost:3000';
const STRANGER = 'https://evil.example.net';

let api: TestStack;
beforeAll(async () => {
  api = await startTestStack({ env: { CORS_ORIGINS: `${ALLOWED},${OTHER_ALLOWED}` } });
});
afterAll(async () => {
  await api?.close();
});

function preflight(path: string, origin: string, method = 'POST'): Promise<Response> {
  return api.request(path, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' },
  });
}

describe('CORS preflight, answered by the gateway', () => {
  it('allows an origin of CORS_ORIGINS, with the path’s methods and the declared headers', async () => {
    const response = await preflight('/phonebook/imports', OTHER_ALLOWED);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(OTHER_ALLOWED);
    expect(response.headers.get('access-control-allow-methods')?.split(',').sort()).toEqual(['GET', 'OPTIONS', 'POST']);
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase().split(',')).toEqual(
      expect.arrayContaining(['authorization', 'content-type']),
    );
  });

  it('answers a path with parameters, without credentials', async () => {
    const response = await preflight('/phonebook/imports/some-id/errors.csv', ALLOWED, 'GET');
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  it('gives an origin outside the list no Access-Control-Allow-Origin', async () => {
    const response = await preflight('/phonebook/import', STRANGER);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers 404 for a path that is no route', async () => {
    const response = await preflight('/no/such/route', ALLOWED);
    expect(response.status).toBe(404);
  });
});

describe('CORS headers on answers', () => {
  it('are on a function’s answer for an allowed origin, with Vary: Origin', async () => {
    const response = await api.request('/phonebook/contacts', { token: await api.userToken('john.smith'), headers: { origin: ALLOWED } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(response.headers.get('vary')).toBe('Origin');
    expect(response.headers.get('access-control-expose-headers')).toContain('retry-after');
  });

  it('are not on a function’s answer for another origin', async () => {
    const response = await api.request('/phonebook/contacts', { token: await api.userToken('john.smith'), headers: { origin: STRANGER } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('are on a function’s error answer (the route guard’s admin 401)', async () => {
    const response = await api.request('/admin/sources', { token: 'wrong', headers: { origin: ALLOWED } });
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  it('are on the authorizer’s 401, a gateway response', async () => {
    const response = await api.request('/phonebook/contacts', { headers: { origin: ALLOWED } });
    expect(response.status).toBe(401);
    expect(response.headers.get('x-amzn-errortype')).toBe('UNAUTHORIZED');
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  it('are on the authorizer’s 403, a gateway response', async () => {
    const token = await api.userToken('john.smith', []);
    const response = await api.request('/phonebook/export', { token, headers: { origin: ALLOWED } });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  it('are on the gateway’s 413 for a body over 10 MB', async () => {
    const response = await api.request('/phonebook/contacts/bulk', {
      method: 'POST',
      body: Buffer.alloc(10 * 1024 * 1024 + 1, 'a'),
      headers: { origin: ALLOWED, 'content-type': 'application/json' },
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });
});
