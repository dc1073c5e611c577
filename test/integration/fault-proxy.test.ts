import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BatchWriteItemCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_S3_CREDENTIALS } from '../../lib/adapters/aws-clients.js';
import { DynamoUserRepository } from '../../lib/adapters/dynamodb-users.js';
import { type EmbeddedServer, startDynamoDb, startS3 } from '../../local/embedded-servers.js';
import { type FaultKind, type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { createHashKeyTables } from '../support/dynamo-tables.js';

// The fault proxy itself: what each fault does to a real SDK client, before dynalite and s3rver.
let dynamo: EmbeddedServer;
let s3: EmbeddedServer;
let s3Dir: string;
const proxies: FaultProxy[] = [];
const LOCAL = { accessKeyId: 'local', secretAccessKey: 'local' };
const noRetries = { maxAttempts: 1 };

async function proxy(options: Parameters<typeof startFaultProxy>[0]): Promise<FaultProxy> {
  const started = await startFaultProxy(options);
  proxies.push(started);
  return started;
}

beforeAll(async () => {
  dynamo = await startDynamoDb({});
  s3Dir = await mkdtemp(path.join(tmpdir(), 'fault-proxy-'));
  s3 = await startS3({ directory: s3Dir, buckets: ['proxied'] });
  await createHashKeyTables(dynamo.endpoint, [
    ['items', 'k'],
    ['users', 'username'],
  ]);
});
afterAll(async () => {
  for (const each of proxies) await each.close();
  await dynamo?.close();
  await s3?.close();
  await rm(s3Dir, { recursive: true, force: true });
});

describe('the fault proxy', () => {
  it('draws the same faults in the same order for the same seed', async () => {
    const sequence = async () => {
      const faulty = await proxy({ upstream: dynamo.endpoint, seed: 42, rate: 0.5, kinds: ['throttle', 'server-error'] });
      const client = new DynamoDBClient({ endpoint: faulty.url, region: 'us-east-1', credentials: LOCAL, ...noRetries });
      const outcomes: string[] = [];
      for (let i = 0; i < 20; i++) {
        outcomes.push(
          await client.send(new ScanCommand({ TableName: 'items', Limit: 1 })).then(
            () => 'ok',
            (error: Error) => error.name,
          ),
        );
      }
      client.destroy();
      return outcomes;
    };
    const first = await sequence();
    expect(new Set(first)).toEqual(new Set(['ok', 'ThrottlingException', 'InternalServerError']));
    expect(await sequence()).toEqual(first);
  });

  it('answers only part of a batch write and returns the rest as unprocessed', async () => {
    const faulty = await proxy({ upstream: dynamo.endpoint, rate: 1, kinds: ['unprocessed'] });
    const client = new DynamoDBClient({ endpoint: faulty.url, region: 'us-east-1', credentials: LOCAL, ...noRetries });
    const puts = Array.from({ length: 10 }, (_, i) => ({ PutRequest: { Item: { k: { S: `batch-${i}` } } } }));
    const result = await client.send(new BatchWriteItemCommand({ RequestItems: { items: puts } }));
    const unprocessed = result.UnprocessedItems?.items ?? [];
    expect(unprocessed.length).toBeGreaterThan(0);
    expect(unprocessed.length).toBeLessThan(10);
    const direct = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: LOCAL });
    const stored = (await direct.send(new ScanCommand({ TableName: 'items' }))).Items ?? [];
    expect(
      stored
        .map((item) => item.k?.S)
        .filter((k) => k?.startsWith('batch-'))
        .sort(),
    ).toEqual(puts.slice(0, 10 - unprocessed.length).map((p) => p.PutRequest.Item.k.S));
    direct.destroy();
    client.destroy();
  });

  it.each([
    ['drop-before', false],
    ['drop-after', true],
  ] as Array<[FaultKind, boolean]>)('%s loses the connection; the write happened: %s', async (kind, written) => {
    const faulty = await proxy({ upstream: dynamo.endpoint, rate: 1, kinds: [kind] });
    const client = new DynamoDBClient({ endpoint: faulty.url, region: 'us-east-1', credentials: LOCAL, ...noRetries });
    await expect(
      client.send(new BatchWriteItemCommand({ RequestItems: { items: [{ PutRequest: { Item: { k: { S: kind } } } }] } })),
    ).rejects.toThrow();
    const direct = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: LOCAL });
    const stored = (await direct.send(new ScanCommand({ TableName: 'items' }))).Items ?? [];
    expect(stored.some((item) => item.k?.S === kind)).toBe(written);
    direct.destroy();
    client.destroy();
  });

  it('sits before the embedded S3 too, keeping signatures valid, with S3-style errors', async () => {
    const faulty = await proxy({ upstream: s3.endpoint, dialect: 's3', rate: 0 });
    const client = new S3Client({
      endpoint: faulty.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: LOCAL_S3_CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      ...noRetries,
    });
    await client.send(new PutObjectCommand({ Bucket: 'proxied', Key: 'a.csv', Body: 'name\nA\n' }));
    expect(await (await client.send(new GetObjectCommand({ Bucket: 'proxied', Key: 'a.csv' }))).Body?.transformToString()).toBe(
      'name\nA\n',
    );
    faulty.configure({ rate: 1, kinds: ['throttle'] });
    await expect(client.send(new GetObjectCommand({ Bucket: 'proxied', Key: 'a.csv' }))).rejects.toMatchObject({
      name: 'SlowDown',
      $metadata: { httpStatusCode: 503 },
    });
    faulty.configure({ kinds: ['server-error'] });
    await expect(client.send(new GetObjectCommand({ Bucket: 'proxied', Key: 'a.csv' }))).rejects.toMatchObject({ name: 'InternalError' });
    client.destroy();
  });

  it('forwards to loopback only and bounds what it buffers', async () => {
    await expect(startFaultProxy({ upstream: 'http://example.com' })).rejects.toThrow('loopback');
    const faulty = await proxy({ upstream: dynamo.endpoint, maxBodyBytes: 1024 });
    expect(() => faulty.setUpstream('http://10.0.0.1:8000')).toThrow('loopback');
    expect(() => faulty.configure({ rate: 2 })).toThrow('rate');
    const response = await fetch(faulty.url, { method: 'POST', body: Buffer.alloc(4096) });
    expect(response.status).toBe(413);
  });
});

describe('DynamoUserRepository.registerUser', () => {
  it('says created when its own first attempt wrote the record and only the answer was lost', async () => {
    let puts = 0;
    const faulty = await proxy({
      upstream: dynamo.endpoint,
      rate: 1,
      kinds: ['drop-after'],
      applies: (request) => request.operation === 'UpdateItem' && puts++ === 0,
    });
    const client = new DynamoDBClient({ endpoint: faulty.url, region: 'us-east-1', credentials: LOCAL, maxAttempts: 3 });
    const result = await new DynamoUserRepository(client, 'users').registerUser('lost.answer');
    expect(puts).toBe(2);
    expect(result.created).toBe(true);
    expect((await new DynamoUserRepository(client, 'users').registerUser('lost.answer')).created).toBe(false);
    client.destroy();
  });
});
