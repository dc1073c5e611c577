import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoContactRepository } from '../../lib/adapters/dynamodb-contacts.js';
import { backoffDelayMs } from '../../lib/storage/retry.js';
import type { ContactWrite } from '../../lib/storage/ports.js';
import { validateContact } from '../../lib/contacts/validate.js';
import { contactId } from '../../lib/contacts/identity.js';

// The embedded DynamoDB never throttles nor returns UnprocessedItems, so the retry loop is
// exercised here against a scripted client; everything else runs against the real server.
type Reply = { unprocessed?: number } | { error: string; status?: number };

function scriptedClient(replies: Reply[]) {
  const calls: Array<{ name: string; count: number }> = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name;
      const requests = name === 'BatchWriteItemCommand' ? Object.values(command.input.RequestItems as Record<string, unknown[]>)[0] ?? [] : [command.input.Item];
      calls.push({ name, count: requests.length });
      const reply = replies.shift() ?? {};
      if ('error' in reply) throw Object.assign(new Error(reply.error), { name: reply.error, $metadata: { httpStatusCode: reply.status ?? 400 } });
      const unprocessed = reply.unprocessed ?? 0;
      return { UnprocessedItems: unprocessed > 0 ? { contacts: requests.slice(0, unprocessed) } : {} };
    },
  };
  return { client: client as unknown as DynamoDBClient, calls };
}

function writes(count: number): ContactWrite[] {
  return Array.from({ length: count }, (_, i) => {
    const result = validateContact({ name: `Contact ${i}` });
    if (!result.ok) throw new Error('invalid fixture');
    return { rowNumber: i + 2, contact: { ...result.contact, id: contactId('o', result.contact), owner: 'o' } };
  });
}

const FAST = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2 };

describe('DynamoContactRepository.writeContacts', () => {
  it('retries unprocessed items until they are written', async () => {
    const { client, calls } = scriptedClient([{ unprocessed: 10 }, { unprocessed: 3 }, {}]);
    const failures = await new DynamoContactRepository(client, 'contacts', FAST).writeContacts(writes(25));
    expect(failures).toEqual([]);
    expect(calls.map((c) => c.count)).toEqual([25, 10, 3]);
  });

  it('retries throttling errors and reports the rows it finally gave up on', async () => {
    const { client } = scriptedClient([{ error: 'ProvisionedThroughputExceededException' }, { unprocessed: 2 }, { unprocessed: 2 }, { unprocessed: 2 }]);
    const failures = await new DynamoContactRepository(client, 'contacts', FAST).writeContacts(writes(5));
    expect(failures).toHaveLength(2);
    expect(failures[0]).toEqual({ rowNumber: 2, reason: 'storage error: throttled (unprocessed items), gave up after 4 attempts' });
  });

  it('isolates the one bad item of a rejected batch by writing items one at a time', async () => {
    const { client, calls } = scriptedClient([{ error: 'ValidationException' }, {}, { error: 'ValidationException' }, {}]);
    const failures = await new DynamoContactRepository(client, 'contacts', FAST).writeContacts(writes(3));
    expect(calls.map((c) => c.name)).toEqual(['BatchWriteItemCommand', 'PutItemCommand', 'PutItemCommand', 'PutItemCommand']);
    expect(failures).toEqual([{ rowNumber: 3, reason: 'storage error: ValidationException: ValidationException' }]);
  });
});

describe('backoffDelayMs', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    const policy = { maxAttempts: 10, baseDelayMs: 50, maxDelayMs: 1000 };
    expect(backoffDelayMs(1, policy, () => 0.999)).toBe(99);
    expect(backoffDelayMs(3, policy, () => 0.999)).toBe(399);
    expect(backoffDelayMs(8, policy, () => 0.999)).toBe(999);
    expect(backoffDelayMs(8, policy, () => 0)).toBe(0);
  });
});
