import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Lambda sets this for an on-demand container; Powertools reads it when the logger is built.
process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
const { eventHandler } = await import('../../functions/layer/event-handler.js');
const { userRoute } = await import('../../functions/layer/http-route.js');
const { recordImport } = await import('../../functions/layer/observability.js');
const { jsonResponse } = await import('../../lib/http/responses.js');
const { logger } = await import('../../lib/logger.js');

/** The middy layer of the functions, run as Lambda runs it: an event and a context, no server. */
const previous = { level: process.env.LOG_LEVEL, executionEnv: process.env.AWS_EXECUTION_ENV };
let writes: string[] = [];
beforeEach(() => {
  process.env.LOG_LEVEL = 'info';
  writes = [];
  const capture = (chunk: unknown) => {
    writes.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});
afterEach(() => {
  vi.restoreAllMocks();
  process.env.LOG_LEVEL = previous.level;
  if (previous.executionEnv === undefined) delete process.env.AWS_EXECUTION_ENV;
  else process.env.AWS_EXECUTION_ENV = previous.executionEnv;
});

const lines = () =>
  writes
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

function httpEvent(
  principal: Record<string, string>,
  requestId = 'api-request-1',
  route = { httpMethod: 'GET', resource: '/phonebook/contacts' },
): APIGatewayProxyEvent {
  return {
    ...route,
    headers: {},
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId, authorizer: principal, identity: { sourceIp: '127.0.0.1' } },
  } as unknown as APIGatewayProxyEvent;
}

const IMPORT_ROUTE = { httpMethod: 'POST', resource: '/phonebook/import' };

const context = (awsRequestId: string) =>
  ({
    awsRequestId,
    functionName: 'listContacts',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:listContacts',
    memoryLimitInMB: '1024',
  }) as unknown as Context;
const USER = { principal: 'user', username: 'john.smith' };

describe('the HTTP layer', () => {
  it('logs with the Lambda request id, the cold start and API Gateway request id as correlation id', async () => {
    const handler = userRoute(async () => {
      logger.info('inside the handler', { owner: 'john.smith' });
      return jsonResponse(200, {});
    });
    await handler(httpEvent(USER, 'api-request-1'), context('lambda-request-1'));
    await handler(httpEvent(USER, 'api-request-2'), context('lambda-request-2'));
    const inside = lines().filter((line) => line.message === 'inside the handler');
    expect(inside[0]).toMatchObject({
      level: 'info',
      function_request_id: 'lambda-request-1',
      correlation_id: 'api-request-1',
      cold_start: true,
      owner: 'john.smith',
    });
    expect(inside[1]).toMatchObject({ function_request_id: 'lambda-request-2', correlation_id: 'api-request-2', cold_start: false });
  });

  it('answers an unexpected error 500 without its details, and logs its stack and cause', async () => {
    const handler = userRoute(async () => {
      throw new Error('table phonebook-contacts unreachable', { cause: new Error('socket hang up') });
    });
    const response = await handler(httpEvent(USER), context('lambda-request-3'));
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ message: 'internal error' });
    const logged = lines().find((line) => line.message === 'unhandled error') as { error: Record<string, unknown> } | undefined;
    expect(logged?.error).toMatchObject({
      message: 'table phonebook-contacts unreachable',
      stack: expect.stringContaining('lambda-layer.test.ts'),
      cause: { message: 'socket hang up' },
    });
    expect(logged).toMatchObject({ function_request_id: 'lambda-request-3' });
  });

  it('refuses a caller the route was not declared for before the handler runs', async () => {
    let ran = false;
    const handler = userRoute(async () => {
      ran = true;
      return jsonResponse(200, {});
    });
    const response = await handler(httpEvent({ principal: 'super-admin' }), context('lambda-request-4'));
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body)).toEqual({ code: 401, message: 'authorization required' });
    expect(ran).toBe(false);
  });

  it('writes the import metrics as EMF in Lambda, per route', async () => {
    process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs22.x';
    const handler = userRoute(async (event) => {
      recordImport(event, { imported_rows: 7, skipped_rows: 2, failed_rows: 1 }, Date.now() - 5);
      return jsonResponse(200, {});
    });
    await handler(httpEvent(USER, 'api-request-1', IMPORT_ROUTE), context('lambda-request-5'));
    const emf = lines().find((line) => '_aws' in line) as Record<string, unknown> & {
      _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> };
    };
    expect(emf).toMatchObject({
      route: 'POST /phonebook/import',
      rowsImported: 7,
      rowsSkipped: 2,
      rowsFailed: 1,
      importDuration: expect.any(Number),
    });
    expect(emf._aws.CloudWatchMetrics[0]?.Dimensions[0]).toContain('route');
  });

  it('writes no metrics outside Lambda, and no warning for a route that records none', async () => {
    delete process.env.AWS_EXECUTION_ENV;
    const recording = userRoute(async (event) => {
      recordImport(event, { imported_rows: 1, skipped_rows: 0, failed_rows: 0 }, Date.now());
      return jsonResponse(200, {});
    });
    const quiet = userRoute(async () => jsonResponse(200, {}));
    await recording(httpEvent(USER, 'api-request-1', IMPORT_ROUTE), context('lambda-request-6'));
    await quiet(httpEvent(USER), context('lambda-request-7'));
    expect(writes.join('')).toBe('');
  });
});

describe('the event layer', () => {
  it('logs with the request id and without a previous request correlation id', async () => {
    await userRoute(async () => jsonResponse(200, {}))(httpEvent(USER, 'api-request-8'), context('lambda-request-8'));
    const handler = eventHandler(async () => {
      logger.info('tick');
    });
    await handler({}, context('lambda-request-9'));
    const tick = lines().find((line) => line.message === 'tick');
    expect(tick).toMatchObject({ function_request_id: 'lambda-request-9' });
    expect(tick).not.toHaveProperty('correlation_id');
  });
});
