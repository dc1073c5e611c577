import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { dynamoClient } from '../lib/adapters/aws-clients.js';
import { DynamoContactRepository } from '../lib/adapters/dynamodb-contacts.js';
import { DynamoUserRepository } from '../lib/adapters/dynamodb-users.js';
import { ACCESS_MESSAGES } from '../lib/auth/access.js';
import { type Config, loadConfig } from '../lib/config.js';
import { UnauthorizedError } from '../lib/errors.js';
import { type HttpResponse, toHttpResponse } from '../lib/http/responses.js';

/**
 * Composition root shared by the HTTP handlers: configuration is read and validated once per
 * container (a bad variable fails the cold start with its name), clients are created once.
 */
export const config: Config = loadConfig();
export const contacts = new DynamoContactRepository(dynamoClient(config), config.contactsTable);
export const users = new DynamoUserRepository(dynamoClient(config), config.usersTable);

type HttpEvent = APIGatewayProxyEvent;

/** Wraps a handler so that every error goes through the one error-to-response mapping. */
export function httpHandler(
  handle: (event: HttpEvent) => Promise<HttpResponse>,
): (event: HttpEvent) => Promise<APIGatewayProxyResult> {
  return async (event) => {
    try {
      return await handle(event);
    } catch (error) {
      return toHttpResponse(error);
    }
  };
}

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

/**
 * What the authorizer established, as API Gateway passes it on. The authorizer lets an
 * admin request from an allowed IP through even with a bad token (so the 401 body can be
 * the contract's own); this check is what refuses it.
 */
export function requireSuperAdmin(event: HttpEvent): void {
  const context = event.requestContext.authorizer;
  if (context?.principal !== 'super-admin') {
    throw new UnauthorizedError(ACCESS_MESSAGES.superAdminRequired);
  }
}

/** The username of the authenticated user (the token's `sub`). */
export function requireUser(event: HttpEvent): string {
  const context = event.requestContext.authorizer;
  if (context?.principal !== 'user' || typeof context.username !== 'string') {
    throw new UnauthorizedError(ACCESS_MESSAGES.authorizationRequired);
  }
  return context.username;
}

export const importDeps = {
  writer: contacts,
  writeConcurrency: config.writeConcurrency,
  maxErrorMessages: config.maxErrorMessages,
};
