import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { invocationLogging, publishMetrics } from './observability.js';

/**
 * The middy chain of a function that is not an HTTP route (the import function, the schedule,
 * the sweep, the authorizer): the logger's invocation context and the metrics. Errors are not
 * mapped: they fail the invocation, as Lambda's retries and API Gateway's authorizer expect.
 */
export function eventHandler<Event, Result>(
  handle: (event: Event, context: Context) => Promise<Result>,
): (event: Event, context?: Context) => Promise<Result> {
  // middy's early timeout is off: the import function hands over by its own deadline (import-object.ts).
  const handler = middy<Event, Result>({ timeoutEarlyInMillis: 0 })
    .use(invocationLogging())
    .use(publishMetrics())
    .handler((event, context) => handle(event, context));
  // Lambda always passes a context; the local schedule timer or a test may not.
  return (event, context) => handler(event, context ?? ({} as Context));
}
