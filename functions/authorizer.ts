import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { resolveSecret } from '../lib/adapters/aws-clients.js';
import { accessScopeOf, decideAccess, requiredCapabilityOf } from '../lib/auth/access.js';
import { createTokenVerifier, type TokenVerifier } from '../lib/auth/jwt.js';
import { loadConfig } from '../lib/config.js';
import { logger } from '../lib/logger.js';

const config = loadConfig();

let verifier: Promise<TokenVerifier> | undefined;
function userTokenVerifier(): Promise<TokenVerifier> {
  verifier ??= (async () =>
    createTokenVerifier({
      ...(config.jwt.secret ? { secret: await resolveSecret(config, config.jwt.secret) } : {}),
      ...(config.jwt.jwksUrl ? { jwksUrl: config.jwt.jwksUrl } : {}),
      ...(config.jwt.issuer ? { issuer: config.jwt.issuer } : {}),
      ...(config.jwt.audience ? { audience: config.jwt.audience } : {}),
      algorithms: config.jwt.algorithms,
    }))();
  verifier.catch(() => {
    verifier = undefined;
  });
  return verifier;
}

function policy(effect: 'Allow' | 'Deny', resource: string, principalId: string, context: Record<string, string>): APIGatewayAuthorizerResult {
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
 *   (`adminRoute` in functions/runtime.ts, decided by the route's path) answers the contract's
 *   admin 401 body, which no static gateway response could give beside the user one.
 */
export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const scope = accessScopeOf(event.resource);
  const authorization = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
  const decision = await decideAccess(
    {
      scope,
      sourceIp: event.requestContext.identity.sourceIp,
      authorization,
      requiredCapability: scope === 'user' ? requiredCapabilityOf(event.httpMethod, event.resource) : undefined,
    },
    {
      adminAllowList: config.superAdminAllowList,
      superAdminToken: () => resolveSecret(config, config.superAdminToken),
      verifyUserToken: async (token) => (await userTokenVerifier())(token),
    },
  );
  if (decision.allowed) {
    const principal = decision.principal;
    if (principal.kind === 'super-admin') return policy('Allow', event.methodArn, 'super-admin', { principal: 'super-admin' });
    return policy('Allow', event.methodArn, principal.username, {
      principal: 'user',
      username: principal.username,
      capabilities: principal.capabilities.join(' '),
    });
  }
  logger.info('access denied', { status: decision.status, scope, resource: event.resource, sourceIp: event.requestContext.identity.sourceIp });
  if (decision.status === 403) return policy('Deny', event.methodArn, 'denied', { message: decision.message });
  if (scope === 'admin') return policy('Allow', event.methodArn, 'none', { principal: 'none' });
  throw new Error('Unauthorized');
};
