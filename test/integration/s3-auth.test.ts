import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_S3_CREDENTIALS } from '../../lib/adapters/aws-clients.js';
import { NodeSha256 } from '../../local/s3-auth.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

// The embedded S3 holds every user's uploads, reports and errors.csv, and a write under
// drop/<user>/ starts an import: like S3 on a private bucket, it must refuse whoever does not
// hold the local credentials.
let api: TestStack;
let objectUrl: string;
const KEY = 'uploads/john.smith/private.csv';
const CONTENT = 'name\nPrivate Person\n';

beforeAll(async () => {
  api = await startTestStack();
  await api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: KEY, Body: CONTENT }));
  objectUrl = `${api.stack.s3Endpoint}/${api.uploadBucket}/${KEY}`;
});
afterAll(async () => {
  await api.close();
});

const clientWith = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
  new S3Client({
    endpoint: api.stack.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });

async function storedContent(): Promise<string> {
  const object = await api.s3.send(new GetObjectCommand({ Bucket: api.uploadBucket, Key: KEY }));
  return (await object.Body?.transformToString()) ?? '';
}

/** A request signed in its Authorization header, as the SDK signs, with a chosen payload mode. */
async function signedFetch(method: string, url: string, payloadHash: string, secretAccessKey: string, body?: string): Promise<Response> {
  const target = new URL(url);
  const signer = new SignatureV4({
    credentials: { accessKeyId: LOCAL_S3_CREDENTIALS.accessKeyId, secretAccessKey },
    region: 'us-east-1',
    service: 's3',
    sha256: NodeSha256,
    uriEscapePath: false,
  });
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: target.hostname,
    port: Number(target.port),
    path: target.pathname,
    query: {},
    headers: {
      host: target.host,
      'x-amz-content-sha256': payloadHash,
      ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
    },
  });
  const { host: _host, ...headers } = signed.headers;
  return fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
}

describe('the embedded S3 refuses unsigned requests', () => {
  it.each(['GET', 'PUT', 'DELETE', 'LIST', 'HEAD'])('%s answers 403 AccessDenied', async (operation) => {
    const url = operation === 'LIST' ? `${api.stack.s3Endpoint}/${api.uploadBucket}?list-type=2` : objectUrl;
    const method = operation === 'LIST' ? 'GET' : operation;
    const response = await fetch(url, { method, ...(method === 'PUT' ? { body: 'name\nOverwritten\n' } : {}) });
    expect(response.status).toBe(403);
    if (method !== 'HEAD') expect(await response.text()).toContain('<Code>AccessDenied</Code>');
    expect(await storedContent()).toBe(CONTENT);
  });

  it('an unsigned PUT under drop/<user>/ stores nothing and starts no import', async () => {
    const response = await fetch(`${api.stack.s3Endpoint}/${api.uploadBucket}/drop/john.smith/x.csv`, {
      method: 'PUT',
      body: 'name\nDropped By Anyone\n',
    });
    expect(response.status).toBe(403);
    await api.stack.settle();
    const listed = await api.s3.send(new ListObjectsV2Command({ Bucket: api.uploadBucket, Prefix: 'drop/' }));
    expect(listed.KeyCount ?? 0).toBe(0);
    const imports = (await (await api.request('/phonebook/imports', { token: await api.userToken('john.smith') })).json()) as {
      imports: unknown[];
    };
    expect(imports.imports).toEqual([]);
  });
});

describe('the embedded S3 checks header signatures', () => {
  it('refuses every operation signed with a wrong secret', async () => {
    const wrong = clientWith({ accessKeyId: LOCAL_S3_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' });
    const attempts = [
      () => wrong.send(new GetObjectCommand({ Bucket: api.uploadBucket, Key: KEY })),
      () => wrong.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: KEY, Body: 'name\nOverwritten\n' })),
      () => wrong.send(new ListObjectsV2Command({ Bucket: api.uploadBucket })),
      () => wrong.send(new DeleteObjectCommand({ Bucket: api.uploadBucket, Key: KEY })),
    ];
    for (const attempt of attempts) {
      await expect(attempt()).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    }
    wrong.destroy();
    expect(await storedContent()).toBe(CONTENT);
  });

  it('refuses an unknown access key', async () => {
    const stranger = clientWith({ accessKeyId: 'SOMEONE', secretAccessKey: LOCAL_S3_CREDENTIALS.secretAccessKey });
    await expect(stranger.send(new GetObjectCommand({ Bucket: api.uploadBucket, Key: KEY }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    stranger.destroy();
  });

  it('serves every operation signed with the local credentials', async () => {
    const key = 'uploads/john.smith/signed.csv';
    await api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: key, Body: 'name\nSigned\n' }));
    const listed = await api.s3.send(new ListObjectsV2Command({ Bucket: api.uploadBucket, Prefix: 'uploads/john.smith/' }));
    expect(listed.Contents?.map((o) => o.Key)).toContain(key);
    const object = await api.s3.send(new GetObjectCommand({ Bucket: api.uploadBucket, Key: key }));
    expect(await object.Body?.transformToString()).toBe('name\nSigned\n');
    await api.s3.send(new DeleteObjectCommand({ Bucket: api.uploadBucket, Key: key }));
  });

  it.each(['UNSIGNED-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'])('checks the header signature of a %s request', async (mode) => {
    const url = `${api.stack.s3Endpoint}/${api.uploadBucket}/uploads/john.smith/${mode.toLowerCase()}.csv`;
    expect((await signedFetch('PUT', url, mode, 'not-the-secret', 'name\nX\n')).status).toBe(403);
    expect((await signedFetch('PUT', url, mode, LOCAL_S3_CREDENTIALS.secretAccessKey, 'name\nX\n')).status).toBe(200);
  });

  it('accepts a literal payload hash signed with the right secret only', async () => {
    const hash = createHash('sha256').update('').digest('hex');
    expect((await signedFetch('GET', objectUrl, hash, 'not-the-secret')).status).toBe(403);
    const response = await signedFetch('GET', objectUrl, hash, LOCAL_S3_CREDENTIALS.secretAccessKey);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(CONTENT);
  });
});

describe('presigned URLs', () => {
  it('still upload, and an edited one is refused', async () => {
    const key = 'uploads/john.smith/presigned.csv';
    const url = await getSignedUrl(api.s3, new PutObjectCommand({ Bucket: api.uploadBucket, Key: key }), { expiresIn: 60 });
    expect((await fetch(url, { method: 'PUT', body: 'name\nPresigned\n' })).status).toBe(200);
    expect((await fetch(url.replace('presigned.csv', 'other.csv'), { method: 'PUT', body: 'name\nEdited\n' })).status).toBe(403);
    const object = await api.s3.send(new GetObjectCommand({ Bucket: api.uploadBucket, Key: key }));
    expect(await object.Body?.transformToString()).toBe('name\nPresigned\n');
  });
});
