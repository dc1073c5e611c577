import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';
import type { LocalFunctions } from './functions.js';
import type { HttpRoute, ServiceDefinition, ThrottleLimits, ThrottlingDefinition } from './service-definition.js';

/** API Gateway REST APIs refuse bodies over 10 MB before anything runs. */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** A synchronous Lambda invocation carries at most 6 MB of event JSON (base64 body included). */
export const LAMBDA_MAX_EVENT_BYTES = 6 * 1024 * 1024;

const STAGE = 'local';
const API_ID = 'local';
const ACCOUNT_ID = '000000000000';

export interface Gateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface GatewayOptions {
  definition: ServiceDefinition;
  functions: LocalFunctions;
  port: number;
  host?: string;
  /**
   * Method throttling; default: serverless.yml's custom.apiGatewayThrottling, or none when the
   * environment sets LOCAL_GATEWAY_THROTTLING=off (load tests measure the service, not this).
   */
  throttling?: ThrottlingDefinition | null;
}

/** API Gateway's token bucket: `burstLimit` requests at once, refilled at `rateLimit` per second. */
class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(private readonly limits: ThrottleLimits) {
    this.tokens = limits.burstLimit;
    this.refilledAt = Date.now();
  }

  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.limits.burstLimit, this.tokens + ((now - this.refilledAt) / 1000) * this.limits.rateLimit);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** One bucket per method of each route, as API Gateway throttles a stage's methods. */
function methodThrottle(throttling: ThrottlingDefinition | null | undefined): (route: HttpRoute) => boolean {
  if (!throttling) return () => true;
  const buckets = new Map<string, TokenBucket>();
  return (route) => {
    const key = `${route.method} ${route.resource}`;
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(throttling.methods[key] ?? throttling);
      buckets.set(key, bucket);
    }
    return bucket.take();
  };
}

interface MatchedRoute {
  route: HttpRoute;
  pathParameters: Record<string, string> | null;
}

function matchRoute(routes: HttpRoute[], method: string, requestPath: string): MatchedRoute | undefined {
  // API Gateway treats /a/b/ as /a/b.
  const segments = requestPath.replace(/\/+$/, '').split('/');
  for (const route of routes) {
    if (route.method !== method && route.method !== 'ANY') continue;
    const template = route.resource.split('/');
    if (template.length !== segments.length) continue;
    const parameters: Record<string, string> = {};
    const matches = template.every((part, i) => {
      const actual = segments[i] ?? '';
      const parameter = /^\{(.+)\}$/.exec(part);
      if (parameter?.[1]) {
        parameters[parameter[1]] = actual;
        return actual !== '';
      }
      return part === actual;
    });
    if (matches) return { route, pathParameters: Object.keys(parameters).length > 0 ? parameters : null };
  }
  return undefined;
}

function singleValued(multi: Record<string, string[]>): Record<string, string> {
  return Object.fromEntries(Object.entries(multi).map(([key, values]) => [key, values[values.length - 1] ?? '']));
}

function headersOf(request: IncomingMessage): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] ?? '';
    headers[name] = [...(headers[name] ?? []), request.rawHeaders[i + 1] ?? ''];
  }
  return headers;
}

/** The TCP peer, written as API Gateway writes it (plain dotted IPv4 for IPv4 clients). */
function sourceIpOf(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

class BodyTooLarge extends Error {}

/**
 * Reads the request body; past `limit` it keeps draining without storing, so the client
 * finishes sending and then reads the 413 instead of a reset connection.
 */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    request.on('end', () => (size > limit ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks, size))));
    request.on('error', reject);
  });
}

