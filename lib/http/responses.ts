import { AppError } from '../errors.js';
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
  if (error instanceof AppError) return jsonResponse(error.status, error.body);
  logger.error('unhandled error', { error: describeError(error) });
  return jsonResponse(500, { message: 'internal error' });
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
