import { DeleteItemCommand, type DynamoDBClient, GetItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ReimportSource, SourceStore } from '../storage/ports.js';
import { conditionalWrite } from './dynamodb-conditional-write.js';

/** What the schedule records on a source: an edit keeps it (what was imported, whether it is busy). */
const KEPT_ON_EDIT: ReadonlySet<string> = new Set(['createdAt', 'lastImportedEtag', 'lastImportId', 'runningImportId', 'runningSince']);
/** What an edit leaves out is removed: a source moved from `key` to `prefix` loses its key; an edit clears the last tick's error. */
const REPLACED_ON_EDIT = ['owner', 'key', 'prefix', 'mode', 'importOptions', 'enabled', 'updatedAt', 'lastError', 'lastErrorAt'] as const;

/**
 * The one UpdateItem that creates or edits a source: described attributes are set, the ones
 * the schedule keeps are set only when absent (`if_not_exists`), the ones the edit leaves out
 * are removed. Names go through `#name`: `owner`, `key` and `mode` are DynamoDB reserved words.
 */
function upsertOf(source: ReimportSource): { update: string; names: Record<string, string>; values: Record<string, unknown> } {
  const sets: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(source)) {
    if (name === 'id' || value === undefined) continue;
    names[`#${name}`] = name;
    values[`:${name}`] = value;
    sets.push(KEPT_ON_EDIT.has(name) ? `#${name} = if_not_exists(#${name}, :${name})` : `#${name} = :${name}`);
  }
  const removes = REPLACED_ON_EDIT.filter((name) => source[name] === undefined).map((name) => {
    names[`#${name}`] = name;
    return `#${name}`;
  });
  return { update: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`, names, values };
}

export class DynamoSourceStore implements SourceStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /**
   * One request, no read first: a read-then-put could write back a busy mark that the import
   * cleared in between (or drop one it set), leaving the source stuck or doubly run.
   */
  async putSource(source: ReimportSource): Promise<{ source: ReimportSource; created: boolean }> {
    const { update, names, values } = upsertOf(source);
    const result = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall({ id: source.id }),
        UpdateExpression: update,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
        ReturnValues: 'ALL_NEW',
      }),
    );
    const stored = result.Attributes ? (unmarshall(result.Attributes) as ReimportSource) : source;
    // The stored creation date is this call's only when the call created the source, also when
    // the SDK retried it after the answer to the write was lost.
    return { source: stored, created: stored.createdAt === source.createdAt };
  }

  async getSource(id: string): Promise<ReimportSource | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall({ id }), ConsistentRead: true }));
    return result.Item ? (unmarshall(result.Item) as ReimportSource) : undefined;
  }

  async listSources(): Promise<ReimportSource[]> {
    const sources: ReimportSource[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(
        new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey ? marshall(startKey) : undefined }),
      );
      for (const item of result.Items ?? []) sources.push(unmarshall(item) as ReimportSource);
      startKey = result.LastEvaluatedKey ? unmarshall(result.LastEvaluatedKey) : undefined;
    } while (startKey);
    return sources.sort((a, b) => a.id.localeCompare(b.id));
  }

  async deleteSource(id: string): Promise<boolean> {
    const result = await this.client.send(
      new DeleteItemCommand({ TableName: this.tableName, Key: marshall({ id }), ReturnValues: 'ALL_OLD' }),
    );
    return result.Attributes !== undefined;
  }

  async markRunning(id: string, importId: string, now: Date, staleAfterMs: number): Promise<boolean> {
    const outcome = await conditionalWrite(() =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ id }),
          UpdateExpression: 'SET runningImportId = :importId, runningSince = :now',
          // One import per source at a time; a mark older than `staleAfterMs` is abandoned.
          ConditionExpression: 'attribute_exists(id) AND (attribute_not_exists(runningImportId) OR runningSince < :staleBefore)',
          ExpressionAttributeValues: marshall({
            ':importId': importId,
            ':now': now.toISOString(),
            ':staleBefore': new Date(now.getTime() - staleAfterMs).toISOString(),
          }),
        }),
      ),
    );
    return outcome.written;
  }

  async markFinished(id: string, importId: string, imported?: { etag: string }): Promise<void> {
    // A failed condition: the source was deleted or re-marked meanwhile, nothing of ours to clear.
    await conditionalWrite(() =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ id }),
          UpdateExpression: imported
            ? 'SET lastImportedEtag = :etag, lastImportId = :importId REMOVE runningImportId, runningSince'
            : 'REMOVE runningImportId, runningSince',
          ConditionExpression: 'runningImportId = :importId',
          ExpressionAttributeValues: marshall({ ':importId': importId, ...(imported ? { ':etag': imported.etag } : {}) }),
        }),
      ),
    );
  }

  async recordTickError(id: string, error: { reason: string; at: Date } | undefined): Promise<void> {
    await conditionalWrite(() =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ id }),
          UpdateExpression: error ? 'SET lastError = :reason, lastErrorAt = :at' : 'REMOVE lastError, lastErrorAt',
          // Never recreate a source deleted meanwhile.
          ConditionExpression: 'attribute_exists(id)',
          ...(error ? { ExpressionAttributeValues: marshall({ ':reason': error.reason, ':at': error.at.toISOString() }) } : {}),
        }),
      ),
    );
  }
}
