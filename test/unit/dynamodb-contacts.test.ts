import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoContactRepository } from '../../lib/adapters/dynamodb-contacts.js';
import { contactId } from '../../lib/contacts/identity.js';
import { validateContact } from '../../lib/contacts/validate.js';
import type { ContactWrite } from '../../lib/storage/ports.js';
import { backoffDelayMs, retryPolicyOf, shouldRetry } from '../../lib/storage/retry.js';

// The embedded DynamoDB never throttles nor returns UnprocessedItems, so the adapter's loop is
// exercised here against a scripted client (test/integration/fault-injection.test.ts runs the
// same paths over HTTP through a fault-injecting proxy).
type Item = Record<string, AttributeValue>;
type Reply = { unprocessed?: number } | { error: string; status?: number } | { typeError: string } | { found: 'all' | 'none' | 'altered' };

function scriptedClient(replies: Reply[]) {
  const calls: Array<{ name: string; count: number }> = [];
  /** What the scripted table holds: the items of the last batch write, written or not. */
  let lastWritten: Item[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name;
      const tableInput = Object.values((command.input.RequestItems ?? {}) as Record<string, unknown>)[0];
      const requests =
        name === 'BatchWriteItemCommand'
          ? ((tableInput ?? []) as Array<{ PutRequest: { Item: Item } }>)
          : name === 'BatchGetItemCommand'
            ? ((tableInput as { Keys: Item[] }).Keys ?? [])
            : [command.input.Item];
      calls.push({ name, count: requests.length });
      if (name === 'BatchWriteItemCommand') lastWritten = (requests as Array<{ PutRequest: { Item: Item } }>).map((r) => r.PutRequest.Item);
      const reply = replies.shift() ?? {};
      if ('typeError' in reply) throw new TypeError(reply.typeError);
      if ('error' in reply)
        throw Object.assign(new Error(reply.error), {
          name: reply.error,
          $metadata: { httpStatusCode: reply.status ?? 400, attempts: reply.error === 'ValidationException' ? 1 : 16 },
        });
      if ('found' in reply) {
        const items =
          reply.found === 'none'
            ? []
            : lastWritten.map((item) => (reply.found === 'altered' ? { ...item, name: { S: 'Someone else' } } : item));
        return { Responses: { contacts: items } };
      }
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
  it('writes a group contact only once its share items are written, and fails it when they are not', async () => {
    const [shared, plain] = writes(2) as [ContactWrite, ContactWrite];
    shared.contact.type = 'group:Sales,Support';
    const { client, calls } = scriptedClient([{ unprocessed: 1 }, { unprocessed: 1 }, { unprocessed: 1 }, { unprocessed: 1 }, {}]);
    const failures = await new DynamoContactRepository(client, 'contacts', FAST).writeContacts([shared, plain]);
    expect(failures).toEqual([
      { rowNumber: 2, reason: 'could not share with its groups: storage error: throttled (unprocessed items), gave up after 4 attempts' },
    ]);
    // Two share items (one retried until given up), then only the other contact.
    expect(calls).toEqual([
      ...[2, 1, 1, 1].map((count) => ({ name: 'BatchWriteItemCommand', count })),
      { name: 'BatchWriteItemCommand', count: 1 },
    ]);
  });

  it('removes the share items of the groups a contact leaves, after writing it', async () => {
    const [moved] = writes(1) as [ContactWrite];
    moved.contact.type = 'group:Support';
    moved.previousType = 'group:Sales,Support';
    const sent: string[] = [];
    const { client } = scriptedClient([{}, {}, {}]);
    const recording = {
      send: (command: { constructor: { name: string }; input: { RequestItems?: Record<string, unknown[]> } }) => {
        for (const request of Object.values(command.input.RequestItems ?? {})[0] ?? []) {
          const { PutRequest, DeleteRequest } = request as { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } };
          sent.push(PutRequest ? `put ${PutRequest.Item.pk?.S}` : `delete ${DeleteRequest?.Key.pk?.S}`);
        }
        return client.send(command as never);
      },
    } as unknown as DynamoDBClient;
    expect(await new DynamoContactRepository(recording, 'contacts', FAST).writeContacts([moved])).toEqual([]);
    const shard = Number.parseInt(moved.contact.id.charAt(0), 16);
    expect(sent).toEqual([`put group#Support#${shard}`, `put o#${shard}`, `delete group#Sales#${shard}`]);
  });

  it('retries unprocessed items until they are written', async () => {
    const { client, calls } = scriptedClient([{ unprocessed: 10 }, { unprocessed: 3 }, {}]);
    const failures = await new DynamoContactRepository(client, 'contacts', FAST).writeContacts(writes(25));
    expect(failures).toEqual([]);
    expect(calls.map((c) => c.count)).toEqual([25, 10, 3]);
  });

  it('reports the unprocessed rows it finally gave up on, after reading them back', async () => {
    const { client, calls } = scriptedClient([
      { unprocessed: 2 },
      { unprocessed: 2 },
      { unprocessed: 2 },
      { unprocessed: 2 },
      { found: 'none' },
    ]);
    const failures = await new DynamoContactRepository(client, 'contacts', FAST).writeContacts(writes(5));
    expect(failures).toEqual([
      { rowNumber: 2, reason: 'storage error: throttled (unprocessed items), gave up after 4 attempts' },
      { rowNumber: 3, reason: 'storage error: throttled (unprocessed items), gave up after 4 attempts' },
    ]);
    expect(calls.map((c) => c.name)).toEqual([...Array(4).fill('BatchWriteItemCommand'), 'BatchGetItemCommand']);
  });

  it('does not retry a thrown error itself: the SDK has retried it already', async () => {
    const { client, calls } = scriptedClient([{ error: 'ThrottlingException' }, { found: 'none' }]);
    const failures = await new DynamoContactRepository(client, 'contacts', FAST).writeContacts(writes(3));
    expect(calls.map((c) => c.name)).toEqual(['BatchWriteItemCommand', 'BatchGetItemCommand']);
    expect(failures.map((f) => f.rowNumber)).toEqual([2, 3, 4]);
    expect(failures[0]?.reason).toBe('storage error: ThrottlingException (after 16 attempts)');
  });

  it('never retries an error that is not transient, such as a TypeError', async () => {
    const { client, calls } = scriptedClient([{ typeError: 'x is not a function' }, { found: 'none' }]);
    const failures = await new DynamoContactRepository(client, 'contacts', FAST).writeContacts(writes(2));
    expect(calls.filter((c) => c.name === 'BatchWriteItemCommand')).toHaveLength(1);
    expect(failures).toEqual([
      { rowNumber: 2, reason: 'storage error: TypeError: x is not a function' },
      { rowNumber: 3, reason: 'storage error: TypeError: x is not a function' },
    ]);
  });

  it('counts rows whose write was stored although every answer was lost as written', async () => {
    const { client, calls } = scriptedClient([{ error: 'TimeoutError', status: 500 }, { found: 'all' }]);
    const failures = await new DynamoContactRepository(client, 'contacts', FAST).writeContacts(writes(25));
    expect(failures).toEqual([]);
    // One read of the batch's 25 keys.
    expect(calls).toEqual([
      { name: 'BatchWriteItemCommand', count: 25 },
      { name: 'BatchGetItemCommand', count: 25 },
    ]);
  });

  it('still fails rows the read-back finds stored with other values', async () => {
    const { client } = scriptedClient([{ error: 'InternalServerError', status: 500 }, { found: 'altered' }]);
    const failures = await new DynamoContactRepository(client, 'contacts', FAST).writeContacts(writes(2));
    expect(failures.map((f) => f.rowNumber)).toEqual([2, 3]);
  });

  it('keeps rows failed when the read-back fails too', async () => {
    const { client } = scriptedClient([
      { error: 'InternalServerError', status: 500 },
      { error: 'InternalServerError', status: 500 },
    ]);
    const failures = await new DynamoContactRepository(client, 'contacts', FAST).writeContacts(writes(2));
    expect(failures.map((f) => f.rowNumber)).toEqual([2, 3]);
  });

  it('isolates the one bad item of a rejected batch by writing items one at a time', async () => {
    const { client, calls } = scriptedClient([
      { error: 'ValidationException' },
      {},
      { error: 'ValidationException' },
      {},
      { found: 'none' },
    ]);
    const failures = await new DynamoContactRepository(client, 'contacts', FAST).writeContacts(writes(3));
    expect(calls.map((c) => c.name)).toEqual([
      'BatchWriteItemCommand',
      'PutItemCommand',
      'PutItemCommand',
      'PutItemCommand',
      'BatchGetItemCommand',
    ]);
    expect(failures).toEqual([{ rowNumber: 3, reason: 'storage error: ValidationException' }]);
  });
});

