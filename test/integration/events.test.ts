import { readFile } from 'node:fs/promises';
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.js';

// The handlers are called directly with the sample events, as `serverless invoke local`
// would, against the real local DynamoDB of a started stack.
let api: TestStack;
beforeAll(async () => {
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
});

async function fixture<T>(name: string, replace: Record<string, string> = {}): Promise<T> {
  let text = await readFile(new URL(`../../events/${name}`, import.meta.url), 'utf8');
  for (const [placeholder, value] of Object.entries(replace)) text = text.replaceAll(placeholder, value);
  return JSON.parse(text) as T;
}

describe('sample events', () => {
  it('authorizer: allows the super admin from an allowed IP', async () => {
    const { handler } = await import('../../functions/authorizer.js');
    const event = await fixture<APIGatewayRequestAuthorizerEvent>('authorizer/admin-allowed-ip.json', {
      SUPER_ADMIN_TOKEN: api.adminToken,
    });
    const result = await handler(event);
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow', Resource: event.methodArn });
    expect(result.context).toEqual({ principal: 'super-admin' });
  });

  it('authorizer: denies an outside IP whatever X-Forwarded-For claims', async () => {
    const { handler } = await import('../../functions/authorizer.js');
    const result = await handler(await fixture('authorizer/admin-denied-ip.json', { SUPER_ADMIN_TOKEN: api.adminToken }));
    expect(result.policyDocument.Statement[0]?.Effect).toBe('Deny');
    expect(result.context).toEqual({ message: 'access denied: IP not in allowed list' });
  });

  it('authorizer: answers Unauthorized to a user request without a token', async () => {
    const { handler } = await import('../../functions/authorizer.js');
    await expect(handler(await fixture('authorizer/user-missing-token.json'))).rejects.toThrow('Unauthorized');
  });

  it('authorizer: passes the user and capabilities on', async () => {
    const { handler } = await import('../../functions/authorizer.js');
    const token = await api.userToken('john.smith');
    const result = await handler(await fixture('authorizer/user-with-token.json', { USER_JWT: token }));
    expect(result.context).toEqual({ principal: 'user', username: 'john.smith', capabilities: 'phonebook.ad_phonebook', groups: '[]' });
  });

  it('user import: imports the multipart body of the sample event', async () => {
    const { handler } = await import('../../functions/user-import.js');
    const result = await handler(await fixture<APIGatewayProxyEvent>('http/user-import.json'));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ total_rows: 2, imported_rows: 2 });
  });

  it('admin import: imports for john.smith, and refuses the principal-less request with the admin 401', async () => {
    const { handler } = await import('../../functions/admin-import.js');
    const ok = await handler(await fixture<APIGatewayProxyEvent>('http/admin-import.json'));
    expect(ok.statusCode).toBe(200);
    const refused = await handler(await fixture<APIGatewayProxyEvent>('http/admin-import-bad-token.json'));
    expect(refused.statusCode).toBe(401);
    expect(JSON.parse(refused.body)).toEqual({ code: 401, message: 'super admin authentication required' });
  });
});

describe('import events', () => {
  it('start-import: ignores a job that does not exist, without failing the invocation', async () => {
    const { handler } = await import('../../functions/import-object.js');
    const event = await fixture<{ startImport: { owner: string; importId: string } }>('import/start-import.json', {
      OWNER: 'john.smith',
      IMPORT_ID: '000000000-0000000000000000',
    });
    await expect(handler(event, { getRemainingTimeInMillis: () => 900_000 } as never)).resolves.toBeUndefined();
  });

  it('drop folder: decodes the URL-encoded key and fails the job when the file is not in the bucket', async () => {
    const { handler } = await import('../../functions/import-object.js');
    const event = await fixture<import('aws-lambda').S3Event>('s3/drop-folder-object-created.json', {
      BUCKET: api.stack.buckets.UploadBucket as string,
      ETAG: 'abc',
    });
    await handler(event, { getRemainingTimeInMillis: () => 900_000 } as never);
    const token = await api.userToken('john.smith');
    const { imports } = (await (await api.request('/phonebook/imports', { token })).json()) as { imports: Array<Record<string, string>> };
    // Found by its origin: the sync imports of the tests before are jobs too (origin sync), and
    // newer than this one, whose id takes the fixture's event time.
    const dropped = imports.find((job) => job.origin === 'drop');
    expect(dropped).toMatchObject({
      object_key: 'drop/john.smith/crm export 2026-11.csv',
      status: 'failed',
      failure_reason: 'the file drop/john.smith/crm export 2026-11.csv is no longer in the bucket',
    });
  });
});
