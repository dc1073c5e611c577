import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Creates on-demand tables with one string hash key each, `[name, key]`, on a local DynamoDB. */
export async function createHashKeyTables(endpoint: string, tables: ReadonlyArray<readonly [name: string, key: string]>): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    for (const [TableName, key] of tables) {
      await client.send(
        new CreateTableCommand({
          TableName,
          KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    }
  } finally {
    client.destroy();
  }
}
