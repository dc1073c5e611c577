import { isValidUsername } from '../usernames.js';
import type { UserIdentity } from './jwt.js';
import { bearerToken, secretsMatch } from './credentials.js';
import type { IpAllowList } from './ip-allow-list.js';

export const IMPORT_CAPABILITY = 'phonebook.ad_phonebook';

export const ACCESS_MESSAGES = {
  ipNotAllowed: 'access denied: IP not in allowed list',
  superAdminRequired: 'super admin authentication required',
  authorizationRequired: 'authorization required',
  missingCapability: 'forbidden: missing capability',
} as const;

export type Principal = { kind: 'super-admin' } | { kind: 'user'; username: string; capabilities: string[]; groups: string[] };

export type AccessDecision = { allowed: true; principal: Principal } | { allowed: false; status: 401 | 403; message: string };

export interface AccessRequest {
  /** `admin` routes take the super-admin token; `user` routes take a user JWT. */
  scope: 'admin' | 'user';
  /** The TCP peer as the gateway saw it; never a header the client can write. */
  sourceIp: string;
  authorization: string | undefined;
  /** A capability the route needs on top of a valid user token. */
  requiredCapability?: string;
}

export interface AccessPolicy {
  adminAllowList: IpAllowList;
  superAdminToken: () => Promise<string>;
  verifyUserToken: (token: string) => Promise<UserIdentity>;
}

/**
 * Decides one request. Admin: the source IP must be allowed (403), then the bearer token must
 * equal the super-admin token (401). User: a valid JWT (401), then the route's capability (403).
 */
export async function decideAccess(request: AccessRequest, policy: AccessPolicy): Promise<AccessDecision> {
  const token = bearerToken(request.authorization);
  if (request.scope === 'admin') {
    if (!policy.adminAllowList.allows(request.sourceIp)) {
      return { allowed: false, status: 403, message: ACCESS_MESSAGES.ipNotAllowed };
    }
    if (token === undefined || !secretsMatch(token, await policy.superAdminToken())) {
      return { allowed: false, status: 401, message: ACCESS_MESSAGES.superAdminRequired };
    }
    return { allowed: true, principal: { kind: 'super-admin' } };
  }
  if (token === undefined) return { allowed: false, status: 401, message: ACCESS_MESSAGES.authorizationRequired };
  let identity: UserIdentity;
  try {
    identity = await policy.verifyUserToken(token);
  } catch {
    return { allowed: false, status: 401, message: ACCESS_MESSAGES.authorizationRequired };
  }
  // The owner name becomes part of storage keys; a token naming an impossible user is invalid.
  if (!isValidUsername(identity.username)) {
    return { allowed: false, status: 401, message: ACCESS_MESSAGES.authorizationRequired };
  }
  if (request.requiredCapability && !identity.capabilities.includes(request.requiredCapability)) {
    return { allowed: false, status: 403, message: ACCESS_MESSAGES.missingCapability };
  }
  return { allowed: true, principal: { kind: 'user', ...identity } };
}

/** What each user route needs beyond a valid token; routes not listed need the import capability. */
const ROUTE_CAPABILITIES: ReadonlyArray<{ method: string; resource: RegExp; capability: string | undefined }> = [
  { method: 'GET', resource: /^\/phonebook\/contacts$/, capability: undefined },
];

/**
 * The routes declared without the authorizer (`METHOD /resource`): the web page (a sign-in page
 * holding no data) and the API reference, public so that a browser or a code generator can read it. Every other route of serverless.yml goes
 * through the authorizer; test/integration/route-guards.test.ts holds serverless.yml to this list.
 */
export const PUBLIC_ROUTES: readonly string[] = ['GET /', 'GET /openapi.json', 'GET /docs'];

export function accessScopeOf(resource: string): 'admin' | 'user' {
  return resource === '/admin' || resource.startsWith('/admin/') ? 'admin' : 'user';
}

export function requiredCapabilityOf(method: string, resource: string): string | undefined {
  const rule = ROUTE_CAPABILITIES.find((r) => r.method === method.toUpperCase() && r.resource.test(resource));
  return rule ? rule.capability : IMPORT_CAPABILITY;
}
