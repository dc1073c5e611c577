import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Contact } from '../contacts/contact.js';
import { CONTACT_FIELDS, type ContactType } from '../contacts/fields.js';
import { decodeContactCursor, encodeContactCursor } from './contact-cursor.js';
import { backoffDelayMs, type BackoffPolicy, DEFAULT_BACKOFF, sleep } from '../storage/retry.js';
import type { SourceContactCleaner } from '../jobs/run-import-job.js';
import type { ContactPage, ContactReader, ContactStore, ContactWrite, ContactWriteFailure, OwnContactReader } from '../storage/ports.js';

/**
 * Key design (docs/table-design.md): one owner's contacts are spread over SHARD_COUNT
 * partitions, `pk = <owner>#<shard>`, where the shard is the first hex digit of the contact id
 * (a hash), so a large import never concentrates on one partition's write limit.
 * Public contacts also carry `publicPk = public#<shard>`, a sparse GSI key.
 */
export const SHARD_COUNT = 16;
export const PUBLIC_INDEX = 'public-contacts';
const BATCH_WRITE_LIMIT = 25;
/** BatchGetItem takes at most 100 keys per request. */
const BATCH_GET_LIMIT = 100;

const RETRYABLE_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
]);

function errorName(error: unknown): string {
  if (error && typeof error === 'object' && 'name' in error && typeof error.name === 'string') return error.name;
  return 'Error';
}

function isRetryable(error: unknown): boolean {
  if (RETRYABLE_ERRORS.has(errorName(error))) return true;
  // Network-level failures (connection reset, timeouts) carry no service error name.
  const metadata = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  return metadata?.httpStatusCode === undefined || metadata.httpStatusCode >= 500;
}

export function shardOf(id: string): number {
  return Number.parseInt(id.charAt(0), 16) % SHARD_COUNT;
}

/**
 * The BatchWriteItem put of one contact (the benchmark pre-builds its requests with it).
 * Every attribute of a contact item is a string, so each is wrapped as `{ S }` as it is read,
 * in one pass: marshall()'s per-value type dispatch was a tenth of the importer's CPU.
 */
export function putRequestOf({ contact, origin }: ContactWrite, now: string): WriteRequest {
  const shard = shardOf(contact.id);
  const item: Record<string, AttributeValue> = {
    pk: { S: `${contact.owner}#${shard}` },
    id: { S: contact.id },
    owner: { S: contact.owner },
    updatedAt: { S: now },
  };
  for (const field of CONTACT_FIELDS) {
    const value = contact[field];
    // Empty cells are not stored: smaller items, fewer write units.
    if (value !== '') item[field] = { S: value };
  }
  if (contact.type === 'public') item.publicPk = { S: `public#${shard}` };
  // Scheduled "replace" re-imports remove a source's contacts that the last run did not write.
  if (origin) {
    item.importId = { S: origin.importId };
    if (origin.sourceId) item.sourceId = { S: origin.sourceId };
  }
  return { PutRequest: { Item: item } };
}

function fromItem(item: Record<string, unknown>): Contact {
  const contact = { id: String(item.id), owner: String(item.owner) } as Contact;
  for (const field of CONTACT_FIELDS) {
    (contact as unknown as Record<string, string>)[field] = typeof item[field] === 'string' ? (item[field] as string) : '';
  }
  contact.type = (contact.type || 'private') as ContactType;
  return contact;
}

