import { readFile } from 'node:fs/promises';
import type { ScheduledEvent } from 'aws-lambda';
import type { TestStack } from './local-stack.js';

/**
 * One tick of the re-import schedule, as EventBridge delivers it (events/schedule/tick.json),
 * then the imports it started run to their end. Resolves with what the tick did per source.
 */
export async function scheduleTick(api: TestStack): Promise<Record<string, string>> {
  const { handler } = await import('../../functions/schedule.js');
  const event = JSON.parse(await readFile(new URL('../../events/schedule/tick.json', import.meta.url), 'utf8')) as ScheduledEvent;
  const result = await handler(event);
  await api.stack.settle();
  return result.sources;
}
