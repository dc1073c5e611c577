import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayAuthorizerResult, APIGatewayProxyResult } from 'aws-lambda';
import { authorizerEventOf, type GatewayRequest, gatewayRequestOf, proxyEventOf } from './events.js';
import type { FunctionInvoker } from './functions.js';
import { matchRoute, routesAtPath } from './routes.js';
import type { HttpRoute, ServiceDefinition, ThrottlingDefinition } from './service-definition.js';
import { methodThrottle } from './throttling.js';

/** API Gateway REST APIs refuse bodies over 10 MB before anything runs. */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** A synchronous Lambda invocation carries at most 6 MB of event JSON (base64 body included). */
export const LAMBDA_MAX_EVENT_BYTES = 6 * 1024 * 1024;

export interface Gateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface GatewayOptions {
  definition: ServiceDefinition;
  functions: FunctionInvoker;
  port: number;
  host?: string;
  /**
   * Method throttling; default: serverless.yml's custom.apiGatewayThrottling, or none when the
   * environment sets LOCAL_GATEWAY_THROTTLING=off (load tests measure the service, not this).
   */
  throttling?: ThrottlingDefinition | null;
  /** CORS_ORIGINS as lib/config.ts reads it: the origins a preflight is allowed for. */
  corsOrigins?: string[];
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

/** An answer the gateway gives itself, rendered from serverless.yml's gateway responses. */
type GatewayAnswer = { type: string; fallbackStatus: number; fallbackMessage: string; context?: Record<string, unknown> };

/** A request header, whatever its case (Node lower-cases them). */
function requestHeader(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * A gateway response's ResponseParameters, as API Gateway maps them: `'text'` is sent as is,
 * `method.request.header.X` is the request's header (left out when the request has none).
 */
function mappedHeadersOf(parameters: Record<string, string>, request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parameters)) {
    const fromRequest = /^method\.request\.header\.(.+)$/.exec(value)?.[1];
    const mapped = fromRequest ? requestHeader(request, fromRequest) : /^'(.*)'$/.exec(value)?.[1];
    if (mapped !== undefined && mapped !== '') headers[name] = mapped;
  }
  return headers;
}

function writeGatewayResponse(
  definition: ServiceDefinition,
  request: IncomingMessage,
  response: ServerResponse,
  answer: GatewayAnswer,
): void {
  const configured = definition.gatewayResponses[answer.type];
  const context = answer.context ?? {};
  const body = configured
    ? configured.template.replace(/\$context\.authorizer\.([A-Za-z0-9_]+)/g, (_, key: string) =>
        JSON.stringify(String(context[key] ?? '')).slice(1, -1),
      )
    : JSON.stringify({ message: answer.fallbackMessage });
  response.writeHead(configured?.statusCode ?? answer.fallbackStatus, {
    ...mappedHeadersOf(configured?.headers ?? {}, request),
    'content-type': 'application/json',
    'x-amzn-errortype': answer.type,
  });
  response.end(body);
}

const TOO_LARGE: GatewayAnswer = { type: 'REQUEST_TOO_LARGE', fallbackStatus: 413, fallbackMessage: 'Request Too Long' };

/** The authorizer's verdict: the context handed to the function, or the gateway's answer. */
async function authorize(
  functions: FunctionInvoker,
  request: GatewayRequest,
): Promise<{ context?: Record<string, unknown>; refusal?: GatewayAnswer }> {
  const authorizer = request.matched.route.authorizerFunction;
  if (!authorizer) return {};
  let result: APIGatewayAuthorizerResult;
  try {
    result = (await functions.invoke(authorizer, authorizerEventOf(request))) as APIGatewayAuthorizerResult;
  } catch (error) {
    if (error instanceof Error && error.message === 'Unauthorized')
      return { refusal: { type: 'UNAUTHORIZED', fallbackStatus: 401, fallbackMessage: 'Unauthorized' } };
    // API Gateway logs an authorizer's failure and answers 500; say why here too, as a handler
    // that fails while loading never reaches the authorizer's own logging.
    process.stderr.write(`${authorizer} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    return { refusal: { type: 'AUTHORIZER_FAILURE', fallbackStatus: 500, fallbackMessage: 'authorizer failed' } };
  }
  const statements = result.policyDocument?.Statement ?? [];
  if (statements.length === 0 || statements.some((statement) => statement.Effect !== 'Allow')) {
    return {
      refusal: {
        type: 'ACCESS_DENIED',
        fallbackStatus: 403,
        fallbackMessage: 'User is not authorized to access this resource',
        context: result.context ?? {},
      },
    };
  }
  return { context: { ...(result.context ?? {}), principalId: result.principalId } };
}

function writeProxyResult(response: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
  for (const [key, values] of Object.entries(result.multiValueHeaders ?? {})) headers[key] = values.map(String);
  response.writeHead(result.statusCode, headers);
  response.end(result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'));
}

/** The function behind the route, and its answer; a function that fails is API Gateway's 502. */
async function proxy(
  options: GatewayOptions,
  incoming: IncomingMessage,
  request: GatewayRequest,
  body: Buffer,
  authorizer: Record<string, unknown> | undefined,
  response: ServerResponse,
): Promise<void> {
  const contentType = (request.headers['Content-Type'] ?? request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const binary = options.definition.binaryMediaTypes.some((type) => type.toLowerCase() === contentType || type === '*/*');
  const event = proxyEventOf(request, body, binary, authorizer);
  if (Buffer.byteLength(JSON.stringify(event)) > LAMBDA_MAX_EVENT_BYTES)
    return writeGatewayResponse(options.definition, incoming, response, TOO_LARGE);
  const { functionName } = request.matched.route;
  let result: APIGatewayProxyResult;
  try {
    result = (await options.functions.invoke(functionName, event)) as APIGatewayProxyResult;
  } catch (error) {
    process.stderr.write(`${functionName} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    response.writeHead(502, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ message: 'Internal server error' }));
    return;
  }
  writeProxyResult(response, result);
}

