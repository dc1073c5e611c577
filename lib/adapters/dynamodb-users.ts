import { ConditionalCheckFailedException, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
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

  async registerUser(username: string): Promise<{ user: User; created: boolean }> {
    const createdAt = new Date().toISOString();
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { username: { S: username }, createdAt: { S: createdAt } },
          // Registering twice keeps the first registration (and its date).
          ConditionExpression: 'attribute_not_exists(username)',
        }),
      );
      return { user: { username, createdAt }, created: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.findUser(username);
      // The SDK retries a put whose answer was lost; the retry then fails its condition on the
      // record the first attempt wrote. Same date: that record is this call's.
      return { user: existing ?? { username, createdAt }, created: existing?.createdAt === createdAt };
    }
  }
}
