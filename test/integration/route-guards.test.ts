import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_ROUTES } from '../../lib/auth/access.js';
import { type HttpRoute, loadServiceDefinition } from '../../local/service-definition.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

/**
 * Walks every HTTP route serverless.yml declares, so that a route added tomorrow is checked
 * too: the guard is decided by the route's path, not remembered by its handler.
 */
const definition = await loadServiceDefinition(path.join(import.meta.dirname, '../../serverless.yml'));
const isPublic = (route: HttpRoute) => PUBLIC_ROUTES.includes(`${route.method} ${route.resource}`);
const guardedRoutes = definition.routes.filter((route) => !isPublic(route));
const adminRoutes = guardedRoutes.filter((route) => route.resource.startsWith('/admin/'));
const userRoutes = guardedRoutes.filter((route) => !route.resource.startsWith('/admin/'));

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

  it('declares without the authorizer exactly the public routes, and every other route with it', () => {
    const withoutAuthorizer = definition.routes.filter((route) => route.authorizerFunction === undefined);
    expect(withoutAuthorizer.map((route) => `${route.method} ${route.resource}`).sort()).toEqual([...PUBLIC_ROUTES].sort());
    for (const route of guardedRoutes) expect(route.authorizerFunction, `${route.method} ${route.resource}`).toBe('authorizer');
  });

  it.each(PUBLIC_ROUTES.map((name) => [name] as const))('%s answers 200 without any credentials', async (name) => {
    const response = await api.request(name.split(' ')[1] ?? '');
    expect(response.status).toBe(200);
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