/**
 * The CORS preflight of a path whose routes declare `cors:`, answered by the gateway as API
 * Gateway's MOCK integration does (200, empty body, no authorizer): the path's methods and the
 * declared headers, and `Access-Control-Allow-Origin` only for an origin of CORS_ORIGINS. (API
 * Gateway's template sends its first origin to a stranger instead; a browser refuses either.)
 */
function writePreflight(routes: HttpRoute[], corsOrigins: string[], request: IncomingMessage, response: ServerResponse): void {
  const origin = requestHeader(request, 'origin');
  const methods = [...new Set([...routes.map((route) => route.method), 'OPTIONS'])];
  const headers = [...new Set(routes.flatMap((route) => route.cors?.headers ?? []))];
  const maxAge = routes.find((route) => route.cors?.maxAge !== undefined)?.cors?.maxAge;
  response.writeHead(200, {
    'content-type': 'application/json',
    'access-control-allow-methods': methods.join(','),
    'access-control-allow-headers': headers.join(','),
    ...(maxAge !== undefined ? { 'access-control-max-age': String(maxAge) } : {}),
    ...(origin !== undefined && corsOrigins.includes(origin) ? { 'access-control-allow-origin': origin } : {}),
  });
  response.end();
}

/** One request, in API Gateway's order: body limit, route (or preflight), throttling, authorizer, function. */
function requestHandler(options: GatewayOptions): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const { definition } = options;
  const throttlingOff = process.env.LOCAL_GATEWAY_THROTTLING?.trim().toLowerCase() === 'off';
  const admitted = methodThrottle(options.throttling !== undefined ? options.throttling : throttlingOff ? null : definition.throttling);
  const corsOrigins = options.corsOrigins ?? [];
  return async (request, response) => {
    const answer = (gatewayAnswer: GatewayAnswer) => writeGatewayResponse(definition, request, response, gatewayAnswer);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = (request.method ?? 'GET').toUpperCase();
    const matched = matchRoute(definition.routes, method, url.pathname);
    let body: Buffer;
    try {
      body = await readBody(request, API_GATEWAY_MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLarge) return answer(TOO_LARGE);
      throw error;
    }
    const corsRoutes = method === 'OPTIONS' && !matched ? routesAtPath(definition.routes, url.pathname).filter((r) => r.cors) : [];
    if (corsRoutes.length > 0) return writePreflight(corsRoutes, corsOrigins, request, response);
    if (!matched)
      return answer({
        type: 'MISSING_AUTHENTICATION_TOKEN',
        fallbackStatus: 403,
        fallbackMessage: 'Missing Authentication Token',
      });
    // API Gateway throttles before the authorizer runs: a throttled request costs nothing.
    if (!admitted(matched.route)) return answer({ type: 'THROTTLED', fallbackStatus: 429, fallbackMessage: 'Too Many Requests' });
    const gatewayRequest = gatewayRequestOf(request, url, matched);
    const verdict = await authorize(options.functions, gatewayRequest);
    if (verdict.refusal) return answer(verdict.refusal);
    await proxy(options, request, gatewayRequest, body, verdict.context, response);
  };
}

/**
 * An API Gateway (REST, Lambda proxy) stand-in for the laptop: routes, the REQUEST
 * authorizer, gateway responses and binary media types all come from serverless.yml.
 * The authorizer sees the socket's peer address as `requestContext.identity.sourceIp`,
 * exactly as API Gateway fills it; X-Forwarded-For is passed on as a header and nothing more.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const handle = requestHandler(options);
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
