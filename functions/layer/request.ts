import type { APIGatewayProxyEvent } from 'aws-lambda';
import { BadRequestError } from '../../lib/errors.js';

type HttpEvent = APIGatewayProxyEvent;

/** A request header, whatever its case. */
export function header(event: HttpEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

export function requestBody(event: HttpEvent): Buffer {
  if (event.body === null || event.body === undefined) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

/** The JSON object of the request body (an empty body reads as `{}`). */
export function jsonBody(event: HttpEvent): Record<string, unknown> {
  const text = requestBody(event).toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError('invalid JSON body', error instanceof Error ? error.message : String(error));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestError('invalid JSON body', 'the body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** A path parameter, %-decoded; a malformed escape (`%E0%A4%A`) is the client's 400. */
export function pathParameter(event: HttpEvent, name: string): string {
  const raw = event.pathParameters?.[name] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new BadRequestError('invalid path', `the path parameter '${name}' is not valid %-encoded UTF-8`);
  }
}
