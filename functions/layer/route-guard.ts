import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ACCESS_MESSAGES, accessScopeOf } from '../../lib/auth/access.js';
import { UnauthorizedError } from '../../lib/errors.js';
import type { HttpResponse } from '../../lib/http/responses.js';

import { groupsOfClaim } from '../../lib/groups.js';

export type Caller = { kind: 'super-admin' } | { kind: 'user'; username: string; claimedGroups: string[] };

/** The token's groups as the authorizer passed them (a JSON array in a string); none when absent. */
function claimedGroupsOf(raw: unknown): string[] {
  if (typeof raw !== 'string' || raw === '') return [];
  try {
    return groupsOfClaim(JSON.parse(raw));
  } catch {
    return [];
  }
}

/**
 * Who called, as the authorizer let them through; decided by the route's declared resource
 * (`event.resource`, the path template of serverless.yml), with the same `accessScopeOf` the
 * authorizer uses: every `/admin/*` route needs the super admin, every other route a user.
 *
 * The authorizer lets an admin request from an allowed IP through even with a bad token (as
 * principal "none") so that the 401 body can be the contract's own; this is what refuses it.
 */
export function callerOf(event: APIGatewayProxyEvent): Caller {
  const context = event.requestContext.authorizer;
  if (accessScopeOf(event.resource ?? '') === 'admin') {
    if (context?.principal !== 'super-admin') throw new UnauthorizedError(ACCESS_MESSAGES.superAdminRequired);
    return { kind: 'super-admin' };
  }
  if (context?.principal !== 'user' || typeof context.username !== 'string') {
    throw new UnauthorizedError(ACCESS_MESSAGES.authorizationRequired);
  }
  return { kind: 'user', username: context.username, claimedGroups: claimedGroupsOf(context.groups) };
}

/**
 * The guard of every HTTP route, run before the handler: the caller must be what the route's
 * path asks for, and what the route was declared for (`userRoute` or `adminRoute`).
 */
export function routeGuard(declared: Caller['kind']): MiddlewareObj<APIGatewayProxyEvent, HttpResponse> {
  return {
    name: 'routeGuard',
    before: (request) => {
      if (callerOf(request.event).kind !== declared) {
        throw new UnauthorizedError(declared === 'user' ? ACCESS_MESSAGES.authorizationRequired : ACCESS_MESSAGES.superAdminRequired);
      }
    },
  };
}
