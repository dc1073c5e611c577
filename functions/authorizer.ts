import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { resolveSecret } from '../lib/adapters/aws-clients.js';
import { accessScopeOf, decideAccess, requiredCapabilityOf } from '../lib/auth/access.js';
import { createTokenVerifier, type TokenVerifier } from '../lib/auth/jwt.js';
import { configSection } from '../lib/config.js';
import { logger } from '../lib/logger.js';
import { eventHandler } from './layer/event-handler.js';

// The authorizer reads only who may call and how to reach SSM: no table, no bucket.
const auth = configSection('auth');
const clients = configSection('clients');

let verifier: { secret: string | undefined; verify: TokenVerifier } | undefined;
/**
 * The user-token verifier, built again when the JWT secret changed: the secret is read through
 * the SSM cache (a few minutes), so a rotated secret takes effect without a cold start.
 */
async function userTokenVerifier(): Promise<TokenVerifier> {
  // A JWKS-only deployment (JWT_ALGORITHMS without an HS* entry) never reads the JWT secret.
  const usesSecret = auth.jwt.algorithms.some((algorithm) => algorithm.startsWith('HS'));
  const secret = auth.jwt.secret && usesSecret ? await resolveSecret(clients, auth.jwt.secret) : undefined;
  if (!verifier || verifier.secret !== secret) {
    const verify = createTokenVerifier({
      ...(secret ? { secret } : {}),
      ...(auth.jwt.jwksUrl ? { jwksUrl: auth.jwt.jwksUrl } : {}),
      ...(auth.jwt.issuer ? { issuer: auth.jwt.issuer } : {}),
      ...(auth.jwt.audience ? { audience: auth.jwt.audience } : {}),
      algorithms: auth.jwt.algorithms,
    });
    verifier = { secret, verify };
  }
  return verifier.verify;
}

function policy(
  effect: 'Allow' | 'Deny',
  resource: string,
  principalId: string,
  context: Record<string, string>,
): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] },
    context,
  };
}

/**
 * REQUEST authorizer for every route. How each outcome reaches the client:
 * - allowed: Allow, with the principal in the context for the handler;
 * - 403: Deny with the message in the context; the ACCESS_DENIED gateway response renders it;
 * - user 401: "Unauthorized"; the UNAUTHORIZED gateway response renders the contract body;
 * - admin 401 (allowed IP, bad token): Allow as principal "none", and the route guard
 *   (`routeGuard` in functions/layer/route-guard.ts, decided by the route's path) answers the contract's
 *   admin 401 body, which no static gateway response could give beside the user one.
 */
async function authorize(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const scope = accessScopeOf(event.resource);
  const authorization = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
  let tokenRejection: string | undefined;
  const decision = await decideAccess(
    {
      scope,
      sourceIp: event.requestContext.identity.sourceIp,
      authorization,
      requiredCapability: scope === 'user' ? requiredCapabilityOf(event.httpMethod, event.resource) : undefined,
    },
    {
      adminAllowList: auth.superAdminAllowList,
      superAdminToken: () => resolveSecret(clients, auth.superAdminToken),
      verifyUserToken: async (token) => {
        try {
          return await (await userTokenVerifier())(token);
        } catch (error) {
          // jose's reasons name the failed check ('unexpected "iss" claim value'), never the token.
          tokenRejection = error instanceof Error ? error.message : String(error);
          throw error;
        }
      },
    },
  );
  if (decision.allowed) {
    const principal = decision.principal;
    if (principal.kind === 'super-admin') return policy('Allow', event.methodArn, 'super-admin', { principal: 'super-admin' });
    return policy('Allow', event.methodArn, principal.username, {
      principal: 'user',
      username: principal.username,
      capabilities: principal.capabilities.join(' '),
      // A context value must be a string: the claim's groups travel as JSON (names may hold spaces).
      groups: JSON.stringify(principal.groups),
    });
  }
  logger.info('access denied', {
    status: decision.status,
    scope,
    resource: event.resource,
    sourceIp: event.requestContext.identity.sourceIp,
    ...(tokenRejection ? { reason: tokenRejection } : {}),
  });
  if (decision.status === 403) return policy('Deny', event.methodArn, 'denied', { message: decision.message });
  if (scope === 'admin') return policy('Allow', event.methodArn, 'none', { principal: 'none' });
  throw new Error('Unauthorized');
}

export const handler = eventHandler(async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  try {
    return await authorize(event);
  } catch (error) {
    // API Gateway answers any other failure 500 and says nothing more: the log must.
    if (!(error instanceof Error && error.message === 'Unauthorized')) {
      logger.error('authorizer failed', {
        resource: event.resource,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
    throw error;
  }
});
