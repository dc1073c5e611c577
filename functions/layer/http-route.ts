import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { HttpResponse } from '../../lib/http/responses.js';
import type { Principal, RouteLimit } from '../../lib/limits/route-limits.js';
import { corsHeaders } from './cors.js';
import { httpErrorMapper } from './error-mapper.js';
import { invocationLogging, publishMetrics } from './observability.js';
import { callerOf, routeGuard } from './route-guard.js';
import { routeLimit } from './route-limit.js';

type HttpEvent = APIGatewayProxyEvent;
/** An HTTP function as Lambda (and the local gateway, and a test) calls it. */
export type HttpHandler = (event: HttpEvent, context?: Context) => Promise<APIGatewayProxyResult>;

/**
 * How a route is limited, declared with the route: `limit` names the per-principal limits
 * (lib/limits/route-limits.ts) it passes before its handler runs. The principal is the user
 * on user routes and the source IP on admin routes (one super admin, many possible callers).
 */
export interface RouteOptions {
  limit?: RouteLimit;
}

/**
 * The middy chain of every HTTP function. `userRoute`, `adminRoute` and `publicRoute` are the
 * only ways to build one, so no handler can forget its guard, its limit or the error mapping. Order:
 * middy runs `onError` hooks in reverse order, so the error mapper, registered early, maps the
 * error after the limit has freed its slot and the metrics are out; only the CORS headers come
 * before it, to decorate whatever response the mapper made.
 */
function httpRoute(
  declared: 'user' | 'super-admin' | 'public',
  handle: (event: HttpEvent) => Promise<HttpResponse>,
  principalOf: (event: HttpEvent) => Principal,
  options: RouteOptions,
): HttpHandler {
  // middy's early timeout is off: API Gateway's 29 s and the Lambda timeout already bound a request.
  const chain = middy<HttpEvent, HttpResponse>({ timeoutEarlyInMillis: 0 })
    .use(corsHeaders())
    .use(httpErrorMapper())
    .use(invocationLogging())
    .use(publishMetrics());
  if (declared !== 'public') chain.use(routeGuard(declared));
  if (options.limit !== undefined) chain.use(routeLimit(options.limit, principalOf));
  const handler = chain.handler((event) => handle(event));
  // Lambda always passes a context; a test or a tool may not.
  return (event, context) => handler(event, context ?? ({} as Context));
}

/** The user who called a user route, as the token names them. */
export interface UserCaller {
  username: string;
  /** The token's `groups` claim (see lib/groups.ts for how it joins the stored groups). */
  claimedGroups: string[];
}

function userCallerOf(event: HttpEvent): UserCaller {
  const caller = callerOf(event);
  // The guard ran first and let only a user through; this narrows the type.
  if (caller.kind !== 'user') throw new Error('user route reached without a user');
  return { username: caller.username, claimedGroups: caller.claimedGroups };
}

function usernameOf(event: HttpEvent): string {
  return userCallerOf(event).username;
}

/**
 * A route for users: `handle` gets the caller's username (the token's `sub`), the phonebook's
 * owner, and the caller as the token describes them.
 */
export function userRoute(
  handle: (event: HttpEvent, owner: string, caller: UserCaller) => Promise<HttpResponse>,
  options: RouteOptions = {},
): HttpHandler {
  return httpRoute(
    'user',
    (event) => {
      const caller = userCallerOf(event);
      return handle(event, caller.username, caller);
    },
    (event) => ({ kind: 'user', username: usernameOf(event) }),
    options,
  );
}

/** A route for the super admin (allowed source IP and the super-admin token, checked by the authorizer). */
export function adminRoute(handle: (event: HttpEvent) => Promise<HttpResponse>, options: RouteOptions = {}): HttpHandler {
  return httpRoute(
    'super-admin',
    handle,
    (event) => ({ kind: 'ip', sourceIp: event.requestContext.identity?.sourceIp ?? 'unknown' }),
    options,
  );
}

/**
 * A route anyone may call, declared without the authorizer in serverless.yml: only what is
 * public by nature (the API reference). Which routes these are is listed once, in
 * lib/auth/access.ts (PUBLIC_ROUTES), and route-guards.test.ts holds serverless.yml to it.
 */
export function publicRoute(handle: (event: HttpEvent) => Promise<HttpResponse>): HttpHandler {
  return httpRoute('public', handle, (event) => ({ kind: 'ip', sourceIp: event.requestContext.identity?.sourceIp ?? 'unknown' }), {});
}
