import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ExportFileStore } from '../export/deliver.js';

/** How long a download link of an export works. */
const LINK_TTL_SECONDS = 15 * 60;

/**
 * Export files in S3 under `exports/<owner>/`: a multipart upload streamed from the chunks
 * (5 MB parts, so memory stays flat), then a presigned GET. The bucket's lifecycle rule
 * (serverless.yml) deletes them after a day.
 */
export class S3ExportFiles implements ExportFileStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async storeExport(owner: string, chunks: AsyncIterable<Buffer>): Promise<{ url: string; expiresInSeconds: number }> {
    const key = `exports/${encodeURIComponent(owner)}/${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.csv`;
    await new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: Readable.from(chunks),
        ContentType: 'text/csv; charset=utf-8',
        ContentDisposition: 'attachment; filename="phonebook.csv"',
      },
      queueSize: 1,
    }).done();
    const url = await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: LINK_TTL_SECONDS,
    });
    return { url, expiresInSeconds: LINK_TTL_SECONDS };
  }
}