/**
 * An API Gateway (REST, Lambda proxy) stand-in for the laptop: routes, the REQUEST
 * authorizer, gateway responses and binary media types all come from serverless.yml.
 * The authorizer sees the socket's peer address as `requestContext.identity.sourceIp`,
 * exactly as API Gateway fills it; X-Forwarded-For is passed on as a header and nothing more.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { definition } = options;
  const invoke = (name: string, event: unknown) => options.functions.invoke(name, event);
  const throttlingOff = process.env.LOCAL_GATEWAY_THROTTLING?.trim().toLowerCase() === 'off';
  const admitted = methodThrottle(options.throttling !== undefined ? options.throttling : throttlingOff ? null : definition.throttling);

  const gatewayResponse = (
    response: ServerResponse,
    type: string,
    fallbackStatus: number,
    fallbackMessage: string,
    context: Record<string, unknown> = {},
  ): void => {
    const configured = definition.gatewayResponses[type];
    const body = configured
      ? configured.template.replace(/\$context\.authorizer\.([A-Za-z0-9_]+)/g, (_, key: string) =>
          JSON.stringify(String(context[key] ?? '')).slice(1, -1),
        )
      : JSON.stringify({ message: fallbackMessage });
    response.writeHead(configured?.statusCode ?? fallbackStatus, {
      'content-type': 'application/json',
      'x-amzn-errortype': type,
    });
    response.end(body);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = (request.method ?? 'GET').toUpperCase();
    const matched = matchRoute(definition.routes, method, url.pathname);
    let body: Buffer;
    try {
      body = await readBody(request, API_GATEWAY_MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        gatewayResponse(response, 'REQUEST_TOO_LARGE', 413, 'Request Too Long');
        return;
      }
      throw error;
    }
    if (!matched) {
      gatewayResponse(response, 'MISSING_AUTHENTICATION_TOKEN', 403, 'Missing Authentication Token');
      return;
    }
    const { route, pathParameters } = matched;
    // API Gateway throttles before the authorizer runs: a throttled request costs nothing.
    if (!admitted(route)) {
      gatewayResponse(response, 'THROTTLED', 429, 'Too Many Requests');
      return;
    }
    const multiValueHeaders = headersOf(request);
    const headers = singleValued(multiValueHeaders);
    const multiValueQuery: Record<string, string[]> = {};
    for (const [key, value] of url.searchParams) multiValueQuery[key] = [...(multiValueQuery[key] ?? []), value];
    const hasQuery = Object.keys(multiValueQuery).length > 0;
    const contentType = (headers['Content-Type'] ?? headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const binary = definition.binaryMediaTypes.some((type) => type.toLowerCase() === contentType || type === '*/*');
    const requestId = randomUUID();
    const requestContext = {
      accountId: ACCOUNT_ID,
      apiId: API_ID,
      stage: STAGE,
      requestId,
      resourceId: route.resource,
      resourcePath: route.resource,
      httpMethod: method,
      path: `/${STAGE}${url.pathname}`,
      protocol: `HTTP/${request.httpVersion}`,
      requestTimeEpoch: Date.now(),
      identity: { sourceIp: sourceIpOf(request), userAgent: headers['User-Agent'] ?? headers['user-agent'] ?? null },
    };
    const methodArn = `arn:aws:execute-api:local:${ACCOUNT_ID}:${API_ID}/${STAGE}/${method}${route.resource}`;

    let authorizerContext: Record<string, unknown> | undefined;
    if (route.authorizerFunction) {
      const authorizerEvent = {
        type: 'REQUEST',
        methodArn,
        resource: route.resource,
        path: url.pathname,
        httpMethod: method,
        headers,
        multiValueHeaders,
        queryStringParameters: hasQuery ? singleValued(multiValueQuery) : null,
        multiValueQueryStringParameters: hasQuery ? multiValueQuery : null,
        pathParameters,
        stageVariables: null,
        requestContext,
      } as unknown as APIGatewayRequestAuthorizerEvent;
      let result: APIGatewayAuthorizerResult;
      try {
        result = (await invoke(route.authorizerFunction, authorizerEvent)) as APIGatewayAuthorizerResult;
      } catch (error) {
        if (error instanceof Error && error.message === 'Unauthorized') {
          gatewayResponse(response, 'UNAUTHORIZED', 401, 'Unauthorized');
        } else {
          gatewayResponse(response, 'AUTHORIZER_FAILURE', 500, 'authorizer failed');
        }
        return;
      }
      const statements = result.policyDocument?.Statement ?? [];
      const allowed = statements.length > 0 && statements.every((statement) => statement.Effect === 'Allow');
      if (!allowed) {
        gatewayResponse(response, 'ACCESS_DENIED', 403, 'User is not authorized to access this resource', result.context ?? {});
        return;
      }
      authorizerContext = { ...(result.context ?? {}), principalId: result.principalId };
    }

    const event: APIGatewayProxyEvent = {
      resource: route.resource,
      path: url.pathname,
      httpMethod: method,
      headers,
      multiValueHeaders,
      queryStringParameters: hasQuery ? singleValued(multiValueQuery) : null,
      multiValueQueryStringParameters: hasQuery ? multiValueQuery : null,
      pathParameters,
      stageVariables: null,
      requestContext: { ...requestContext, authorizer: authorizerContext } as unknown as APIGatewayProxyEvent['requestContext'],
      body: body.length === 0 ? null : body.toString(binary ? 'base64' : 'utf8'),
      isBase64Encoded: binary && body.length > 0,
    };
    if (Buffer.byteLength(JSON.stringify(event)) > LAMBDA_MAX_EVENT_BYTES) {
      gatewayResponse(response, 'REQUEST_TOO_LARGE', 413, 'Request Too Long');
      return;
    }
    let result: APIGatewayProxyResult;
    try {
      result = (await invoke(route.functionName, event)) as APIGatewayProxyResult;
    } catch (error) {
      process.stderr.write(`${route.functionName} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      response.writeHead(502, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'Internal server error' }));
      return;
    }
    const responseHeaders: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
    for (const [key, values] of Object.entries(result.multiValueHeaders ?? {})) responseHeaders[key] = values.map(String);
    response.writeHead(result.statusCode, responseHeaders);
    response.end(result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'));
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      process.stderr.write(`gateway error: ${error instanceof Error ? error.stack : String(error)}\n`);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'Internal server error' }));
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
