import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../../bench/generate-csv.js';

/**
 * A fault-injecting HTTP proxy for tests: it sits between the service and an embedded server
 * (dynalite, or s3rver with `dialect: 's3'`) and, for a configurable share of the requests,
 * answers as a struggling AWS service would:
 *
 * - `throttle`: a throttling error (DynamoDB `ThrottlingException` 400, S3 `SlowDown` 503),
 *   nothing forwarded;
 * - `server-error`: a 500 (`InternalServerError` / `InternalError`), nothing forwarded;
 * - `drop-before`: the connection is destroyed before the request is forwarded;
 * - `drop-after`: the request is forwarded and fully handled upstream (the write happened),
 *   then the connection is destroyed: the answer is lost;
 * - `unprocessed` (DynamoDB only): only part of a BatchWriteItem / BatchGetItem is forwarded,
 *   the rest is answered as UnprocessedItems / UnprocessedKeys (drawn only for such batches);
 * - `delay`: the request is forwarded after a random delay of up to `delayMs`.
 *
 * Bounded: listens on 127.0.0.1 only, forwards to a loopback upstream only, buffers request
 * bodies up to `maxBodyBytes` (larger ones are answered 413), delays at most 5 s. Seeded: the
 * sequence of fault decisions is a function of the seed (which request meets which decision
 * depends on arrival order, which concurrency may vary).
 */
export type FaultKind = 'throttle' | 'server-error' | 'drop-before' | 'drop-after' | 'unprocessed' | 'delay';

export const ALL_FAULT_KINDS: readonly FaultKind[] = ['throttle', 'server-error', 'drop-before', 'drop-after', 'unprocessed', 'delay'];

/** What a fault rule may look at. */
export interface ProxiedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** DynamoDB's operation (`BatchWriteItem`), from the X-Amz-Target header. */
  operation: string | undefined;
}

export interface FaultSettings {
  /** The share of the requests (that `applies` selects) given a fault, 0 to 1. */
  rate: number;
  /** Drawn with equal odds for each faulted request. */
  kinds: readonly FaultKind[];
  /** The longest `delay`, in ms (at most 5,000). */
  delayMs: number;
  /**
   * Which requests may be faulted (all when absent): false for none, true for any of `kinds`,
   * a list for only those of `kinds`.
   */
  applies?: ((request: ProxiedRequest) => boolean | readonly FaultKind[]) | undefined;
}

export interface FaultStats {
  requests: number;
  injected: Record<FaultKind, number>;
}

export interface FaultProxy {
  url: string;
  /** Where requests go; may be set after start (the proxy can be started before the stack). */
  setUpstream(url: string): void;
  configure(settings: Partial<FaultSettings>): void;
  /** Counts since start or the last `resetStats`. */
  readonly stats: FaultStats;
  resetStats(): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions extends Partial<FaultSettings> {
  upstream?: string;
  seed?: number;
  dialect?: 'dynamodb' | 's3';
  maxBodyBytes?: number;
}

const MAX_DELAY_MS = 5_000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function loopbackUrl(raw: string): URL {
  const url = new URL(raw);
  if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname))
    throw new Error(`fault proxy: upstream must be http on loopback, got ${raw}`);
  return url;
}

function validated(settings: FaultSettings): FaultSettings {
  if (!(settings.rate >= 0 && settings.rate <= 1)) throw new Error(`fault proxy: rate must be 0..1, got ${settings.rate}`);
  if (settings.rate > 0 && settings.kinds.length === 0) throw new Error('fault proxy: no fault kinds');
  return { ...settings, delayMs: Math.min(Math.max(0, settings.delayMs), MAX_DELAY_MS) };
}

function emptyStats(): FaultStats {
  return { requests: 0, injected: Object.fromEntries(ALL_FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number> };
}

interface Upstream {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

type Dialect = NonNullable<FaultProxyOptions['dialect']>;

function errorReply(dialect: Dialect, kind: 'throttle' | 'server-error'): { status: number; contentType: string; body: string } {
  if (dialect === 's3') {
    const [status, code, message] =
      kind === 'throttle'
        ? [503, 'SlowDown', 'Please reduce your request rate.']
        : [500, 'InternalError', 'We encountered an internal error. Please try again.'];
    return {
      status,
      contentType: 'application/xml',
      body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    };
  }
  const [status, type, message] =
    kind === 'throttle'
      ? [400, 'ThrottlingException', 'Rate of requests exceeds the allowed throughput.']
      : [500, 'InternalServerError', 'Internal server error'];
  return {
    status,
    contentType: 'application/x-amz-json-1.0',
    body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }),
  };
}

interface Batch {
  input: { RequestItems: Record<string, unknown> };
  table: string;
  value: unknown;
  items: unknown[];
}

/** A BatchWriteItem / BatchGetItem of two or more items, which can be answered in part. */
function splittableBatch(operation: string | undefined, body: Buffer): Batch | undefined {
  if (operation !== 'BatchWriteItem' && operation !== 'BatchGetItem') return undefined;
  const input = JSON.parse(body.toString('utf8')) as Batch['input'];
  const [table, value] = Object.entries(input.RequestItems)[0] ?? [];
  if (table === undefined) return undefined;
  const items = operation === 'BatchWriteItem' ? (value as unknown[]) : (value as { Keys: unknown[] }).Keys;
  return items.length >= 2 ? { input, table, value, items } : undefined;
}

