import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';

/**
 * Each function reads only the configuration sections it uses, when it loads: the authorizer
 * needs no table, a route without limits no limits table. (One process per test file, so the
 * sections are read here for the first time.)
 */
const ONLY_AUTH = { SUPER_ADMIN_TOKEN: 'admin-token-for-config-test', JWT_SECRET: 'jwt-secret-for-config-test-long-enough' };
const STORAGE = { CONTACTS_TABLE: 'c', USERS_TABLE: 'u', JOBS_TABLE: 'j', SOURCES_TABLE: 's', UPLOAD_BUCKET: 'b' };
for (const name of [
  'CONTACTS_TABLE',
  'USERS_TABLE',
  'JOBS_TABLE',
  'SOURCES_TABLE',
  'UPLOAD_BUCKET',
  'IMPORT_FUNCTION_NAME',
  'LIMITS_TABLE',
])
  delete process.env[name];

describe('a function reads only its configuration', () => {
  it('the authorizer loads and decides without any table, bucket or function name', async () => {
    Object.assign(process.env, ONLY_AUTH);
    const { handler } = await import('../../functions/authorizer.js');
    const event = {
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:us-east-1:123456789012:api/local/GET/phonebook/contacts',
      resource: '/phonebook/contacts',
      httpMethod: 'GET',
      headers: {},
      requestContext: { identity: { sourceIp: '127.0.0.1' } },
    } as unknown as APIGatewayRequestAuthorizerEvent;
    await expect(handler(event)).rejects.toThrow('Unauthorized');
  });

  it('a route without limits loads without LIMITS_TABLE; a limited route names it', async () => {
    Object.assign(process.env, STORAGE);
    await expect(import('../../functions/list-contacts.js')).resolves.toHaveProperty('handler');
    await expect(import('../../functions/user-import.js')).rejects.toThrow('LIMITS_TABLE is required but not set');
  });
});
