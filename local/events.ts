import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, ScheduledEvent } from 'aws-lambda';
import type { MatchedRoute } from './routes.js';

/**
 * The events the local stack delivers, built in one place as AWS shapes them: API Gateway's
 * REQUEST authorizer event and Lambda proxy event (from the same request), S3 notifications
 * and EventBridge schedule ticks.
 */

export const GATEWAY_STAGE = 'local';
export const GATEWAY_API_ID = 'local';
export const ACCOUNT_ID = '000000000000';

/** What API Gateway knows of a request before anything runs: both its events are made of it. */
export interface GatewayRequest {
  method: string;
  path: string;
  matched: MatchedRoute;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  multiValueQuery: Record<string, string[]>;
  requestContext: Record<string, unknown>;
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

/**
 * The request as API Gateway sees it. `identity.sourceIp` is the socket's peer address,
 * exactly as API Gateway fills it; X-Forwarded-For is a header like any other.
 */
export function gatewayRequestOf(request: IncomingMessage, url: URL, matched: MatchedRoute): GatewayRequest {
  const method = (request.method ?? 'GET').toUpperCase();
  const multiValueHeaders = headersOf(request);
  const headers = singleValued(multiValueHeaders);
  const multiValueQuery: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) multiValueQuery[key] = [...(multiValueQuery[key] ?? []), value];
  const requestContext = {
    accountId: ACCOUNT_ID,
    apiId: GATEWAY_API_ID,
    stage: GATEWAY_STAGE,
    requestId: randomUUID(),
    resourceId: matched.route.resource,
    resourcePath: matched.route.resource,
    httpMethod: method,
    path: `/${GATEWAY_STAGE}${url.pathname}`,
    protocol: `HTTP/${request.httpVersion}`,
    requestTimeEpoch: Date.now(),
    identity: { sourceIp: sourceIpOf(request), userAgent: headers['User-Agent'] ?? headers['user-agent'] ?? null },
  };
  return { method, path: url.pathname, matched, headers, multiValueHeaders, multiValueQuery, requestContext };
}

/** What both events carry: the route, the headers and the query, as API Gateway spells them. */
function commonPartOf(request: GatewayRequest) {
  const hasQuery = Object.keys(request.multiValueQuery).length > 0;
  return {
    resource: request.matched.route.resource,
    path: request.path,
    httpMethod: request.method,
    headers: request.headers,
    multiValueHeaders: request.multiValueHeaders,
    queryStringParameters: hasQuery ? singleValued(request.multiValueQuery) : null,
    multiValueQueryStringParameters: hasQuery ? request.multiValueQuery : null,
    pathParameters: request.matched.pathParameters,
    stageVariables: null,
  };
}

export function authorizerEventOf(request: GatewayRequest): APIGatewayRequestAuthorizerEvent {
  const methodArn = `arn:aws:execute-api:local:${ACCOUNT_ID}:${GATEWAY_API_ID}/${GATEWAY_STAGE}/${request.method}${request.matched.route.resource}`;
  return {
    type: 'REQUEST',
    methodArn,
    ...commonPartOf(request),
    requestContext: request.requestContext,
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

/** The Lambda proxy event; `binary` bodies (binaryMediaTypes) travel base64-encoded. */
export function proxyEventOf(
  request: GatewayRequest,
  body: Buffer,
  binary: boolean,
  authorizer: Record<string, unknown> | undefined,
): APIGatewayProxyEvent {
  return {
    ...commonPartOf(request),
    requestContext: { ...request.requestContext, authorizer } as unknown as APIGatewayProxyEvent['requestContext'],
    body: body.length === 0 ? null : body.toString(binary ? 'base64' : 'utf8'),
    isBase64Encoded: binary && body.length > 0,
  };
}

/** S3 URL-encodes keys in notifications (spaces as '+'); the embedded server does not. */
function encodeEventKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');
}

export interface S3EventRecord {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string } };
}

/** One record of s3rver's event, delivered as S3 delivers a notification: one record, key encoded. */
export function s3NotificationEventOf(record: S3EventRecord): { Records: S3EventRecord[] } {
  return { Records: [{ ...record, s3: { ...record.s3, object: { ...record.s3.object, key: encodeEventKey(record.s3.object.key) } } }] };
}

/** The EventBridge event a `schedule:` delivers (the fields the handlers read). */
export function scheduledEvent(): Pick<ScheduledEvent, 'source' | 'detail-type' | 'detail'> {
  return { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
}
