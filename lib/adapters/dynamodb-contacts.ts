import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Contact } from '../contacts/contact.js';
import { sharedGroupsOf } from '../contacts/contact-type.js';
import { CONTACT_FIELDS, type ContactType } from '../contacts/fields.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, type RetryPolicy, sleep } from '../storage/retry.js';
import { retryPolicyOfClient } from './aws-clients.js';
import { type ContactCursor, decodeContactCursor, encodeContactCursor, groupPartitionOf } from './contact-cursor.js';
import type {
  ContactPage,
  ContactReader,
  ContactRestorer,
  ContactStore,
  ContactWrite,
  ContactWriteFailure,
  SourceContactCleaner,
  VisibleContactsOptions,
  StoredContact,
  UndoOutcome,
} from '../storage/ports.js';
import { conditionalWrite } from './dynamodb-conditional-write.js';

/**
 * Key design (docs/table-design.md): one owner's contacts are spread over SHARD_COUNT
 * partitions, `pk = <owner>#<shard>`, where the shard is the first hex digit of the contact id
 * (a hash), so a large import never concentrates on one partition's write limit.
 * Public contacts also carry `publicPk = public#<shard>`, a sparse GSI key. A contact shared
 * with groups has one share item per group, `pk = group#<group>#<shard>`, `id` the contact's,
 * `contactPk` its table key: the index a group's contacts are read by.
 */
export const SHARD_COUNT = 16;
export const PUBLIC_INDEX = 'public-contacts';
const BATCH_WRITE_LIMIT = 25;
/** BatchGetItem takes at most 100 keys per request. */
const BATCH_GET_LIMIT = 100;

function errorName(error: unknown): string {
  if (error && typeof error === 'object' && 'name' in error && typeof error.name === 'string') return error.name;
  return 'Error';
}

/** The error's name, and how many attempts the SDK made before it gave up. */
function describeError(error: unknown): string {
  const attempts = (error as { $metadata?: { attempts?: number } } | null)?.$metadata?.attempts;
  const message = error instanceof Error && error.message !== '' && error.message !== errorName(error) ? `: ${error.message}` : '';
  return `${errorName(error)}${message}${attempts !== undefined && attempts > 1 ? ` (after ${attempts} attempts)` : ''}`;
}

/**
 * DynamoDB refuses a whole BatchWriteItem for one bad item (too large, an invalid attribute):
 * writing the items one by one then loses only that one. Any other thrown error reached us
 * after the SDK's retries (lib/adapters/aws-clients.ts) or is not transient: no retry here.
 */
function refusesBatch(error: unknown): boolean {
  return errorName(error) === 'ValidationException';
}

