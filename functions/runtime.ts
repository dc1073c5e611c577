import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { dynamoClient, lambdaClient, s3Client } from '../lib/adapters/aws-clients.js';
import { DynamoContactRepository } from '../lib/adapters/dynamodb-contacts.js';
import { DynamoJobStore } from '../lib/adapters/dynamodb-jobs.js';
import { DynamoSourceStore } from '../lib/adapters/dynamodb-sources.js';
import { DynamoUserRepository } from '../lib/adapters/dynamodb-users.js';
import { LambdaImportTrigger } from '../lib/adapters/lambda-trigger.js';
import { S3FileStore } from '../lib/adapters/s3-files.js';
import { ACCESS_MESSAGES } from '../lib/auth/access.js';
import { type Config, loadConfig } from '../lib/config.js';
import { BadRequestError, UnauthorizedError } from '../lib/errors.js';
import { type HttpResponse, toHttpResponse } from '../lib/http/responses.js';
import type { JobRunnerDeps } from '../lib/jobs/run-import-job.js';

/**
 * Composition root shared by the handlers: configuration is read and validated once per
 * container (a bad variable fails the cold start with its name), clients are created once.
 */
export const config: Config = loadConfig();
export const contacts = new DynamoContactRepository(dynamoClient(config), config.contactsTable);
export const users = new DynamoUserRepository(dynamoClient(config), config.usersTable);
export const jobs = new DynamoJobStore(dynamoClient(config), config.jobsTable);
export const sources = new DynamoSourceStore(dynamoClient(config), config.sourcesTable);
export const files = new S3FileStore(s3Client(config), config.uploadBucket);
export const trigger = new LambdaImportTrigger(lambdaClient(config), config.importFunctionName);

export const importDeps = {
  writer: contacts,
  writeConcurrency: config.writeConcurrency,
  maxErrorMessages: config.maxErrorMessages,
};

export const uploadDeps = {
  jobs,
  files,
  settings: { maxUploadBytes: config.maxUploadBytes, uploadUrlTtlSeconds: config.uploadUrlTtlSeconds },
};

export const jobRunnerDeps: JobRunnerDeps = {
  jobs,
  files,
  writer: contacts,
  trigger,
  sources,
  cleaner: contacts,
  settings: {
    writeConcurrency: config.writeConcurrency,
    maxErrorMessages: config.maxErrorMessages,
    maxUploadBytes: config.maxUploadBytes,
    checkpointEveryRows: config.importCheckpointRows,
    leaseMs: config.importLeaseMs,
  },
};

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

export function pathParameter(event: HttpEvent, name: string): string {
  return decodeURIComponent(event.pathParameters?.[name] ?? '');
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
