import { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { UploadNotFoundError } from '../errors.js';
import { type FileStore, ObjectChangedError, type ObjectStream, type StoredObject } from '../storage/ports.js';

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NotFound' || status === 404;
}

function isPreconditionFailed(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return name === 'PreconditionFailed' || status === 412;
}

/** S3's 416: a range that starts at or past the object's end. */
function isRangeNotSatisfiable(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return name === 'InvalidRange' || status === 416;
}

const unquote = (etag: string | undefined) => (etag ?? '').replaceAll('"', '');

export class S3FileStore implements FileStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: result.ContentLength ?? 0, etag: unquote(result.ETag), lastModified: result.LastModified ?? new Date(0) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async read(key: string, fromByte = 0, etag?: string): Promise<ObjectStream> {
    const abort = new AbortController();
    try {
      const result = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(fromByte > 0 ? { Range: `bytes=${fromByte}-` } : {}),
          // S3 answers 412 when the key now holds another version than the one the job names.
          ...(etag ? { IfMatch: `"${etag}"` } : {}),
        }),
        { abortSignal: abort.signal },
      );
      const body = result.Body as (Readable & AsyncIterable<Uint8Array>) | undefined;
      if (!body) throw new UploadNotFoundError(key);
      const stop = () => {
        body.destroy();
        abort.abort();
      };
      // Servers that ignore If-Match (s3rver) still name what they serve: check it too.
      if (etag && unquote(result.ETag) !== etag) {
        stop();
        throw new ObjectChangedError(key, etag);
      }
      return { body, abort: stop };
    } catch (error) {
      if (isNotFound(error)) throw new UploadNotFoundError(key);
      if (etag && isPreconditionFailed(error)) throw new ObjectChangedError(key, etag);
      // A job that paused after its last row continues from the object's end: nothing is left to
      // read there, which S3 answers with 416. Still make sure it is the object the job names.
      if (fromByte > 0 && isRangeNotSatisfiable(error)) return await this.emptyTail(key, fromByte, etag);
      throw error;
    }
  }

  private async emptyTail(key: string, fromByte: number, etag: string | undefined): Promise<ObjectStream> {
    const object = await this.head(key);
    if (!object) throw new UploadNotFoundError(key);
    if (etag && object.etag !== etag) throw new ObjectChangedError(key, etag);
    if (fromByte < object.size) throw new Error(`S3 refused bytes ${fromByte}- of ${key}, which holds ${object.size} bytes`);
    return { body: Readable.from([]), abort: () => {} };
  }

  async write(key: string, body: AsyncIterable<Uint8Array | string> | string | Buffer, contentType: string): Promise<void> {
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
      return;
    }
    // Multipart upload in 5 MB parts: memory stays bounded whatever the size.
    await new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: Readable.from(body), ContentType: contentType },
    }).done();
  }

  async readText(key: string): Promise<string> {
    const { body } = await this.read(key);
    const parts: Buffer[] = [];
    for await (const chunk of body) parts.push(Buffer.from(chunk));
    return Buffer.concat(parts).toString('utf8');
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const objects: StoredObject[] = [];
    let token: string | undefined;
    do {
      const result = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const item of result.Contents ?? []) {
        if (item.Key)
          objects.push({ key: item.Key, size: item.Size ?? 0, etag: unquote(item.ETag), lastModified: item.LastModified ?? new Date(0) });
      }
      token = result.IsTruncated ? result.NextContinuationToken : undefined;
    } while (token);
    return objects;
  }

  async remove(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
    }
  }

  presignUpload(key: string, options: { contentLength: number; expiresInSeconds: number }): Promise<string> {
    // Content-Length is signed: S3 refuses a PUT of any other size, so the limit holds.
    return getSignedUrl(this.client, new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentLength: options.contentLength }), {
      expiresIn: options.expiresInSeconds,
      signableHeaders: new Set(['content-length']),
    });
  }

  presignDownload(key: string, options: { expiresInSeconds: number; filename: string }): Promise<string> {
    return getSignedUrl(
      this.client,
      new GetObjectCommand({ Bucket: this.bucket, Key: key, ResponseContentDisposition: `attachment; filename="${options.filename}"` }),
      { expiresIn: options.expiresInSeconds },
    );
  }
}
