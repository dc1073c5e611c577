import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpRoute, loadServiceDefinition } from '../../local/service-definition.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

/**
 * Walks every HTTP route serverless.yml declares, so that a route added tomorrow is checked
 * too: the guard is decided by the route's path, not remembered by its handler.
 */
const definition = await loadServiceDefinition(path.join(import.meta.dirname, '../../serverless.yml'));
/** The routes meant to be public, and nothing else: the web page, which holds no data. */
const PUBLIC_ROUTES = ['GET /'];
const isPublic = (route: HttpRoute) => PUBLIC_ROUTES.includes(`${route.method} ${route.resource}`);
const adminRoutes = definition.routes.filter((route) => route.resource.startsWith('/admin/'));
const userRoutes = definition.routes.filter((route) => !route.resource.startsWith('/admin/') && !isPublic(route));

/** A concrete path for a resource template: `{id}` becomes a plausible value. */
function pathOf(route: HttpRoute): string {
  return route.resource.replace(/\{[^}]+\}/g, 'john.smith');
}

const SUPER_ADMIN_401 = { code: 401, message: 'super admin authentication required' };
const USER_401 = { code: 401, message: 'authorization required' };

let api: TestStack;
beforeAll(async () => {
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
});

function send(route: HttpRoute, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization) headers.authorization = authorization;
  const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
  return api.request(pathOf(route), { method: route.method, headers, ...(hasBody ? { body: '{}' } : {}) });
}

describe('every route declared in serverless.yml is guarded', () => {
  it('declares admin and user routes to check', () => {
    expect(adminRoutes.length).toBeGreaterThanOrEqual(8);
    expect(userRoutes.length).toBeGreaterThanOrEqual(8);
  });

  it('leaves only the listed public routes without the authorizer', () => {
    const unguarded = definition.routes.filter((route) => route.authorizerFunction === undefined);
    expect(unguarded.map((route) => `${route.method} ${route.resource}`).sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  it.each(adminRoutes.map((route) => [`${route.method} ${route.resource}`, route] as const))(
    '%s answers the contract 401 to a wrong, a missing and a user token',
    async (_name, route) => {
      const userToken = await api.userToken('john.smith');
      for (const authorization of ['Bearer wrong-token', undefined, `Bearer ${userToken}`, 'Basic am9objpzbWl0aA==']) {
        const response = await send(route, authorization);
        expect(response.status, String(authorization)).toBe(401);
        expect(await response.json()).toEqual(SUPER_ADMIN_401);
      }
    },
  );

  it.each(userRoutes.map((route) => [`${route.method} ${route.resource}`, route] as const))(
    '%s answers the contract 401 to a missing, a forged and the super-admin token',
    async (_name, route) => {
      const forged = `${(await api.userToken('john.smith')).slice(0, -4)}AAAA`;
      for (const authorization of [undefined, `Bearer ${forged}`, `Bearer ${api.adminToken}`]) {
        const response = await send(route, authorization);
        expect(response.status, String(authorization)).toBe(401);
        expect(await response.json()).toEqual(USER_401);
      }
    },
  );
});
