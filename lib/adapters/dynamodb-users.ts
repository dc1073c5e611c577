import { type AttributeValue, type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { User, UserRepository, UserSettings } from '../storage/ports.js';

/** A list (L), not a string set: it keeps the admin's order and may be empty. */
function groupsOf(item: Record<string, AttributeValue>): string[] {
  return (item.groups?.L ?? []).flatMap((value) => (value.S === undefined ? [] : [value.S]));
}

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
    return { username, createdAt: result.Item.createdAt?.S ?? '', groups: groupsOf(result.Item) };
  }

  /**
   * One request whatever the user's state: the date is set only if there is none
   * (`if_not_exists`), so registering twice keeps the first registration, and the stored
   * record comes back with the answer instead of being read after a refused put. Settings
   * given are set in the same request; those not given are left as stored.
   */
  async registerUser(username: string, settings: UserSettings = {}): Promise<{ user: User; created: boolean }> {
    const createdAt = new Date().toISOString();
    const sets = ['createdAt = if_not_exists(createdAt, :createdAt)'];
    const values: Record<string, AttributeValue> = { ':createdAt': { S: createdAt } };
    if (settings.groups !== undefined) {
      sets.push('#groups = :groups');
      values[':groups'] = { L: settings.groups.map((group) => ({ S: group })) };
    }
    const result = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { username: { S: username } },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ...(settings.groups !== undefined ? { ExpressionAttributeNames: { '#groups': 'groups' } } : {}),
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    const stored = result.Attributes?.createdAt?.S ?? createdAt;
    // The SDK retries a write whose answer was lost; the retry then finds the record the first
    // attempt wrote. Same date: that record is this call's.
    return {
      user: { username, createdAt: stored, groups: result.Attributes ? groupsOf(result.Attributes) : (settings.groups ?? []) },
      created: stored === createdAt,
    };
  }
}