/** A written item and a stored one hold the same contact (the write time aside). */
function sameItem(written: Record<string, AttributeValue>, stored: Record<string, AttributeValue>): boolean {
  const names = new Set([...Object.keys(written), ...Object.keys(stored)]);
  names.delete('updatedAt');
  for (const name of names) {
    if (written[name]?.S === undefined || written[name]?.S !== stored[name]?.S) return false;
  }
  return true;
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

function storedOf(item: Record<string, unknown>): StoredContact {
  const contact = fromItem(item);
  if (typeof item.importId !== 'string') return { contact };
  return { contact, origin: { importId: item.importId, ...(typeof item.sourceId === 'string' ? { sourceId: item.sourceId } : {}) } };
}

/** Two stored contacts hold the same values and the same origin. */
function sameStored(a: StoredContact, b: StoredContact): boolean {
  return (
    CONTACT_FIELDS.every((field) => a.contact[field] === b.contact[field]) &&
    a.origin?.importId === b.origin?.importId &&
    a.origin?.sourceId === b.origin?.sourceId
  );
}

export class DynamoContactRepository implements ContactStore, ContactReader, SourceContactCleaner, ContactRestorer {
  readonly maxBatchSize = BATCH_WRITE_LIMIT;

  private policyOnce: Promise<RetryPolicy> | undefined;

  /** `policy` overrides the client's retry policy for UnprocessedItems / UnprocessedKeys. */
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly policyOverride?: RetryPolicy,
  ) {}

  /** The client's own retry policy (one policy for every retry), read once. */
  private policy(): Promise<RetryPolicy> {
    this.policyOnce ??= this.policyOverride
      ? Promise.resolve(this.policyOverride)
      : retryPolicyOfClient(this.client).then((policy) => policy ?? DEFAULT_RETRY_POLICY);
    return this.policyOnce;
  }

  async writeContacts(batch: readonly ContactWrite[]): Promise<ContactWriteFailure[]> {
    const now = new Date().toISOString();
    // Share items first: one written for a contact that then fails is only a pointer the
    // listing checks against the contact itself (and drops), whereas a contact written without
    // its share item would be hidden from its group.
    const unshared = await this.writeShareItems(batch);
    const writable = unshared.size === 0 ? batch : batch.filter((write) => !unshared.has(write.contact.id));
    const failures: ContactWriteFailure[] = batch
      .filter((write) => unshared.has(write.contact.id))
      .map((write) => ({ rowNumber: write.rowNumber, reason: unshared.get(write.contact.id) ?? '' }));
    if (writable.length === 0) return failures;
    const rowById = new Map<string, number>();
    const requests: WriteRequest[] = writable.map((write) => {
      rowById.set(write.contact.id, write.rowNumber);
      return putRequestOf(write, now);
    });
    const result = await this.batchWrite(requests);
    const unwritten =
      result.error !== undefined && refusesBatch(result.error)
        ? await this.writeIndividually(result.pending)
        : result.pending.map((request) => ({ request, reason: result.reason }));
    // A write whose every answer was lost may have been stored all the same: a row is
    // declared failed only when a consistent read shows it is not stored as written.
    const stored = unwritten.length === 0 ? new Set<string>() : await this.storedAsWritten(unwritten.map(({ request }) => request));
    const failed = unwritten.filter(({ request }) => !stored.has(idOf(request)));
    const failedIds = new Set(failed.map(({ request }) => idOf(request)));
    await this.removeShareItems(writable.filter((write) => !failedIds.has(write.contact.id)).flatMap(unsharedItemsOf));
    return [...failures, ...failed.map(({ request, reason }) => ({ rowNumber: rowById.get(idOf(request)) ?? 0, reason }))];
  }

  /**
   * Puts the share items of the batch's group contacts; resolves with the contacts (by id) whose
   * share items could not all be written, and why.
   */
  private async writeShareItems(batch: readonly ContactWrite[]): Promise<Map<string, string>> {
    const unshared = new Map<string, string>();
    const requests = batch.flatMap(({ contact }) => sharedGroupsOf(contact.type).map((group) => shareItemPut(contact, group)));
    for (let i = 0; i < requests.length; i += BATCH_WRITE_LIMIT) {
      const { pending, reason } = await this.batchWrite(requests.slice(i, i + BATCH_WRITE_LIMIT));
      for (const request of pending) unshared.set(idOf(request), `could not share with its groups: ${reason}`);
    }
    return unshared;
  }

  /**
   * Deletes share items no contact needs any more. Best effort: one left behind points to a
   * contact that no longer names the group, and the listing drops it (`groupContactsOf`).
   */
  private async removeShareItems(keys: Array<Record<string, AttributeValue>>): Promise<void> {
    for (let i = 0; i < keys.length; i += BATCH_WRITE_LIMIT) {
      const deletes = keys.slice(i, i + BATCH_WRITE_LIMIT).map((Key) => ({ DeleteRequest: { Key } }));
      await this.batchWrite(deletes);
    }
  }

  /**
   * Sends puts or deletes (at most 25) and retries UnprocessedItems with the policy's backoff,
   * the one thing the SDK cannot retry. A thrown error is not retried here: the SDK has
   * retried it if it was transient. Resolves with what is still unwritten and why.
   */
  private async batchWrite(requests: WriteRequest[]): Promise<{ pending: WriteRequest[]; reason: string; error?: unknown }> {
    const policy = await this.policy();
    let pending = requests;
    for (let attempt = 1; pending.length > 0; attempt++) {
      try {
        const result = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = result.UnprocessedItems?.[this.tableName] ?? [];
      } catch (error) {
        return { pending, reason: `storage error: ${describeError(error)}`, error };
      }
      if (pending.length === 0) break;
      if (attempt >= policy.maxAttempts) {
        return { pending, reason: `storage error: throttled (unprocessed items), gave up after ${attempt} attempts` };
      }
      await sleep(backoffDelayMs(attempt, policy));
    }
    return { pending: [], reason: '' };
  }

  /** One PutItem per request (the SDK retries transient faults of each); resolves with the ones refused. */
  private async writeIndividually(requests: WriteRequest[]): Promise<Array<{ request: WriteRequest; reason: string }>> {
    const refused: Array<{ request: WriteRequest; reason: string }> = [];
    for (const request of requests) {
      const item = request.PutRequest?.Item;
      if (!item) continue;
      try {
        await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item }));
      } catch (error) {
        refused.push({ request, reason: `storage error: ${describeError(error)}` });
      }
    }
    return refused;
  }

  /**
   * The ids among `requests` (puts, at most 100) that are stored with the values written:
   * one consistent BatchGetItem of their keys. A read that fails too confirms nothing.
   */
  private async storedAsWritten(requests: WriteRequest[]): Promise<Set<string>> {
    const written = new Map<string, Record<string, AttributeValue>>();
    for (const request of requests) {
      const item = request.PutRequest?.Item;
      if (item) written.set(idOf(request), item);
    }
    const stored = new Set<string>();
    try {
      const keys = [...written.values()].map((item) => ({ pk: item.pk as AttributeValue, id: item.id as AttributeValue }));
      for (const item of await this.batchGet(keys)) {
        const id = item.id?.S ?? '';
        const mine = written.get(id);
        if (mine && sameItem(mine, item)) stored.add(id);
      }
    } catch {
      // Not confirmed: the rows stay failed, with the write's own reason.
    }
    return stored;
  }

  async removeSourceContactsNotFrom(
    owner: string,
    sourceId: string,
    keepImportId: string,
    beforeRemove?: (removed: StoredContact[]) => Promise<void>,
  ): Promise<number> {
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
            // Whole items when the change log records them before they go; else the key and
            // the type (its share items go too).
            ...(beforeRemove ? {} : { ProjectionExpression: 'pk, id, #type', ExpressionAttributeNames: { '#type': 'type' } }),
            ExpressionAttributeValues: marshall({ ':pk': `${owner}#${shard}`, ':source': sourceId, ':keep': keepImportId }),
            ExclusiveStartKey: startKey,
          }),
        );
        const items = result.Items ?? [];
        if (beforeRemove && items.length > 0) await beforeRemove(items.map((item) => storedOf(unmarshall(item))));
        for (let i = 0; i < items.length; i += BATCH_WRITE_LIMIT) {
          const chunk = items.slice(i, i + BATCH_WRITE_LIMIT);
          const deletes = chunk.map((item) => ({
            DeleteRequest: { Key: { pk: item.pk as AttributeValue, id: item.id as AttributeValue } },
          }));
          const { pending, reason } = await this.batchWrite(deletes);
          if (pending.length > 0) throw new Error(`could not delete ${pending.length} stale contacts: ${reason}`);
          removed += deletes.length;
          await this.removeShareItems(
            chunk.flatMap((item) => sharedGroupsOf(item.type?.S ?? '').map((group) => shareItemKeyOf(group, item.id?.S ?? ''))),
          );
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
      for (const item of await this.batchGet(keys)) {
        const contact = fromItem(unmarshall(item));
        // The key holds the owner already; checking again costs nothing and guards the rule.
        if (contact.owner === owner) found.set(contact.id, contact);
      }
    }
    return found;
  }

  async readStoredContacts(owner: string, ids: readonly string[]): Promise<Map<string, StoredContact>> {
    const found = new Map<string, StoredContact>();
    const unique = [...new Set(ids)];
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      const keys = unique.slice(start, start + BATCH_GET_LIMIT).map((id) => marshall({ pk: `${owner}#${shardOf(id)}`, id }));
      for (const item of await this.batchGet(keys)) {
        const stored = storedOf(unmarshall(item));
        if (stored.contact.owner === owner) found.set(stored.contact.id, stored);
      }
    }
    return found;
  }

  async deleteCreated(owner: string, id: string, importId: string): Promise<UndoOutcome> {
    const outcome = await conditionalWrite(() =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall({ pk: `${owner}#${shardOf(id)}`, id }),
          // Still the import's own write, or already gone (an undo that ran before, a write
          // that never happened). A later import stamps its own id; an edit carries none.
          ConditionExpression: 'attribute_not_exists(id) OR importId = :import',
          ExpressionAttributeValues: { ':import': { S: importId } },
          // Its type names the groups whose share items go with it.
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (!outcome.written) return 'conflict';
    // Nothing was there: already as before the import (an entry undone twice counts once).
    if (!outcome.output.Attributes) return 'unchanged';
    const gone = outcome.output.Attributes.type?.S ?? '';
    await this.removeShareItems(sharedGroupsOf(gone).map((group) => shareItemKeyOf(group, id)));
    return 'deleted';
  }

  async restoreChanged(previous: StoredContact, importId: string): Promise<UndoOutcome> {
    // The import id is the contact's version: every write replaces the item whole, each import
    // stamps its own id and an edit none, so the stamp holds only while nothing wrote since.
    return this.restore(previous, 'importId = :import', { ':import': { S: importId } });
  }

  restoreRemoved(previous: StoredContact): Promise<UndoOutcome> {
    // Not recreated since (by an import or an edit).
    return this.restore(previous, 'attribute_not_exists(id)');
  }

  private async restore(previous: StoredContact, condition: string, values?: Record<string, AttributeValue>): Promise<UndoOutcome> {
    const write: ContactWrite = { rowNumber: 0, contact: previous.contact, ...(previous.origin ? { origin: previous.origin } : {}) };
    const request = putRequestOf(write, new Date().toISOString());
    const item = request.PutRequest?.Item ?? {};
    // Share items before the contact, as writeContacts does: a contact restored into a group
    // without its share item would be hidden from the group.
    const unshared = await this.writeShareItems([write]);
    if (unshared.size > 0) throw new Error(unshared.get(previous.contact.id));
    const outcome = await conditionalWrite(() =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: condition,
          ...(values ? { ExpressionAttributeValues: values } : {}),
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (outcome.written) {
      // The groups the import had shared it with, and the restored value does not.
      const replaced = outcome.output.Attributes?.type?.S;
      if (replaced !== undefined) await this.removeShareItems(unsharedItemsOf({ ...write, previousType: replaced }));
      return 'restored';
    }
    // Refused: already put back (an undo that ran before, a write that never happened), or changed since.
    const current = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: item.pk as AttributeValue, id: item.id as AttributeValue },
        ConsistentRead: true,
      }),
    );
    return current.Item && sameStored(storedOf(unmarshall(current.Item)), previous) ? 'unchanged' : 'conflict';
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

  /**
   * Reads keys (at most 100), consistently, retrying UnprocessedKeys with the policy's backoff;
   * a thrown error (already retried by the SDK when transient) rejects, as does giving up.
   */
  private async batchGet(keys: Array<Record<string, AttributeValue>>): Promise<Array<Record<string, AttributeValue>>> {
    const policy = await this.policy();
    const items: Array<Record<string, AttributeValue>> = [];
    let pending = keys;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const result = await this.client.send(
        // Consistent reads: a re-import right after an import must see what it wrote.
        new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      items.push(...(result.Responses?.[this.tableName] ?? []));
      pending = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      if (pending.length === 0) break;
      if (attempt >= policy.maxAttempts) throw new Error(`throttled (unprocessed keys), gave up after ${attempt} attempts`);
      await sleep(backoffDelayMs(attempt, policy));
    }
    return items;
  }

  /**
   * Phases behind one cursor (lib/adapters/contact-cursor.ts): the owner's 16 shards, the 16
   * public shards (unless `includePublic` is false), then for each of `groups`, in sorted
   * order, its 16 share partitions.
   */
  async listVisibleContacts(owner: string, options: VisibleContactsOptions): Promise<ContactPage> {
    const groups = [...new Set(options.groups ?? [])].sort();
    const walk = new ListingWalk(groups, options.includePublic ?? true, decodeContactCursor(options.cursor, owner, SHARD_COUNT));
    const contacts: Contact[] = [];
    while (!walk.done && contacts.length < options.limit) {
      const limit = options.limit - contacts.length;
      const startKey = walk.startKey ? marshall(walk.startKey) : undefined;
      const page =
        walk.group !== undefined
          ? await this.groupContactsOf(owner, groups, walk.group, walk.shard - 2 * SHARD_COUNT, limit, startKey)
          : await this.ownOrPublicContactsOf(owner, walk.shard, limit, startKey);
      contacts.push(...page.contacts);
      walk.next(page.lastKey ? (unmarshall(page.lastKey) as Record<string, string>) : undefined);
    }
    return { contacts, nextCursor: walk.done ? null : encodeContactCursor(walk.cursor()) };
  }

  /** One page of shard `shard` of the owner's phase (below SHARD_COUNT) or of the public one. */
  private async ownOrPublicContactsOf(
    owner: string,
    shard: number,
    limit: number,
    startKey: Record<string, AttributeValue> | undefined,
  ): Promise<{ contacts: Contact[]; lastKey: Record<string, AttributeValue> | undefined }> {
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
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    return { contacts: (result.Items ?? []).map((item) => fromItem(unmarshall(item))), lastKey: result.LastEvaluatedKey };
  }

  /**
   * One page of `group`'s share partition `shard`: the share items, then the contacts they point
   * to. The contact itself decides, not its share item: one that no longer names the group (a
   * share item left behind) is dropped, and so are the reader's own contacts (listed first) and
   * contacts also shared with an earlier group of the reader's (listed there), so each is listed once.
   */
  private async groupContactsOf(
    owner: string,
    groups: readonly string[],
    group: string,
    shard: number,
    limit: number,
    startKey: Record<string, AttributeValue> | undefined,
  ): Promise<{ contacts: Contact[]; lastKey: Record<string, AttributeValue> | undefined }> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: groupPartitionOf(group, shard) } },
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    const keys = (result.Items ?? []).flatMap((item) => {
      const contactPk = item.contactPk?.S ?? '';
      const id = item.id?.S ?? '';
      return contactPk === '' || id === '' || contactPk === `${owner}#${shardOf(id)}` ? [] : [{ pk: { S: contactPk }, id: { S: id } }];
    });
    const found = new Map<string, Contact>();
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      for (const item of await this.batchGet(keys.slice(i, i + BATCH_GET_LIMIT))) {
        const contact = fromItem(unmarshall(item));
        found.set(contact.id, contact);
      }
    }
    const earlier = new Set(groups.filter((other) => other < group));
    const contacts = keys.flatMap(({ id }) => {
      const contact = found.get(id.S);
      if (!contact || contact.owner === owner) return [];
      const shared = sharedGroupsOf(contact.type);
      return shared.includes(group) && !shared.some((other) => earlier.has(other)) ? [contact] : [];
    });
    return { contacts, lastKey: result.LastEvaluatedKey };
  }
}

