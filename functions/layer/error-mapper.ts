import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type HttpResponse, toHttpResponse } from '../../lib/http/responses.js';

/**
 * The one `onError` of every HTTP function: any error becomes the response `toHttpResponse`
 * gives it (lib/http/responses.ts), where a 5xx says nothing of the internals and is logged.
 * Registered first on each route so that it runs last, after the other middlewares' `onError`
 * (the route limit frees its slot, the metrics are published).
 *
 * Ours, not @middy/http-error-handler: that one answers `error.message` as the body and trusts
 * any error carrying a `statusCode`; the contract's bodies are richer (`{code, message}` on 401,
 * the counts of a 413, `Retry-After` on 429), and lib/errors.ts already carries them.
 */
export function httpErrorMapper(): MiddlewareObj<APIGatewayProxyEvent, HttpResponse> {
  return {
    name: 'httpErrorMapper',
    onError: (request) => {
      request.response = toHttpResponse(request.error);
    },
  };
}