/**
 * The body to forward (the first `kept` items of the batch) and a function that adds the rest
 * to the upstream answer as UnprocessedItems / UnprocessedKeys.
 */
function splitBatch(
  operation: string | undefined,
  { input, table, value, items }: Batch,
  random: () => number,
): { forward: Buffer; addUnprocessed(answer: Buffer): Buffer } {
  const kept = 1 + Math.floor(random() * (items.length - 1));
  const forwarded = items.slice(0, kept);
  const rest = items.slice(kept);
  const writes = operation === 'BatchWriteItem';
  const forwardValue = writes ? forwarded : { ...(value as object), Keys: forwarded };
  return {
    forward: Buffer.from(JSON.stringify({ ...input, RequestItems: { [table]: forwardValue } })),
    addUnprocessed: (answer) => {
      const output = JSON.parse(answer.toString('utf8')) as Record<string, Record<string, unknown> | undefined>;
      if (writes) {
        const already = (output.UnprocessedItems?.[table] as unknown[] | undefined) ?? [];
        output.UnprocessedItems = { ...output.UnprocessedItems, [table]: [...already, ...rest] };
      } else {
        const already = (output.UnprocessedKeys?.[table] as { Keys: unknown[] } | undefined)?.Keys ?? [];
        output.UnprocessedKeys = { ...output.UnprocessedKeys, [table]: { ...(value as object), Keys: [...already, ...rest] } };
      }
      return Buffer.from(JSON.stringify(output));
    },
  };
}

export async function startFaultProxy(options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const dialect: Dialect = options.dialect ?? 'dynamodb';
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const random = seededRandom(options.seed ?? 1);
  let upstream = options.upstream ? loopbackUrl(options.upstream) : undefined;
  let settings = validated({
    rate: options.rate ?? 0,
    kinds: options.kinds ?? ALL_FAULT_KINDS,
    delayMs: options.delayMs ?? 100,
    applies: options.applies,
  });
  let stats = emptyStats();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  function forward(request: http.IncomingMessage, body: Buffer): Promise<Upstream> {
    const target = upstream;
    if (!target) return Promise.reject(new Error('fault proxy: no upstream set'));
    return new Promise((resolve, reject) => {
      // The Host header is kept as signed: S3 signatures cover it.
      const headers = { ...request.headers, 'content-length': String(body.length) };
      const outgoing = http.request(
        { agent, host: target.hostname.replace(/^\[|\]$/g, ''), port: target.port, method: request.method, path: request.url, headers },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }));
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  function reply(response: http.ServerResponse, answer: Upstream, body: Buffer = answer.body): void {
    const headers: http.OutgoingHttpHeaders = { ...answer.headers, 'content-length': String(body.length) };
    // A rewritten body no longer matches the upstream's checksum.
    if (body !== answer.body) delete headers['x-amz-crc32'];
    delete headers['transfer-encoding'];
    response.writeHead(answer.status, headers);
    response.end(body);
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBodyBytes) {
        response.writeHead(413, { connection: 'close' }).end();
        return;
      }
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks);
    const target = request.headers['x-amz-target'];
    const proxied: ProxiedRequest = {
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      headers: request.headers,
      body,
      operation: typeof target === 'string' ? target.split('.').pop() : undefined,
    };
    stats.requests += 1;
    const current = settings;
    const batch = dialect === 'dynamodb' ? splittableBatch(proxied.operation, body) : undefined;
    const applies = current.applies?.(proxied) ?? true;
    // Drawn among the kinds this request can meet, so that `rate` is the rate of faults.
    const kinds = current.kinds.filter(
      (k) => (k !== 'unprocessed' || batch) && (typeof applies === 'boolean' ? applies : applies.includes(k)),
    );
    const faulted = kinds.length > 0 && random() < current.rate;
    const kind = faulted ? kinds[Math.floor(random() * kinds.length)] : undefined;
    switch (kind) {
      case 'throttle':
      case 'server-error': {
        stats.injected[kind] += 1;
        const error = errorReply(dialect, kind);
        response.writeHead(error.status, { 'content-type': error.contentType, 'content-length': String(Buffer.byteLength(error.body)) });
        response.end(error.body);
        return;
      }
      case 'drop-before':
        stats.injected[kind] += 1;
        request.socket.destroy();
        return;
      case 'drop-after':
        stats.injected[kind] += 1;
        await forward(request, body);
        request.socket.destroy();
        return;
      case 'delay': {
        stats.injected[kind] += 1;
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * current.delayMs)));
        reply(response, await forward(request, body));
        return;
      }
      case 'unprocessed': {
        if (!batch) break;
        stats.injected[kind] += 1;
        const split = splitBatch(proxied.operation, batch, random);
        const answer = await forward(request, split.forward);
        reply(response, answer, answer.status === 200 ? split.addUnprocessed(answer.body) : answer.body);
        return;
      }
      case undefined:
        break;
    }
    reply(response, await forward(request, body));
  }

  const server = http.createServer((request, response) => {
    handle(request, response).catch(() => {
      // The upstream failed or went away (the stack is closing): a gateway error, as a real proxy would.
      if (!response.headersSent) response.writeHead(502).end();
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setUpstream: (url) => {
      upstream = loopbackUrl(url);
    },
    configure: (next) => {
      settings = validated({ ...settings, ...next });
    },
    get stats() {
      return stats;
    },
    resetStats: () => {
      stats = emptyStats();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
