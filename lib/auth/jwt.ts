import { groupsOfClaim } from '../groups.js';
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';

export interface JwtSettings {
  /** HS256 secret (local, or a cloud secret store). */
  secret?: string;
  /** JWKS endpoint of an identity provider (cloud). */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  algorithms: string[];
}

export interface UserIdentity {
  username: string;
  capabilities: string[];
  /** The `groups` claim, when the token has one (lib/groups.ts reads it). */
  groups: string[];
}

export type TokenVerifier = (token: string) => Promise<UserIdentity>;

export class InvalidTokenError extends Error {}

/**
 * Builds a verifier that accepts a JWT signed with the configured secret or by a key from the
 * JWKS, with an allow-listed algorithm, a required `exp`, and `iss`/`aud` checked when set.
 * The owner is `sub`; capabilities are the `capabilities` array claim, groups the `groups` one.
 */
export function createTokenVerifier(settings: JwtSettings): TokenVerifier {
  const secretKey = settings.secret ? new TextEncoder().encode(settings.secret) : undefined;
  const jwks: JWTVerifyGetKey | undefined = settings.jwksUrl ? createRemoteJWKSet(new URL(settings.jwksUrl)) : undefined;
  const options = {
    algorithms: settings.algorithms,
    requiredClaims: ['exp', 'sub'],
    ...(settings.issuer ? { issuer: settings.issuer } : {}),
    ...(settings.audience ? { audience: settings.audience } : {}),
  };
  return async (token: string): Promise<UserIdentity> => {
    let payload: JWTPayload;
    try {
      if (secretKey && (!jwks || isHmacToken(token))) payload = (await jwtVerify(token, secretKey, options)).payload;
      else if (jwks) payload = (await jwtVerify(token, jwks, options)).payload;
      else throw new InvalidTokenError('no verification key configured');
    } catch (error) {
      throw new InvalidTokenError(error instanceof Error ? error.message : String(error));
    }
    const capabilities = Array.isArray(payload.capabilities) ? payload.capabilities.filter((c): c is string => typeof c === 'string') : [];
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new InvalidTokenError('sub claim missing');
    return { username: payload.sub, capabilities, groups: groupsOfClaim(payload.groups) };
  };
}

function isHmacToken(token: string): boolean {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { alg?: unknown };
    return typeof header.alg === 'string' && header.alg.startsWith('HS');
  } catch {
    return false;
  }
}

/** Mints an HS256 user token (local development and tests). */
export async function mintUserToken(
  secret: string,
  username: string,
  capabilities: string[],
  options: { expiresIn?: string; issuer?: string; audience?: string; groups?: string[] } = {},
): Promise<string> {
  let jwt = new SignJWT({ capabilities, ...(options.groups ? { groups: options.groups } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(username)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h');
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
