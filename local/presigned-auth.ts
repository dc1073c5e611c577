import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';

function toBytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** SHA-256 and HMAC-SHA-256 for the signer, from node's crypto. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {}
}

interface KoaLikeContext {
  method: string;
  path: string;
  querystring: string;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  type: string;
  body: unknown;
}

type Middleware = (ctx: KoaLikeContext, next: () => Promise<unknown>) => Promise<unknown>;

function denied(ctx: KoaLikeContext, code: string, message: string): void {
  ctx.status = 403;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/**
 * Checks presigned (query-string SigV4) requests as S3 does, which the embedded S3 server
 * does not: the signature must match the method, path, query and signed headers, and the URL
 * must not have expired. Without it a presigned upload URL could be edited to write another
 * owner's key on the laptop, while AWS would refuse it.
 */
export function presignedSignatureCheck(credentials: { accessKeyId: string; secretAccessKey: string }): Middleware {
  return async (ctx, next) => {
    const query = new URLSearchParams(ctx.querystring);
    const provided = query.get('X-Amz-Signature');
    if (!provided) return next();
    const credential = (query.get('X-Amz-Credential') ?? '').split('/');
    const [, , region = 'us-east-1', service = 's3'] = credential;
    const amzDate = query.get('X-Amz-Date') ?? '';
    const expires = Number(query.get('X-Amz-Expires') ?? '0');
    const signedAt = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    if (Number.isNaN(signedAt) || Date.now() > signedAt + expires * 1000) {
      denied(ctx, 'AccessDenied', 'Request has expired');
      return;
    }
    const signedHeaders = (query.get('X-Amz-SignedHeaders') ?? '').split(';').filter((h) => h !== '');
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) headers[name] = String(ctx.headers[name] ?? '');
    const unsignedQuery: Record<string, string> = {};
    for (const [key, value] of query) {
      // The presigner adds these itself (the payload hash as UNSIGNED-PAYLOAD).
      if (!key.startsWith('X-Amz-')) unsignedQuery[key] = value;
    }
    const [hostname = '', port] = (headers.host ?? '').split(':');
    // The SDK's own presigner, given the request as received, must arrive at the same signature.
    const presigner = new S3RequestPresigner({ credentials, region, service, sha256: NodeSha256 });
    const expected = await presigner.presign(
      { method: ctx.method, protocol: 'http:', hostname, ...(port ? { port: Number(port) } : {}), path: ctx.path, query: unsignedQuery, headers },
      { signingDate: new Date(signedAt), expiresIn: expires, signableHeaders: new Set(signedHeaders) },
    );
    const calculated = String(expected.query?.['X-Amz-Signature'] ?? '');
    if (calculated.length !== provided.length || !timingSafeEqual(Buffer.from(calculated), Buffer.from(provided))) {
      denied(ctx, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
      return;
    }
    return next();
  };
}
