import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
// The SDK's own signer (a dependency of @aws-sdk/client-s3): the check recomputes a signature
// exactly as the clients compute it.
import { SignatureV4 } from '@smithy/signature-v4';

function toBytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** SHA-256 and HMAC-SHA-256 for the signer, from node's crypto. */
export class NodeSha256 {
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

type Credentials = { accessKeyId: string; secretAccessKey: string };

function sameSignature(calculated: string, provided: string): boolean {
  return calculated.length === provided.length && timingSafeEqual(Buffer.from(calculated), Buffer.from(provided));
}

/** `20261202T053000Z` as a date; NaN when malformed. */
function amzDateOf(value: string): number {
  return Date.parse(value.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
}

/** The received request's query as the signer takes it: decoded, repeated keys as arrays. */
function queryOf(querystring: string, skip: (key: string) => boolean): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(querystring)) {
    if (skip(key)) continue;
    const existing = query[key];
    query[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}

function signedHeadersOf(ctx: KoaLikeContext, names: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = ctx.headers[name];
    headers[name] = Array.isArray(value) ? value.join(',') : String(value ?? '');
  }
  return headers;
}

function requestOf(ctx: KoaLikeContext, headers: Record<string, string>, query: Record<string, string | string[]>) {
  const [hostname = '', port] = (headers.host ?? '').split(':');
  // ctx.path is the path as sent (still percent-encoded), which is what S3 signs.
  return { method: ctx.method, protocol: 'http:', hostname, ...(port ? { port: Number(port) } : {}), path: ctx.path, query, headers };
}

/**
 * Checks presigned (query-string SigV4) requests as S3 does, which the embedded S3 server
 * does not: the signature must match the method, path, query and signed headers, and the URL
 * must not have expired. Without it a presigned upload URL could be edited to write another
 * owner's key on the laptop, while AWS would refuse it.
 */
async function checkPresigned(ctx: KoaLikeContext, query: URLSearchParams, provided: string, credentials: Credentials): Promise<boolean> {
  const [, , region = 'us-east-1', service = 's3'] = (query.get('X-Amz-Credential') ?? '').split('/');
  const expires = Number(query.get('X-Amz-Expires') ?? '0');
  const signedAt = amzDateOf(query.get('X-Amz-Date') ?? '');
  if (Number.isNaN(signedAt) || Date.now() > signedAt + expires * 1000) {
    denied(ctx, 'AccessDenied', 'Request has expired');
    return false;
  }
  const signedHeaders = (query.get('X-Amz-SignedHeaders') ?? '').split(';').filter((h) => h !== '');
  const headers = signedHeadersOf(ctx, signedHeaders);
  // The presigner adds the X-Amz-* parameters itself (the payload hash as UNSIGNED-PAYLOAD).
  const unsignedQuery = queryOf(ctx.querystring, (key) => key.startsWith('X-Amz-'));
  // The SDK's own presigner, given the request as received, must arrive at the same signature.
  const presigner = new S3RequestPresigner({ credentials, region, service, sha256: NodeSha256 });
  const expected = await presigner.presign(requestOf(ctx, headers, unsignedQuery), {
    signingDate: new Date(signedAt),
    expiresIn: expires,
    signableHeaders: new Set(signedHeaders),
  });
  if (!sameSignature(String(expected.query?.['X-Amz-Signature'] ?? ''), provided)) {
    denied(ctx, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    return false;
  }
  return true;
}

/** S3 refuses a signed request whose date is more than 15 minutes from its own clock. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/**
 * Checks a request signed in the Authorization header (SigV4, as the SDK clients sign) by
 * recomputing the signature with the SDK's signer over the request as received.
 *
 * The payload hash is taken from `x-amz-content-sha256` as signed (a hex digest,
 * `UNSIGNED-PAYLOAD`, or a `STREAMING-*` mode), not recomputed over the body: the signature
 * proves the sender holds the secret, which is what keeps other local users out. For
 * streaming (aws-chunked) uploads only this seed signature of the headers is verified, not
 * each chunk's signature.
 */
async function checkHeaderSigned(ctx: KoaLikeContext, authorization: string, credentials: Credentials): Promise<boolean> {
  const match = AUTHORIZATION.exec(authorization.trim());
  if (!match) {
    denied(ctx, 'AccessDenied', 'Unsupported Authorization header; sign requests with AWS Signature Version 4');
    return false;
  }
  const [, credential = '', signedHeaderList = '', provided = ''] = match;
  const [accessKeyId, , region = '', service = ''] = credential.split('/');
  if (accessKeyId !== credentials.accessKeyId) {
    denied(ctx, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
    return false;
  }
  const signedHeaders = signedHeaderList.split(';');
  const amzDate = String(ctx.headers['x-amz-date'] ?? '');
  const signedAt = amzDateOf(amzDate);
  if (!signedHeaders.includes('x-amz-date') || !signedHeaders.includes('x-amz-content-sha256') || Number.isNaN(signedAt)) {
    denied(ctx, 'AccessDenied', 'The request must sign x-amz-date and x-amz-content-sha256');
    return false;
  }
  if (Math.abs(Date.now() - signedAt) > MAX_CLOCK_SKEW_MS) {
    denied(ctx, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
    return false;
  }
  const headers = signedHeadersOf(ctx, signedHeaders);
  const signer = new SignatureV4({ credentials, region, service, sha256: NodeSha256, uriEscapePath: false, applyChecksum: true });
  const signed = await signer.sign(
    requestOf(
      ctx,
      headers,
      queryOf(ctx.querystring, () => false),
    ),
    {
      signingDate: new Date(signedAt),
      signableHeaders: new Set(signedHeaders),
    },
  );
  const calculated = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
  if (!sameSignature(calculated, provided)) {
    denied(ctx, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    return false;
  }
  return true;
}

/**
 * The embedded S3 server's access check, run before s3rver's own handling (which accepts
 * anonymous requests and does not verify SigV4 at all): a request must be a valid presigned
 * URL or be signed in its Authorization header with the local credentials; anything else is
 * refused 403 AccessDenied, as S3 refuses it on a private bucket. Refused writes never reach
 * s3rver, so they raise no ObjectCreated notification either.
 */
export function s3SignatureCheck(credentials: Credentials): Middleware {
  return async (ctx, next) => {
    // A CORS preflight carries no credentials, on S3 as here; the bucket's CORS rules decide.
    if (ctx.method === 'OPTIONS') return next();
    const query = new URLSearchParams(ctx.querystring);
    const presignature = query.get('X-Amz-Signature');
    const authorization = ctx.headers.authorization;
    if (presignature !== null && authorization !== undefined) {
      denied(ctx, 'InvalidArgument', 'Only one auth mechanism allowed');
      return;
    }
    if (presignature !== null) {
      if (await checkPresigned(ctx, query, presignature, credentials)) return next();
      return;
    }
    if (typeof authorization === 'string') {
      if (await checkHeaderSigned(ctx, authorization, credentials)) return next();
      return;
    }
    denied(ctx, 'AccessDenied', 'Access Denied');
  };
}
