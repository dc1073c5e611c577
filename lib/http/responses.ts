import { AppError, TooManyRequestsError } from '../errors.js';
import { logger } from '../logger.js';

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;

export function jsonResponse(statusCode: number, payload: unknown): HttpResponse {
  return { statusCode, headers: { ...JSON_HEADERS }, body: JSON.stringify(payload) };
}

/**
 * The single mapping from errors to responses. Known errors keep their status and body;
 * anything else is logged and becomes a 500 that reveals nothing of the internals.
 */
export function toHttpResponse(error: unknown): HttpResponse {
  if (error instanceof TooManyRequestsError) {
    const response = jsonResponse(error.status, error.body);
    return { ...response, headers: { ...response.headers, ...error.headers } };
  }
  if (error instanceof AppError) return jsonResponse(error.status, error.body);
  // The error itself: the logger writes its name, message, stack and cause, and no other property.
  logger.error('unhandled error', { error: error instanceof Error ? error : describeError(error) });
  return jsonResponse(500, { message: 'internal error' });
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** A CSV file (or, with `contentType`, another text file) as the response body, offered for download. */
export function csvResponse(body: string, filename: string, contentType = 'text/csv; charset=utf-8'): HttpResponse {
  return {
    statusCode: 200,
    headers: { 'content-type': contentType, 'content-disposition': `attachment; filename="${filename}"` },
    body,
  };
}

/** 303 See Other: clients follow it with a GET of `url`; the body says the same in JSON. */
export function seeOtherResponse(url: string, payload: Record<string, unknown>): HttpResponse {
  return { statusCode: 303, headers: { ...JSON_HEADERS, location: url }, body: JSON.stringify({ ...payload, url }) };
}
