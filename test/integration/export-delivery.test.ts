import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Client } from '../../lib/adapters/aws-clients.js';
import { S3FileStore } from '../../lib/adapters/s3-files.js';
import type { Config } from '../../lib/config.js';
import { deliverExport } from '../../lib/export/deliver.js';
import { type EmbeddedServer, startS3 } from '../../local/embedded-servers.js';

let s3: EmbeddedServer;
let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'export-delivery-'));
  s3 = await startS3({ directory, buckets: ['exports-test'] });
});
afterAll(async () => {
  await s3?.close();
  await rm(directory, { recursive: true, force: true });
});

describe('delivering a large export through s3rver', () => {
  it('streams an export of several 5 MB parts intact into the bucket and links to it', async () => {
    const files = new S3FileStore(s3Client({ region: 'us-east-1', s3Endpoint: s3.endpoint } as Config), 'exports-test');
    const expected = createHash('sha256');
    async function* chunks(): AsyncIterable<string> {
      // 12 MB in 64 KB chunks, each filled with its own letter so that a lost or reordered
      // chunk shows: three multipart parts, the last one short.
      for (let i = 0; i < 192; i++) {
        const chunk = String.fromCharCode(97 + (i % 26)).repeat(64 * 1024);
        expected.update(chunk);
        yield chunk;
      }
    }
    const delivery = await deliverExport(chunks(), 'big.owner', { inlineMaxBytes: 1024 * 1024, files });
    if (delivery.kind !== 'link') throw new Error('a 12 MB export must not be inline');
    expect(delivery.expiresInSeconds).toBe(900);
    const download = await fetch(delivery.url);
    expect(download.status).toBe(200);
    const body = Buffer.from(await download.arrayBuffer());
    expect(body.length).toBe(192 * 64 * 1024);
    expect(createHash('sha256').update(body).digest('hex')).toBe(expected.digest('hex'));
  });

  it('answers a small export inline and writes nothing', async () => {
    const files = new S3FileStore(s3Client({ region: 'us-east-1', s3Endpoint: s3.endpoint } as Config), 'exports-test');
    async function* chunks(): AsyncIterable<string> {
      yield 'id,name\r\n';
      yield 'abc,Ada\r\n';
    }
    const before = (await files.list('exports/small.owner/')).length;
    expect(await deliverExport(chunks(), 'small.owner', { inlineMaxBytes: 1024, files })).toEqual({
      kind: 'inline',
      body: 'id,name\r\nabc,Ada\r\n',
    });
    expect(await files.list('exports/small.owner/')).toHaveLength(before);
  });
});
