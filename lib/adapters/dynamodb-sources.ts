import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ReimportSource, SourceStore } from '../storage/ports.js';

export class DynamoSourceStore implements SourceStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async putSource(source: ReimportSource): Promise<{ created: boolean }> {
    const existing = await this.getSource(source.id);
    // Editing a source keeps what it has imported and whether it is busy.
    const merged: ReimportSource = existing
      ? {
          ...source,
          createdAt: existing.createdAt,
          ...(existing.lastImportedEtag ? { lastImportedEtag: existing.lastImportedEtag } : {}),
          ...(existing.lastImportId ? { lastImportId: existing.lastImportId } : {}),
          ...(existing.runningImportId ? { runningImportId: existing.runningImportId } : {}),
          ...(existing.runningSince ? { runningSince: existing.runningSince } : {}),
        }
      : source;
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: marshall(merged, { removeUndefinedValues: true }) }));
    return { created: existing === undefined };
  }

  async getSource(id: string): Promise<ReimportSource | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall({ id }), ConsistentRead: true }));
    return result.Item ? (unmarshall(result.Item) as ReimportSource) : undefined;
  }

  async listSources(): Promise<ReimportSource[]> {
    const sources: ReimportSource[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey ? marshall(startKey) : undefined }));
      for (const item of result.Items ?? []) sources.push(unmarshall(item) as ReimportSource);
      startKey = result.LastEvaluatedKey ? unmarshall(result.LastEvaluatedKey) : undefined;
    } while (startKey);
    return sources.sort((a, b) => a.id.localeCompare(b.id));
  }

  async deleteSource(id: string): Promise<boolean> {
    const result = await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: marshall({ id }), ReturnValues: 'ALL_OLD' }));
    return result.Attributes !== undefined;
  }

  async markRunning(id: string, importId: string, now: Date, staleAfterMs: number): Promise<boolean> {
    try {
      await this.client.send(
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
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async markFinished(id: string, importId: string, imported?: { etag: string }): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ id }),
          UpdateExpression: imported
            ? 'SET lastImportedEtag = :etag, lastImportId = :importId REMOVE runningImportId, runningSince'
            : 'REMOVE runningImportId, runningSince',
          ConditionExpression: 'runningImportId = :importId',
          ExpressionAttributeValues: marshall({ ':importId': importId, ...(imported ? { ':etag': imported.etag } : {}) }),
        }),
      );
    } catch (error) {
      // The source was deleted or re-marked meanwhile: nothing of ours to clear.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async recordTickError(id: string, error: { reason: string; at: Date } | undefined): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ id }),
          UpdateExpression: error ? 'SET lastError = :reason, lastErrorAt = :at' : 'REMOVE lastError, lastErrorAt',
          // Never recreate a source deleted meanwhile.
          ConditionExpression: 'attribute_exists(id)',
          ...(error ? { ExpressionAttributeValues: marshall({ ':reason': error.reason, ':at': error.at.toISOString() }) } : {}),
        }),
      );
    } catch (failure) {
      if (!(failure instanceof ConditionalCheckFailedException)) throw failure;
    }
  }
}
