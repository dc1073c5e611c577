import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { dynamoClient, lambdaClient, s3Client } from '../lib/adapters/aws-clients.js';
import { DynamoContactRepository } from '../lib/adapters/dynamodb-contacts.js';
import { DynamoJobStore } from '../lib/adapters/dynamodb-jobs.js';
import { DynamoLimitStore } from '../lib/adapters/dynamodb-limits.js';
import { DynamoSourceStore } from '../lib/adapters/dynamodb-sources.js';
import { DynamoUserRepository } from '../lib/adapters/dynamodb-users.js';
import { LambdaImportTrigger } from '../lib/adapters/lambda-trigger.js';
import { S3FileStore } from '../lib/adapters/s3-files.js';
import { ACCESS_MESSAGES, accessScopeOf } from '../lib/auth/access.js';
import { type Config, loadConfig } from '../lib/config.js';
import { BadRequestError, UnauthorizedError } from '../lib/errors.js';
import { type HttpResponse, toHttpResponse } from '../lib/http/responses.js';
import type { JobRunnerDeps } from '../lib/jobs/run-import-job.js';
import { withJobQuota } from '../lib/limits/job-quota.js';
import { enterLimitedRoute, type Principal, type RouteLimit } from '../lib/limits/route-limits.js';

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
const limitDeps = { store: new DynamoLimitStore(dynamoClient(config), config.limitsTable), settings: config.limits };

export const importDeps = {
  writer: contacts,
  writeConcurrency: config.writeConcurrency,
  maxErrorMessages: config.maxErrorMessages,
  maxRows: config.syncImportMaxRows,
};

/** Job creation through the API: every new job is checked against its owner's quota first. */
export const uploadDeps = {
  jobs: withJobQuota(jobs, { maxActiveJobs: config.limits.maxActiveJobs, maxPendingUploadBytes: config.limits.maxPendingUploadBytes }),
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
type HttpResult = Promise<APIGatewayProxyResult>;

/**
 * Who may call a route is decided by the route's declared resource (`event.resource`, the path
 * template of serverless.yml), with the same `accessScopeOf` the authorizer uses: every
 * `/admin/*` route needs the super admin, every other route a user. A handler cannot skip it:
 * `userRoute` and `adminRoute` are the only ways to build an HTTP handler, and both run this
 * before the handler's body.
 *
 * The authorizer lets an admin request from an allowed IP through even with a bad token (as
 * principal "none") so that the 401 body can be the contract's own; this is what refuses it.
 */
function callerOf(event: HttpEvent): { kind: 'super-admin' } | { kind: 'user'; username: string } {
  const context = event.requestContext.authorizer;
  if (accessScopeOf(event.resource ?? '') === 'admin') {
    if (context?.principal !== 'super-admin') throw new UnauthorizedError(ACCESS_MESSAGES.superAdminRequired);
    return { kind: 'super-admin' };
  }
  if (context?.principal !== 'user' || typeof context.username !== 'string') {
    throw new UnauthorizedError(ACCESS_MESSAGES.authorizationRequired);
  }
  return { kind: 'user', username: context.username };
}

/** Every error goes through the one error-to-response mapping. */
async function respond(work: () => Promise<HttpResponse>): HttpResult {
  try {
    return await work();
  } catch (error) {
    return toHttpResponse(error);
  }
}

/**
 * How a route is limited, declared with the route: `limit` names the per-principal limits
 * (lib/limits/route-limits.ts) it passes before its handler runs. The principal is the user
 * on user routes and the source IP on admin routes (one super admin, many possible callers).
 */
export interface RouteOptions {
  limit?: RouteLimit;
}

/** Runs `handle` inside the route's limits: counted first, its in-flight slot freed after. */
async function withinLimits(options: RouteOptions, principal: Principal, handle: () => Promise<HttpResponse>): Promise<HttpResponse> {
  if (options.limit === undefined) return handle();
  const leave = await enterLimitedRoute(options.limit, principal, limitDeps);
  try {
    return await handle();
  } finally {
    await leave();
  }
}

/** A route for users: `handle` gets the caller's username (the token's `sub`), the phonebook's owner. */
export function userRoute(handle: (event: HttpEvent, owner: string) => Promise<HttpResponse>, options: RouteOptions = {}): (event: HttpEvent) => HttpResult {
  return (event) =>
    respond(async () => {
      const caller = callerOf(event);
      if (caller.kind !== 'user') throw new UnauthorizedError(ACCESS_MESSAGES.authorizationRequired);
      return withinLimits(options, { kind: 'user', username: caller.username }, () => handle(event, caller.username));
    });
}

/** A route for the super admin (allowed source IP and the super-admin token, checked by the authorizer). */
export function adminRoute(handle: (event: HttpEvent) => Promise<HttpResponse>, options: RouteOptions = {}): (event: HttpEvent) => HttpResult {
  return (event) =>
    respond(async () => {
      if (callerOf(event).kind !== 'super-admin') throw new UnauthorizedError(ACCESS_MESSAGES.superAdminRequired);
      return withinLimits(options, { kind: 'ip', sourceIp: event.requestContext.identity?.sourceIp ?? 'unknown' }, () => handle(event));
    });
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

/** A path parameter, %-decoded; a malformed escape (`%E0%A4%A`) is the client's 400. */
export function pathParameter(event: HttpEvent, name: string): string {
  const raw = event.pathParameters?.[name] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new BadRequestError('invalid path', `the path parameter '${name}' is not valid %-encoded UTF-8`);
  }
}
