import { type AttributeValue, type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ImportControls } from '../import/import-options.js';
import type { User, UserRepository, UserSettings } from '../storage/ports.js';

/** A list (L), not a string set: it keeps the admin's order and may be empty. */
function groupsOf(item: Record<string, AttributeValue>): string[] {
  return (item.groups?.L ?? []).flatMap((value) => (value.S === undefined ? [] : [value.S]));
}

/** The stored record as a User: groups always, import options when set. */
function userOf(username: string, createdAt: string, item: Record<string, AttributeValue>): User {
  const importOptions = item.importOptions?.M;
  return {
    username,
    createdAt,
    groups: groupsOf(item),
    ...(importOptions ? { importOptions: unmarshall(importOptions) as ImportControls } : {}),
  };
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
    return userOf(username, result.Item.createdAt?.S ?? '', result.Item);
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
    const removes: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, AttributeValue> = { ':createdAt': { S: createdAt } };
    if (settings.groups !== undefined) {
      sets.push('#groups = :groups');
      names['#groups'] = 'groups';
      values[':groups'] = { L: settings.groups.map((group) => ({ S: group })) };
    }
    if (settings.importOptions !== undefined) {
      // The defaults are not kept as a value: `{}` removes the attribute.
      if (Object.keys(settings.importOptions).length === 0) removes.push('importOptions');
      else {
        sets.push('importOptions = :importOptions');
        values[':importOptions'] = { M: marshall(settings.importOptions, { removeUndefinedValues: true }) };
      }
    }
    const result = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { username: { S: username } },
        UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    const stored = result.Attributes?.createdAt?.S ?? createdAt;
    // The SDK retries a write whose answer was lost; the retry then finds the record the first
    // attempt wrote. Same date: that record is this call's.
    return {
      user: userOf(username, stored, result.Attributes ?? {}),
      created: stored === createdAt,
    };
  }
}