export class DynamoContactRepository implements ContactStore, ContactReader, OwnContactReader, SourceContactCleaner {
  readonly maxBatchSize = BATCH_WRITE_LIMIT;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly backoff: BackoffPolicy = DEFAULT_BACKOFF,
  ) {}

  async writeContacts(batch: readonly ContactWrite[]): Promise<ContactWriteFailure[]> {
    const now = new Date().toISOString();
    const rowById = new Map<string, number>();
    const requests: WriteRequest[] = batch.map((write) => {
      rowById.set(write.contact.id, write.rowNumber);
      return putRequestOf(write, now);
    });
    const result = await this.batchWriteWithRetry(requests);
    // One bad item fails the whole batch; write one by one so only it is lost.
    if (result.rejected) return this.writeIndividually(result.pending, rowById);
    return result.pending.map((request) => ({
      rowNumber: rowById.get(idOf(request)) ?? 0,
      reason: `storage error: ${result.lastError}, gave up after ${this.backoff.maxAttempts} attempts`,
    }));
  }

  /**
   * Sends puts or deletes (at most 25), retrying UnprocessedItems and throttling with backoff.
   * Resolves with what is still unwritten: after the last attempt, or at once (`rejected`)
   * when DynamoDB refuses the batch as such, which no retry mends.
   */
  private async batchWriteWithRetry(requests: WriteRequest[]): Promise<{ pending: WriteRequest[]; lastError: string; rejected: boolean }> {
    let pending = requests;
    let lastError = 'unprocessed by DynamoDB';
    for (let attempt = 0; attempt < this.backoff.maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(backoffDelayMs(attempt, this.backoff));
      try {
        const result = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = result.UnprocessedItems?.[this.tableName] ?? [];
        lastError = 'throttled (unprocessed items)';
      } catch (error) {
        if (!isRetryable(error)) return { pending, lastError: errorName(error), rejected: true };
        lastError = errorName(error);
      }
    }
    return { pending, lastError, rejected: false };
  }

  private async writeIndividually(requests: WriteRequest[], rowById: Map<string, number>): Promise<ContactWriteFailure[]> {
    const failures: ContactWriteFailure[] = [];
    for (const request of requests) {
      const item = request.PutRequest?.Item;
      if (!item) continue;
      const reason = await this.putWithRetry(item);
      if (reason !== undefined) failures.push({ rowNumber: rowById.get(idOf(request)) ?? 0, reason });
    }
    return failures;
  }

  private async putWithRetry(item: NonNullable<WriteRequest['PutRequest']>['Item']): Promise<string | undefined> {
    let lastError = 'unknown error';
    for (let attempt = 0; attempt < this.backoff.maxAttempts; attempt++) {
      if (attempt > 0) await sleep(backoffDelayMs(attempt, this.backoff));
      try {
        await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item }));
        return undefined;
      } catch (error) {
        lastError = `${errorName(error)}${error instanceof Error ? `: ${error.message}` : ''}`;
        if (!isRetryable(error)) return `storage error: ${lastError}`;
      }
    }
    return `storage error: ${lastError}, gave up after ${this.backoff.maxAttempts} attempts`;
  }

  async removeSourceContactsNotFrom(owner: string, sourceId: string, keepImportId: string): Promise<number> {
    let removed = 0;
    for (let shard = 0; shard < SHARD_COUNT; shard++) {
      let startKey: QueryCommandInput['ExclusiveStartKey'];
      do {
        const result = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            // Only what this source wrote in an earlier run: hand-made contacts and other
            // sources' contacts carry no or another sourceId.
            FilterExpression: 'sourceId = :source AND importId <> :keep',
            ProjectionExpression: 'pk, id',
            ExpressionAttributeValues: marshall({ ':pk': `${owner}#${shard}`, ':source': sourceId, ':keep': keepImportId }),
            ExclusiveStartKey: startKey,
          }),
        );
        const keys = result.Items ?? [];
        for (let i = 0; i < keys.length; i += BATCH_WRITE_LIMIT) {
          const deletes = keys.slice(i, i + BATCH_WRITE_LIMIT).map((Key) => ({ DeleteRequest: { Key } }));
          const { pending, lastError } = await this.batchWriteWithRetry(deletes);
          if (pending.length > 0) throw new Error(`could not delete ${pending.length} stale contacts: ${lastError}`);
          removed += deletes.length;
        }
        startKey = result.LastEvaluatedKey;
      } while (startKey);
    }
    return removed;
  }

  async readContacts(owner: string, ids: readonly string[]): Promise<Map<string, Contact>> {
    const found = new Map<string, Contact>();
    const unique = [...new Set(ids)];
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      const keys = unique.slice(start, start + BATCH_GET_LIMIT).map((id) => marshall({ pk: `${owner}#${shardOf(id)}`, id }));
      for (const item of await this.batchGetWithRetry(keys)) {
        const contact = fromItem(unmarshall(item));
        // The key holds the owner already; checking again costs nothing and guards the rule.
        if (contact.owner === owner) found.set(contact.id, contact);
      }
    }
    return found;
  }

  async hasContacts(owner: string): Promise<boolean> {
    // One key-only item of each shard at most: 16 tiny queries, however large the phonebook.
    const shards = await Promise.all(
      Array.from({ length: SHARD_COUNT }, (_, shard) =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: `${owner}#${shard}` } },
            ProjectionExpression: 'id',
            Limit: 1,
            ConsistentRead: true,
          }),
        ),
      ),
    );
    return shards.some((result) => (result.Items?.length ?? 0) > 0);
  }

  /** Reads keys, retrying throttling and UnprocessedKeys with backoff; throws when it gives up. */
  private async batchGetWithRetry(keys: Array<Record<string, AttributeValue>>): Promise<Array<Record<string, AttributeValue>>> {
    const items: Array<Record<string, AttributeValue>> = [];
    let pending = keys;
    let lastError = 'unprocessed keys';
    for (let attempt = 0; attempt < this.backoff.maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(backoffDelayMs(attempt, this.backoff));
      try {
        const result = await this.client.send(
          // Consistent reads: a re-import right after an import must see what it wrote.
          new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        items.push(...(result.Responses?.[this.tableName] ?? []));
        pending = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      } catch (error) {
        if (!isRetryable(error)) throw error;
        lastError = errorName(error);
      }
    }
    if (pending.length > 0) throw new Error(`${lastError}, gave up after ${this.backoff.maxAttempts} attempts`);
    return items;
  }

  listOwnContacts(owner: string, options: { cursor?: string; limit: number }): Promise<ContactPage> {
    return this.listVisibleContacts(owner, options, SHARD_COUNT);
  }

  /** `endShard` SHARD_COUNT stops after the owner's own shards (export); the default goes on to public ones. */
  async listVisibleContacts(
    owner: string,
    options: { cursor?: string; limit: number },
    endShard = 2 * SHARD_COUNT,
  ): Promise<ContactPage> {
    const cursor = decodeContactCursor(options.cursor, owner, SHARD_COUNT);
    const contacts: Contact[] = [];
    let shard = cursor.s;
    let startKey = cursor.k;
    while (shard < endShard && contacts.length < options.limit) {
      const ownPhase = shard < SHARD_COUNT;
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          ...(ownPhase
            ? {
                KeyConditionExpression: 'pk = :pk',
                ExpressionAttributeValues: marshall({ ':pk': `${owner}#${shard}` }),
              }
            : {
                IndexName: PUBLIC_INDEX,
                KeyConditionExpression: 'publicPk = :pk',
                // The caller's own public contacts were listed in the first phase.
                FilterExpression: '#owner <> :owner',
                ExpressionAttributeNames: { '#owner': 'owner' },
                ExpressionAttributeValues: marshall({ ':pk': `public#${shard - SHARD_COUNT}`, ':owner': owner }),
              }),
          Limit: options.limit - contacts.length,
          ExclusiveStartKey: startKey ? marshall(startKey) : undefined,
        }),
      );
      for (const item of result.Items ?? []) contacts.push(fromItem(unmarshall(item)));
      if (result.LastEvaluatedKey) {
        startKey = unmarshall(result.LastEvaluatedKey) as Record<string, string>;
      } else {
        shard += 1;
        startKey = undefined;
      }
    }
    const done = shard >= endShard;
    return { contacts, nextCursor: done ? null : encodeContactCursor({ s: shard, ...(startKey ? { k: startKey } : {}) }) };
  }
}

function idOf(request: WriteRequest): string {
  return request.PutRequest?.Item?.id?.S ?? '';
}
