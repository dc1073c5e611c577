import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<string, 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT'> = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  silent: 'SILENT',
};

/**
 * One JSON line per entry, in the shape the service has always written (`level` in lower case,
 * `time`, `message`, then the caller's fields) plus what Powertools knows of the invocation: the
 * Lambda request id, cold start, the function's name, the correlation id (API Gateway's request
 * id, set by the HTTP layer) and the X-Ray trace.
 */
class ServiceLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel.toLowerCase(),
        time: this.formatTimestamp(attributes.timestamp),
        message: attributes.message,
        service: attributes.serviceName,
        ...(context
          ? { function_name: context.functionName, function_request_id: context.awsRequestId, cold_start: context.coldStart }
          : {}),
        ...(attributes.xRayTraceId ? { xray_trace_id: attributes.xRayTraceId } : {}),
      },
    }).addAttributes(additional);
  }

  /**
   * An error's name, message, stack, location and cause, and nothing else: Powertools would also
   * copy every other own property, and ours carry the response body (`AppError.body`, which may
   * quote a file's cells to its owner) and csv-parse's carry the record. Logs hold no contact data.
   */
  override formatError(error: Error): LogAttributes {
    return {
      name: error.name,
      location: this.getCodeLocation(error.stack),
      message: error.message,
      stack: error.stack,
      ...(error.cause === undefined ? {} : { cause: error.cause instanceof Error ? this.formatError(error.cause) : String(error.cause) }),
    };
  }
}

/**
 * The Powertools Logger behind the service's small logging API, so lib/ logs the same way in a
 * Lambda, the local stack, a test or a CLI. Warnings and errors go to stderr, the rest to stdout.
 */
export const powertoolsLogger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'phonebook-import',
  logLevel: levelOf(process.env.LOG_LEVEL),
  logFormatter: new ServiceLogFormatter(),
});

function levelOf(configured: string | undefined): 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT' {
  return LEVELS[(configured ?? 'info').toLowerCase()] ?? 'INFO';
}

// LOG_LEVEL is read at each entry, as it always was: tests and the local stack change it after
// the logger is loaded (`silent` in the test runs, `debug` where a test reads every line). It is
// compared with the logger's level each time, not with the last value set: Powertools keeps a
// level set during an invocation for that invocation only.
function write(level: Level, message: string, fields?: Record<string, unknown>): void {
  const wanted = levelOf(process.env.LOG_LEVEL);
  if (powertoolsLogger.getLevelName() !== wanted) powertoolsLogger.setLogLevel(wanted);
  if (fields === undefined) powertoolsLogger[level](message);
  else powertoolsLogger[level](message, fields);
}

/**
 * Structured JSON logs, one line each. Callers pass ids and counts, never contact data; an
 * `error` field that is an Error is written with its name, message, stack and cause.
 */
export const logger = {
  debug: (message: string, fields?: Record<string, unknown>) => write('debug', message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write('info', message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write('warn', message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write('error', message, fields),
};
