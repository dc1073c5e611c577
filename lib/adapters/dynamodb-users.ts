import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { User, UserRepository } from '../storage/ports.js';

export class DynamoUserRepository implements UserRepository {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async findUser(username: string): Promise<User | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { username: { S: username } }, ConsistentRead: true }),
    );
    if (!result.Item) return undefined;
    return { username, createdAt: result.Item.createdAt?.S ?? '' };
  }

  /**
   * One request whatever the user's state: the date is set only if there is none
   * (`if_not_exists`), so registering twice keeps the first registration, and the stored
   * record comes back with the answer instead of being read after a refused put.
   */
  async registerUser(username: string): Promise<{ user: User; created: boolean }> {
    const createdAt = new Date().toISOString();
    const result = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { username: { S: username } },
        UpdateExpression: 'SET createdAt = if_not_exists(createdAt, :createdAt)',
        ExpressionAttributeValues: { ':createdAt': { S: createdAt } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const stored = result.Attributes?.createdAt?.S ?? createdAt;
    // The SDK retries a write whose answer was lost; the retry then finds the record the first
    // attempt wrote. Same date: that record is this call's.
    return { user: { username, createdAt: stored }, created: stored === createdAt };
  }
}
