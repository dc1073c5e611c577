import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ImportControls } from '../import/import-options.js';
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
    const importOptions = result.Item.importOptions?.M;
    return {
      username,
      createdAt: result.Item.createdAt?.S ?? '',
      ...(importOptions ? { importOptions: unmarshall(importOptions) as ImportControls } : {}),
    };
  }

  /** The user is registered just before (PUT /admin/users/{username}); defaults are not kept as a value. */
  async setImportOptions(username: string, options: ImportControls): Promise<void> {
    const empty = Object.keys(options).length === 0;
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { username: { S: username } },
        UpdateExpression: empty ? 'REMOVE importOptions' : 'SET importOptions = :options',
        ...(empty ? {} : { ExpressionAttributeValues: { ':options': { M: marshall(options, { removeUndefinedValues: true }) } } }),
      }),
    );
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
    const importOptions = result.Attributes?.importOptions?.M;
    // The SDK retries a write whose answer was lost; the retry then finds the record the first
    // attempt wrote. Same date: that record is this call's.
    return {
      user: { username, createdAt: stored, ...(importOptions ? { importOptions: unmarshall(importOptions) as ImportControls } : {}) },
      created: stored === createdAt,
    };
  }
}
