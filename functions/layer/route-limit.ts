import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { HttpResponse } from '../../lib/http/responses.js';
import { enterLimitedRoute, type Principal, type RouteLimit } from '../../lib/limits/route-limits.js';
import { limitDepsOf } from '../wiring/limits.js';

type HttpRequest = Request<APIGatewayProxyEvent, HttpResponse>;

/**
 * The route's per-principal limits (lib/limits/route-limits.ts), passed before its handler
 * runs (a 429 otherwise); the in-flight slot it took is freed when the handler ends, whether
 * it answered or threw. Registered after the guard: only a known caller is counted.
 */
export function routeLimit(
  limit: RouteLimit,
  principalOf: (event: APIGatewayProxyEvent) => Principal,
): MiddlewareObj<APIGatewayProxyEvent, HttpResponse> {
  const deps = limitDepsOf();
  const leaving = new WeakMap<HttpRequest, () => Promise<void>>();
  const leave = async (request: HttpRequest) => {
    const release = leaving.get(request);
    leaving.delete(request);
    await release?.();
  };
  return {
    name: 'routeLimit',
    before: async (request) => {
      leaving.set(request, await enterLimitedRoute(limit, principalOf(request.event), deps));
    },
    after: leave,
    onError: leave,
  };
}
