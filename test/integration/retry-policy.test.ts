import { CreateTableCommand, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient, lambdaClient, retryPolicyOfClient, s3Client } from '../../lib/adapters/aws-clients.js';
import { loadConfig } from '../../lib/config.js';
import { MINIMAL_CONFIG_ENV } from '../support/config-env.js';
import { STORAGE_MAX_ATTEMPTS } from '../../lib/storage/retry.js';
import { type EmbeddedServer, startDynamoDb } from '../../local/embedded-servers.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';

// The service's own clients (lib/adapters/aws-clients.ts) against dynalite behind the fault
// proxy: how often a request is really sent, counted by the proxy.
let dynamo: EmbeddedServer;
let proxy: FaultProxy;
let client: DynamoDBClient;
const config = () =>
  loadConfig({
    ...MINIMAL_CONFIG_ENV,
    DYNAMODB_ENDPOINT: proxy.url,
    S3_ENDPOINT: 'http://127.0.0.1:1',
    LAMBDA_ENDPOINT: 'http://127.0.0.1:1',
    STORAGE_RETRY_BASE_DELAY_MS: '1',
  });

beforeAll(async () => {
  dynamo = await startDynamoDb({});
  proxy = await startFaultProxy({ upstream: dynamo.endpoint, seed: 7 });
  client = dynamoClient(config());
  await client.send(
    new CreateTableCommand({
      TableName: 'things',
      KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});
afterAll(async () => {
  await proxy?.close();
  await dynamo?.close();
});

const put = (k: string) => client.send(new PutItemCommand({ TableName: 'things', Item: { k: { S: k } } }));

describe('one retry policy for thrown errors', () => {
  it('is configured on every client the service builds', async () => {
    const settings = config();
    for (const each of [dynamoClient(settings), s3Client(settings), lambdaClient(settings)]) {
      expect(await retryPolicyOfClient(each)).toEqual({ maxAttempts: STORAGE_MAX_ATTEMPTS, baseDelayMs: 1, maxDelayMs: 40 });
    }
  });

  it('retries throttling, 500s and dropped connections until a request gets through', async () => {
    proxy.configure({ rate: 1, kinds: ['throttle', 'server-error', 'drop-before', 'drop-after'] });
    proxy.resetStats();
    const attempt = put('persistent');
    // Let a few attempts fail, then stop the faults: the SDK's next attempt succeeds.
    await new Promise((resolve) => setTimeout(resolve, 30));
    proxy.configure({ rate: 0 });
    const result = await attempt;
    expect(result.$metadata.attempts).toBe(proxy.stats.requests);
    expect(proxy.stats.requests).toBeGreaterThan(1);
  });

  it('gives up after exactly the policy’s attempts, not attempts stacked on attempts', async () => {
    proxy.configure({ rate: 1, kinds: ['throttle'] });
    proxy.resetStats();
    await expect(put('never')).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(proxy.stats.requests).toBe(STORAGE_MAX_ATTEMPTS);
    proxy.configure({ rate: 0 });
  });

  it('never retries a client error', async () => {
    proxy.resetStats();
    // A key attribute of the wrong type: DynamoDB's ValidationException, the same every time.
    await expect(client.send(new PutItemCommand({ TableName: 'things', Item: { k: { N: '1' } } }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(client.send(new GetItemCommand({ TableName: 'missing', Key: { k: { S: 'x' } } }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(proxy.stats.requests).toBe(2);
  });

  it('never retries an error without a response, such as a TypeError in the client', async () => {
    proxy.resetStats();
    let sends = 0;
    // Below the retry middleware: each attempt passes here once.
    const typeErrorOnce = (next: (args: object) => Promise<unknown>) => async (args: object) => {
      sends += 1;
      if (sends === 1) throw new TypeError('cannot read properties of undefined');
      return next(args);
    };
    client.middlewareStack.addRelativeTo(typeErrorOnce as unknown as Parameters<DynamoDBClient['middlewareStack']['addRelativeTo']>[0], {
      relation: 'after',
      toMiddleware: 'retryMiddleware',
      name: 'typeErrorOnce',
    });
    try {
      await expect(put('type-error')).rejects.toBeInstanceOf(TypeError);
      expect(sends).toBe(1);
      expect(proxy.stats.requests).toBe(0);
    } finally {
      client.middlewareStack.remove('typeErrorOnce');
    }
  });
});
