import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

// The authorizer reads its configuration when loaded.
const SECRET = 'authorizer-logging-secret-long-enough';
let handler: (event: APIGatewayRequestAuthorizerEvent) => Promise<unknown>;
beforeAll(async () => {
  Object.assign(process.env, {
    CONTACTS_TABLE: 'ContactsTable',
    USERS_TABLE: 'UsersTable',
    JOBS_TABLE: 'JobsTable',
    SOURCES_TABLE: 'SourcesTable',
    LIMITS_TABLE: 'LimitsTable',
    UPLOAD_BUCKET: 'uploads',
    IMPORT_FUNCTION_NAME: 'importObject',
    SUPER_ADMIN_TOKEN: 'admin-token-that-must-not-be-logged',
    JWT_SECRET: SECRET,
    JWT_ISSUER: 'https://idp.example',
    LOG_LEVEL: 'info',
  });
  ({ handler } = await import('../../functions/authorizer.js'));
});
afterEach(() => {
  vi.restoreAllMocks();
});

function logged(): { lines: () => Array<Record<string, unknown>> } {
  const writes: string[] = [];
  const capture = (chunk: unknown) => {
    writes.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  return {
    lines: () =>
      writes
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const event = (authorization: string): APIGatewayRequestAuthorizerEvent =>
  ({
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:us-east-1:123456789012:api/local/GET/phonebook/contacts',
    resource: '/phonebook/contacts',
    httpMethod: 'GET',
    headers: { Authorization: authorization },
    requestContext: { identity: { sourceIp: '127.0.0.1' } },
  }) as unknown as APIGatewayRequestAuthorizerEvent;

describe('the authorizer logs', () => {
  it('an unexpected failure, without the token', async () => {
    const log = logged();
    const broken = { ...event('Bearer secret-token-value'), requestContext: undefined } as unknown as APIGatewayRequestAuthorizerEvent;
    await expect(handler(broken)).rejects.toThrow(TypeError);
    const failure = log.lines().find((line) => line.message === 'authorizer failed');
    expect(failure).toMatchObject({ level: 'error', resource: '/phonebook/contacts' });
    expect(JSON.stringify(log.lines())).not.toContain('secret-token-value');
  });

  it('why a user token was refused, without the token', async () => {
    const { mintUserToken } = await import('../../lib/auth/jwt.js');
    const token = await mintUserToken(SECRET, 'john.smith', [], { issuer: 'https://evil.example' });
    const log = logged();
    await expect(handler(event(`Bearer ${token}`))).rejects.toThrow('Unauthorized');
    expect(log.lines().find((line) => line.message === 'access denied')).toMatchObject({
      status: 401,
      reason: expect.stringContaining('"iss"'),
    });
    expect(JSON.stringify(log.lines())).not.toContain(token);
    expect(log.lines().some((line) => line.message === 'authorizer failed')).toBe(false);
  });
});