/**
 * Where a listing is: own shards, public shards, then each group's shards. `next` moves on
 * after a page (with DynamoDB's LastEvaluatedKey when the shard has more).
 */
class ListingWalk {
  shard = 0;
  group: string | undefined;
  startKey: Record<string, string> | undefined;
  done = false;

  constructor(
    private readonly groups: readonly string[],
    private readonly includePublic: boolean,
    cursor: ContactCursor,
  ) {
    this.startKey = cursor.k;
    if (cursor.s < 2 * SHARD_COUNT) {
      this.shard = cursor.s;
      this.skipUnwanted();
    } else if (cursor.g !== undefined && groups.includes(cursor.g)) {
      this.shard = cursor.s;
      this.group = cursor.g;
    } else {
      // The reader left that group since the previous page: go on with the next one they are in.
      this.startKey = undefined;
      this.enterGroup(groups.find((group) => group > (cursor.g ?? '')));
    }
  }

  next(lastKey: Record<string, string> | undefined): void {
    if (lastKey) {
      this.startKey = lastKey;
      return;
    }
    this.startKey = undefined;
    this.shard += 1;
    const group = this.group;
    if (group === undefined) this.skipUnwanted();
    else if (this.shard >= 3 * SHARD_COUNT) this.enterGroup(this.groups.find((other) => other > group));
  }

