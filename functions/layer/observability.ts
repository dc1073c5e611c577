import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ImportReport } from '../../lib/import/report.js';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { powertoolsLogger } from '../../lib/logger.js';

/**
 * EMF metrics (CloudWatch reads them from the function's log): the rows of each import and its
 * duration, per route. Namespace and service come from serverless.yml's environment.
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'phonebook-import',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'phonebook-import',
  // Powertools' own warnings (an invalid dimension) go through the service's logger and level.
  logger: powertoolsLogger,
});

/**
 * EMF lines are written only where CloudWatch reads them: in Lambda (the runtime sets
 * AWS_EXECUTION_ENV), or wherever POWERTOOLS_METRICS_DISABLED says so explicitly. Locally they
 * would only flood `npm start` and the test output.
 */
function emfWanted(): boolean {
  if (process.env.POWERTOOLS_METRICS_DISABLED !== undefined) return true; // Powertools itself honours the flag
  return process.env.AWS_EXECUTION_ENV?.startsWith('AWS_Lambda_') ?? false;
}

/**
 * Rows imported, skipped and failed, and the import's duration, under the dimension of the
 * route the event was declared for (`POST /phonebook/import`: method and resource template).
 */
export function recordImport(
  event: Pick<APIGatewayProxyEvent, 'httpMethod' | 'resource'>,
  counts: Pick<ImportReport, 'imported_rows' | 'skipped_rows' | 'failed_rows'>,
  startedAt: number,
): void {
  metrics.addDimension('route', `${event.httpMethod} ${event.resource}`);
  metrics.addMetric('rowsImported', MetricUnit.Count, counts.imported_rows);
  metrics.addMetric('rowsSkipped', MetricUnit.Count, counts.skipped_rows);
  metrics.addMetric('rowsFailed', MetricUnit.Count, counts.failed_rows);
  metrics.addMetric('importDuration', MetricUnit.Milliseconds, Date.now() - startedAt);
}

/**
 * Publishes what the invocation recorded, once it ends (answered or failed). Ours rather than
 * Powertools' `logMetrics`: that one warns "No application metrics to publish" on every
 * invocation that records none (most routes), which would flood the logs.
 */
export function publishMetrics(): MiddlewareObj {
  const publish = () => {
    if (!metrics.hasStoredMetrics()) return;
    if (emfWanted()) {
      metrics.publishStoredMetrics();
    } else {
      metrics.clearMetrics();
      metrics.clearDimensions();
    }
  };
  return { name: 'publishMetrics', after: publish, onError: publish };
}

/**
 * The logger's context for each invocation (Powertools' middleware: the Lambda request id, cold
 * start, the function's name) and, for API Gateway events, API Gateway's request id as the
 * correlation id, set anew each invocation so that no request's id stays on the next one.
 */
export function invocationLogging(): MiddlewareObj<unknown> {
  const inject = injectLambdaContext(powertoolsLogger);
  return {
    name: 'invocationLogging',
    before: async (request) => {
      await inject.before?.(request);
      const requestId = (request.event as { requestContext?: { requestId?: unknown } } | undefined)?.requestContext?.requestId;
      if (typeof requestId === 'string') powertoolsLogger.setCorrelationId(requestId);
      else powertoolsLogger.removeKeys(['correlation_id']);
    },
    ...(inject.after ? { after: inject.after } : {}),
    ...(inject.onError ? { onError: inject.onError } : {}),
  };
}
