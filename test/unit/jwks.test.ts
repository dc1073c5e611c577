import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../lib/auth/jwt.js';

// An identity provider's JWKS endpoint, served on loopback, as the cloud configuration uses.
let server: Server;
let jwksUrl: string;
let signingKey: PrivateKey;
let otherKey: PrivateKey;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  server = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function token(key: PrivateKey, claims: { iss?: string; aud?: string } = {}) {
  let jwt = new SignJWT({ capabilities: ['phonebook.ad_phonebook'] })
    .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
    .setSubject('john.smith')
    .setExpirationTime('5m');
  if (claims.iss) jwt = jwt.setIssuer(claims.iss);
  if (claims.aud) jwt = jwt.setAudience(claims.aud);
  return jwt.sign(key);
}

describe('tokens from an identity provider (JWKS)', () => {
  it('accepts a token signed by a key of the JWKS, with the configured issuer and audience', async () => {
    const verify = createTokenVerifier({ jwksUrl, algorithms: ['RS256'], issuer: 'https://idp.example', audience: 'phonebook' });
    await expect(verify(await token(signingKey, { iss: 'https://idp.example', aud: 'phonebook' }))).resolves.toEqual({
      username: 'john.smith',
      capabilities: ['phonebook.ad_phonebook'],
      // The token claims no groups (group sharing reads the `groups` claim).
      groups: [],
    });
  });

  it('rejects a token signed by a key outside the JWKS', async () => {
    const verify = createTokenVerifier({ jwksUrl, algorithms: ['RS256'] });
    await expect(verify(await token(otherKey))).rejects.toThrow();
  });

  it('rejects a token from another issuer', async () => {
    const verify = createTokenVerifier({ jwksUrl, algorithms: ['RS256'], issuer: 'https://idp.example' });
    await expect(verify(await token(signingKey, { iss: 'https://evil.example' }))).rejects.toThrow();
  });

  it('keeps accepting the local HS256 secret beside the JWKS when both are configured', async () => {
    const { mintUserToken } = await import('../../lib/auth/jwt.js');
    const verify = createTokenVerifier({ jwksUrl, secret: 'a-local-secret-of-some-length', algorithms: ['RS256', 'HS256'] });
    await expect(verify(await mintUserToken('a-local-secret-of-some-length', 'jane.doe', []))).resolves.toMatchObject({
      username: 'jane.doe',
    });
  });
});