  cursor(): ContactCursor {
    return { s: this.shard, ...(this.startKey ? { k: this.startKey } : {}), ...(this.group !== undefined ? { g: this.group } : {}) };
  }

  /** From the own or public phase: past its end, or at the public phase when it is not wanted, to the first group. */
  private skipUnwanted(): void {
    if (this.shard >= 2 * SHARD_COUNT || (!this.includePublic && this.shard >= SHARD_COUNT)) this.enterGroup(this.groups[0]);
  }

  /** The first share partition of `group`; no group left ends the listing. */
  private enterGroup(group: string | undefined): void {
    this.shard = 2 * SHARD_COUNT;
    this.group = group;
    this.startKey = undefined;
    if (group === undefined) this.done = true;
  }
}

/** The share item of `contact` for `group`: its key in the group's partition and where the contact is. */
function shareItemPut(contact: Contact, group: string): WriteRequest {
  const shard = shardOf(contact.id);
  return {
    PutRequest: {
      Item: { pk: { S: groupPartitionOf(group, shard) }, id: { S: contact.id }, contactPk: { S: `${contact.owner}#${shard}` } },
    },
  };
}

function shareItemKeyOf(group: string, id: string): Record<string, AttributeValue> {
  return { pk: { S: groupPartitionOf(group, shardOf(id)) }, id: { S: id } };
}

/** The share items a write makes stale: the groups the contact was shared with and no longer is. */
function unsharedItemsOf(write: ContactWrite): Array<Record<string, AttributeValue>> {
  const now = sharedGroupsOf(write.contact.type);
  return sharedGroupsOf(write.previousType ?? '')
    .filter((group) => !now.includes(group))
    .map((group) => shareItemKeyOf(group, write.contact.id));
}

function idOf(request: WriteRequest): string {
  return request.PutRequest?.Item?.id?.S ?? '';
}
