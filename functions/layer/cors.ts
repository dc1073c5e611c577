import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { configSection } from '../../lib/config.js';
import type { HttpResponse } from '../../lib/http/responses.js';
import { header } from './request.js';

/**
 * Headers a browser client on another origin may read besides the simple ones: the wait of a
 * 429, the download link of a 303, the file name of a CSV.
 */
const EXPOSED_HEADERS = 'retry-after, location, content-disposition';

/**
 * `Access-Control-Allow-Origin` on every answer of an HTTP function, errors included, when the
 * request's `Origin` is one of CORS_ORIGINS (lib/config.ts); the preflight is the gateway's
 * (serverless.yml `cors:`, local/gateway.ts). `Vary: Origin` so that a cache never hands one
 * origin's answer to another. Registered first, so that its `onError` runs last, once the error
 * mapper has made the response.
 */
export function corsHeaders(): MiddlewareObj<APIGatewayProxyEvent, HttpResponse> {
  const { corsOrigins } = configSection('cors');
  const decorate = (request: { event: APIGatewayProxyEvent; response: HttpResponse | null | undefined }) => {
    if (corsOrigins.length === 0 || !request.response) return;
    const origin = header(request.event, 'origin');
    const headers: Record<string, string> = { ...request.response.headers, vary: 'Origin' };
    if (origin !== undefined && corsOrigins.includes(origin)) {
      headers['access-control-allow-origin'] = origin;
      headers['access-control-expose-headers'] = EXPOSED_HEADERS;
    }
    request.response = { ...request.response, headers };
  };
  return { name: 'corsHeaders', after: decorate, onError: decorate };
}