describe('the storage retry policy', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    const policy = { maxAttempts: 10, baseDelayMs: 50, maxDelayMs: 1000 };
    expect(backoffDelayMs(1, policy, () => 0.999)).toBe(49);
    expect(backoffDelayMs(2, policy, () => 0.999)).toBe(99);
    expect(backoffDelayMs(4, policy, () => 0.999)).toBe(399);
    expect(backoffDelayMs(9, policy, () => 0.999)).toBe(999);
    expect(backoffDelayMs(9, policy, () => 0)).toBe(0);
  });

  it('retries throttling and transient faults until the attempts are spent, and nothing else', () => {
    const policy = retryPolicyOf();
    expect(shouldRetry('THROTTLING', 1, policy)).toBe(true);
    expect(shouldRetry('TRANSIENT', policy.maxAttempts - 1, policy)).toBe(true);
    expect(shouldRetry('TRANSIENT', policy.maxAttempts, policy)).toBe(false);
    expect(shouldRetry('CLIENT_ERROR', 1, policy)).toBe(false);
    expect(shouldRetry('SERVER_ERROR', 1, policy)).toBe(false);
  });

  it('absorbs a 30% transient-fault rate: a request fails only if all of its attempts do', () => {
    const { maxAttempts } = retryPolicyOf();
    // A million-row job sends ~5e4 requests; the chance that any of them is lost stays below 1e-3.
    expect(5e4 * 0.3 ** maxAttempts).toBeLessThan(1e-3);
  });
});
