import type { EventEmitter } from 'node:events';
import type S3rver from 's3rver';
import { type S3EventRecord, s3NotificationEventOf, scheduledEvent } from './events.js';
import type { LocalFunctions } from './functions.js';
import type { ServiceDefinition } from './service-definition.js';

/** `rate(15 minutes)` in milliseconds. */
export function rateMs(rate: string): number {
  const match = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(rate.trim());
  if (!match) throw new Error(`unsupported schedule '${rate}' (the local stack runs rate(...) expressions)`);
  const unit = (match[2] ?? '').replace(/s$/, '');
  const unitMs = unit === 'minute' ? 60_000 : unit === 'hour' ? 3_600_000 : 86_400_000;
  return Number(match[1]) * unitMs;
}

/**
 * S3 notifications, as the buckets' NotificationConfiguration declares them: each created
 * object whose key matches a filter is an asynchronous invocation of the function it names.
 */
export function deliverS3Notifications(
  s3: S3rver,
  definition: ServiceDefinition,
  buckets: Record<string, string>,
  functions: LocalFunctions,
): void {
  // s3rver is a Koa application, an EventEmitter; its types leave that out.
  (s3 as unknown as EventEmitter).on('event', (event: { Records?: S3EventRecord[] }) => {
    for (const record of event.Records ?? []) {
      if (!record.eventName.startsWith('ObjectCreated')) continue;
      const bucket = definition.buckets.find((b) => buckets[b.logicalId] === record.s3.bucket.name);
      const key = record.s3.object.key;
      for (const notification of bucket?.notifications ?? []) {
        if (key.startsWith(notification.prefix) && key.endsWith(notification.suffix))
          functions.invokeAsync(notification.functionName, s3NotificationEventOf(record));
      }
    }
  });
}

/** The `schedule:` events of serverless.yml on timers; returns the timers to clear. */
export function startSchedules(definition: ServiceDefinition, functions: LocalFunctions): NodeJS.Timeout[] {
  return definition.schedules.map((schedule) =>
    setInterval(() => functions.invokeAsync(schedule.functionName, scheduledEvent()), rateMs(schedule.rate)),
  );
}
