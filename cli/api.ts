import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** An answer of the API that is not what the command asked for: its status and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The `error` field: what to change (400s). */
    readonly hint?: string,
    readonly retryAfterSeconds?: number,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** The service could not be reached at all (refused, DNS, reset): no status to show. */
export class ConnectionError extends Error {}

/** The command could not do what was asked for a reason the message says (a failed job). */
export class CommandFailure extends Error {}

export interface Answer {
  status: number;
  headers: Headers;
  /** The body as sent (a CSV keeps its byte-order mark). */
  bytes: Uint8Array;
  text: string;
}

/** The JSON of an answer, or undefined when it is not JSON. */
export function jsonOf(answer: Answer): unknown {
  try {
    return JSON.parse(answer.text);
  } catch {
    return undefined;
  }
}

/** The ApiError an unexpected answer stands for, with the service's own `message` and `error`. */
export function apiErrorOf(answer: Answer): ApiError {
  const body = jsonOf(answer) as { message?: unknown; error?: unknown } | undefined;
  const message =
    typeof body?.message === 'string' ? body.message : answer.text.trim().slice(0, 200) || http.STATUS_CODES[answer.status] || 'error';
  const hint = typeof body?.error === 'string' ? body.error : undefined;
  const retryAfter = Number(answer.headers.get('retry-after'));
  return new ApiError(answer.status, message, hint, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined, body);
}

/** A body to send with upload progress: bytes in memory or a file of known size. */
export type UploadBody = { bytes: Uint8Array } | { path: string; size: number };

/**
 * Sends one request whose body is counted as it goes out (fetch cannot report upload
 * progress), and reads the whole answer. Used for the synchronous import's form and for the
 * presigned PUT; `onSent` gets the bytes handed to the socket so far.
 */
export function send(
  url: string,
  init: { method: string; headers: Record<string, string>; body: UploadBody },
  onSent: (sent: number, total: number) => void,
): Promise<Answer> {
  const target = new URL(url);
  const total = 'bytes' in init.body ? init.body.bytes.length : init.body.size;
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise<Answer>((resolve, reject) => {
    const request = transport.request(
      target,
      { method: init.method, headers: { ...init.headers, 'content-length': String(total) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          const bytes = Buffer.concat(chunks);
          resolve({ status: response.statusCode ?? 0, headers, bytes, text: bytes.toString('utf8') });
        });
      },
    );
    request.on('error', (error) => reject(new ConnectionError(`${target.origin}: ${error.message}`)));
    let sent = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sent += chunk.length;
        onSent(sent, total);
        done(null, chunk);
      },
    });
    const source =
      'bytes' in init.body
        ? (async function* (bytes: Uint8Array) {
            // Slices, so that progress moves while a few MB go out.
            for (let at = 0; at < bytes.length; at += 64 * 1024) yield bytes.subarray(at, at + 64 * 1024);
          })(init.body.bytes)
        : createReadStream(init.body.path);
    // A server that answers before reading everything (a 413, a 403 from S3) ends the request
    // early; the answer is what counts, so a write error after it is not reported twice.
    pipeline(source, counter, request).catch(() => {});
  });
}

/** The API at `baseUrl` with one bearer token: JSON and text calls, errors as ApiError. */
export class Api {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** A request to the API, redirects not followed (a 303's download URL must not get the token). */
  async request(path: string, init: { method?: string; headers?: Record<string, string>; body?: string | FormData } = {}): Promise<Answer> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${this.token}`, ...init.headers },
        ...(init.body !== undefined ? { body: init.body } : {}),
        redirect: 'manual',
      });
    } catch (error) {
      throw new ConnectionError(`${this.baseUrl}: ${reasonOf(error)}`);
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, bytes, text: bytes.toString('utf8') };
  }

  /** GET or POST expecting JSON with one of `ok` statuses; anything else throws ApiError. */
  async json<T>(path: string, init: { method?: string; body?: unknown } = {}, ok: number[] = [200]): Promise<T> {
    const answer = await this.request(path, {
      method: init.method ?? 'GET',
      ...(init.body !== undefined ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } } : {}),
    });
    if (!ok.includes(answer.status)) throw apiErrorOf(answer);
    return jsonOf(answer) as T;
  }

  /**
   * A CSV download (export, errors.csv): the body, or the file behind a 303's Location,
   * fetched without the token (it is a presigned URL, and S3 would refuse a second credential).
   */
  async download(path: string): Promise<Response> {
    const answer = await this.request(path);
    if (answer.status === 200) return new Response(answer.bytes, { headers: answer.headers });
    const location = answer.headers.get('location');
    if (answer.status !== 303 || !location) throw apiErrorOf(answer);
    let response: Response;
    try {
      response = await fetch(new URL(location, this.baseUrl));
    } catch (error) {
      throw new ConnectionError(`download link: ${reasonOf(error)}`);
    }
    if (!response.ok) throw new ApiError(response.status, `download link answered ${response.status}`);
    return response;
  }

  /** An absolute URL for a path of the API. */
  urlOf(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  get authorization(): string {
    return `Bearer ${this.token}`;
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error) return cause.message;
    return error.message;
  }
  return String(error);
}
