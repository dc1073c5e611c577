import { DeleteItemCommand, type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { LimitStore } from '../storage/ports.js';
import { conditionalWrite } from './dynamodb-conditional-write.js';

/**
 * Rate counters and in-flight slots in one small table (LimitsTable: `pk` only, TTL on
 * `expiresAt`). Every write is conditional, so the limit holds across concurrent containers.
 */
export class DynamoLimitStore implements LimitStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async countHit(counter: string, max: number, expiresAtSeconds: number): Promise<boolean> {
    const outcome = await conditionalWrite(() =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: counter } },
          UpdateExpression: 'ADD hits :one SET expiresAt = if_not_exists(expiresAt, :expires)',
          // The window's first hit creates the item; later ones only while under the limit.
          ConditionExpression: 'attribute_not_exists(hits) OR hits < :max',
          ExpressionAttributeValues: { ':one': { N: '1' }, ':max': { N: String(max) }, ':expires': { N: String(expiresAtSeconds) } },
        }),
      ),
    );
    return outcome.written;
  }

  async takeSlot(pool: string, index: number, holder: string, nowMs: number, leaseUntilMs: number): Promise<boolean> {
    const outcome = await conditionalWrite(() =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: `${pool}#${index}` },
            holder: { S: holder },
            leaseUntil: { N: String(leaseUntilMs) },
            // TTL only tidies up; the condition below is what frees a dead holder's slot.
            expiresAt: { N: String(Math.ceil(leaseUntilMs / 1000) + 60) },
          },
          // Free, or held by an import whose lease ran out (it died without releasing).
          ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now',
          ExpressionAttributeValues: { ':now': { N: String(nowMs) } },
        }),
      ),
    );
    return outcome.written;
  }

  async releaseSlot(pool: string, index: number, holder: string): Promise<void> {
    // After a lease ran out another import may hold the slot: a failed condition leaves theirs alone.
    await conditionalWrite(() =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: `${pool}#${index}` } },
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': { S: holder } },
        }),
      ),
    );
  }
}
