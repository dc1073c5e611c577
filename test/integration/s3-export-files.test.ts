import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Client } from '../../lib/adapters/aws-clients.js';
import { S3ExportFiles } from '../../lib/adapters/s3-export-files.js';
import type { Config } from '../../lib/config.js';
import { type EmbeddedServer, startS3 } from '../../local/embedded-servers.js';

let s3: EmbeddedServer;
let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 's3-export-files-'));
  s3 = await startS3({ directory, buckets: ['exports-test'] });
});
afterAll(async () => {
  await s3?.close();
  await rm(directory, { recursive: true, force: true });
});

describe('S3ExportFiles against s3rver', () => {
  it('streams an export larger than one 5 MB part intact and serves it through the presigned link', async () => {
    const files = new S3ExportFiles(s3Client({ region: 'us-east-1', s3Endpoint: s3.endpoint } as Config), 'exports-test');
    const expected = createHash('sha256');
    async function* chunks(): AsyncIterable<Buffer> {
      // 12 MB in 64 KB chunks, each filled with its own letter so that a lost or reordered
      // chunk shows: three multipart parts, the last one short.
      for (let i = 0; i < 192; i++) {
        const chunk = Buffer.alloc(64 * 1024, String.fromCharCode(97 + (i % 26)));
        expected.update(chunk);
        yield chunk;
      }
    }
    const { url, expiresInSeconds } = await files.storeExport('big.owner', chunks());
    expect(expiresInSeconds).toBe(900);
    const download = await fetch(url);
    expect(download.status).toBe(200);
    const body = Buffer.from(await download.arrayBuffer());
    expect(body.length).toBe(192 * 64 * 1024);
    expect(createHash('sha256').update(body).digest('hex')).toBe(expected.digest('hex'));
  });
});
