import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ACCESS_MESSAGES, decideAccess, IMPORT_CAPABILITY, requiredCapabilityOf } from '../../lib/auth/access.js';
import { bearerToken, secretsMatch } from '../../lib/auth/credentials.js';
import { parseIpAllowList } from '../../lib/auth/ip-allow-list.js';
import { createTokenVerifier, mintUserToken } from '../../lib/auth/jwt.js';
import { ConfigError } from '../../lib/errors.js';

const SECRET = 'test-secret-of-enough-length-for-hs256';

describe('parseIpAllowList', () => {
  const list = parseIpAllowList('127.0.0.0/8, 10.1.2.3, 2001:db8::/32, ::1');

  it.each([
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['::ffff:127.0.0.1', true],
    ['10.1.2.3', true],
    ['10.1.2.4', false],
    ['2001:db8:1::5', true],
    ['2001:db9::1', false],
    ['::1', true],
    ['192.168.1.10', false],
    ['not-an-ip', false],
    ['', false],
  ])('%s allowed: %s', (address, expected) => {
    expect(list.allows(address)).toBe(expected);
  });

  it('matches IPv4 clients against an IPv4-mapped IPv6 range', () => {
    expect(parseIpAllowList('::ffff:10.0.0.0/104').allows('10.9.9.9')).toBe(true);
  });

  it('refuses a malformed entry at start-up, naming it', () => {
    expect(() => parseIpAllowList('127.0.0.0/8, 300.1.1.1')).toThrow(
      new ConfigError("SUPER_ADMIN_ALLOW_IPS: '300.1.1.1' is not an IP address or CIDR range"),
    );
  });
});

describe('credentials', () => {
  it('compares secrets exactly', () => {
    expect(secretsMatch('abc', 'abc')).toBe(true);
    expect(secretsMatch('abc', 'abd')).toBe(false);
    expect(secretsMatch('ab', 'abc')).toBe(false);
    expect(secretsMatch('', '')).toBe(false);
  });

  it('reads bearer tokens case-insensitively and nothing else', () => {
    expect(bearerToken('Bearer xyz')).toBe('xyz');
    expect(bearerToken('bearer  xyz ')).toBe('xyz');
    expect(bearerToken('Basic xyz')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe('createTokenVerifier', () => {
  const verify = createTokenVerifier({ secret: SECRET, algorithms: ['HS256'] });
  const key = new TextEncoder().encode(SECRET);

  it('returns the subject and capabilities of a valid token', async () => {
    const token = await mintUserToken(SECRET, 'john.smith', [IMPORT_CAPABILITY, 'other']);
    await expect(verify(token)).resolves.toEqual({ username: 'john.smith', capabilities: [IMPORT_CAPABILITY, 'other'], groups: [] });
  });

  it('rejects a token signed with another secret', async () => {
    await expect(verify(await mintUserToken('another-secret-entirely-xxxxxxxx', 'john', []))).rejects.toThrow();
  });

  it('rejects an expired token', async () => {
    const token = await new SignJWT({ capabilities: [] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('john')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    await expect(verify(token)).rejects.toThrow();
  });

  it('rejects a token without exp', async () => {
    const token = await new SignJWT({ capabilities: [] }).setProtectedHeader({ alg: 'HS256' }).setSubject('john').sign(key);
    await expect(verify(token)).rejects.toThrow();
  });

  it('rejects an unsigned (alg none) token', async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = `${encode({ alg: 'none' })}.${encode({ sub: 'john', exp: Math.floor(Date.now() / 1000) + 60 })}.`;
    await expect(verify(token)).rejects.toThrow();
  });

  it('rejects an algorithm outside the allow-list', async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setSubject('john').setExpirationTime('1h').sign(key);
    await expect(verify(token)).rejects.toThrow();
  });

  it('checks issuer and audience when configured', async () => {
    const strict = createTokenVerifier({ secret: SECRET, algorithms: ['HS256'], issuer: 'https://idp', audience: 'phonebook' });
    const good = await mintUserToken(SECRET, 'john', [], { issuer: 'https://idp', audience: 'phonebook' });
    const wrongAudience = await mintUserToken(SECRET, 'john', [], { issuer: 'https://idp', audience: 'other' });
    await expect(strict(good)).resolves.toMatchObject({ username: 'john' });
    await expect(strict(wrongAudience)).rejects.toThrow();
  });

  it('treats a missing or malformed capabilities claim as no capabilities', async () => {
    const token = await new SignJWT({ capabilities: 'phonebook.ad_phonebook' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('john')
      .setExpirationTime('1h')
      .sign(key);
    await expect(verify(token)).resolves.toEqual({ username: 'john', capabilities: [], groups: [] });
  });
});

describe('decideAccess', () => {
  const policy = {
    adminAllowList: parseIpAllowList('127.0.0.0/8'),
    superAdminToken: async () => 'admin-token',
    verifyUserToken: createTokenVerifier({ secret: SECRET, algorithms: ['HS256'] }),
  };

  it('checks the admin source IP before the token', async () => {
    await expect(decideAccess({ scope: 'admin', sourceIp: '203.0.113.9', authorization: 'Bearer admin-token' }, policy)).resolves.toEqual({
      allowed: false,
      status: 403,
      message: ACCESS_MESSAGES.ipNotAllowed,
    });
  });

  it('requires the super-admin token from an allowed IP', async () => {
    await expect(decideAccess({ scope: 'admin', sourceIp: '127.0.0.1', authorization: undefined }, policy)).resolves.toMatchObject({
      status: 401,
      message: ACCESS_MESSAGES.superAdminRequired,
    });
    await expect(decideAccess({ scope: 'admin', sourceIp: '127.0.0.1', authorization: 'Bearer wrong' }, policy)).resolves.toMatchObject({
      status: 401,
    });
    await expect(decideAccess({ scope: 'admin', sourceIp: '127.0.0.1', authorization: 'Bearer admin-token' }, policy)).resolves.toEqual({
      allowed: true,
      principal: { kind: 'super-admin' },
    });
  });

  it('answers 401 for a missing or invalid user token and 403 for a missing capability', async () => {
    const user = (authorization: string | undefined) =>
      decideAccess({ scope: 'user', sourceIp: '203.0.113.9', authorization, requiredCapability: IMPORT_CAPABILITY }, policy);
    await expect(user(undefined)).resolves.toMatchObject({ status: 401, message: ACCESS_MESSAGES.authorizationRequired });
    await expect(user('Bearer garbage')).resolves.toMatchObject({ status: 401 });
    await expect(user(`Bearer ${await mintUserToken(SECRET, 'jane', [])}`)).resolves.toMatchObject({
      status: 403,
      message: ACCESS_MESSAGES.missingCapability,
    });
    await expect(user(`Bearer ${await mintUserToken(SECRET, 'jane', [IMPORT_CAPABILITY])}`)).resolves.toMatchObject({
      allowed: true,
      principal: { kind: 'user', username: 'jane' },
    });
  });

  it('refuses a token whose subject cannot be a username', async () => {
    const token = await mintUserToken(SECRET, 'bad/user#1', [IMPORT_CAPABILITY]);
    await expect(decideAccess({ scope: 'user', sourceIp: '127.0.0.1', authorization: `Bearer ${token}` }, policy)).resolves.toMatchObject({
      status: 401,
    });
  });

  it('lets any valid user list contacts but requires the capability to import', () => {
    expect(requiredCapabilityOf('GET', '/phonebook/contacts')).toBeUndefined();
    expect(requiredCapabilityOf('POST', '/phonebook/import')).toBe(IMPORT_CAPABILITY);
  });
});
