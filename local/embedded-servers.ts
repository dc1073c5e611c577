import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, type CreateTableCommandInput, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { s3SignatureCheck } from './s3-auth.js';
import type { BucketCorsRule, TableDefinition } from './service-definition.js';

export interface EmbeddedServer {
  endpoint: string;
  close(): Promise<void>;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
/** s3rver's built-in account. */
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** dynalite: the DynamoDB API in-process, on LevelDB under `directory` (or in memory). */
export async function startDynamoDb(options: { directory?: string; port?: number }): Promise<EmbeddedServer> {
  if (options.directory) await mkdir(options.directory, { recursive: true });
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.directory ? { path: options.directory } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A bucket's CORS rules as the XML document s3rver (like S3's PutBucketCors) takes. */
export function corsXmlOf(rules: readonly BucketCorsRule[]): string {
  const element = (name: string, values: readonly string[] | undefined) =>
    (values ?? []).map((value) => `<${name}>${xmlEscape(value)}</${name}>`).join('');
  const body = rules
    .map(
      (rule) =>
        `<CORSRule>${element('AllowedOrigin', rule.AllowedOrigins)}${element('AllowedMethod', rule.AllowedMethods)}` +
        `${element('AllowedHeader', rule.AllowedHeaders)}${element('ExposeHeader', rule.ExposedHeaders)}` +
        `${rule.MaxAge === undefined ? '' : `<MaxAgeSeconds>${rule.MaxAge}</MaxAgeSeconds>`}</CORSRule>`,
    )
    .join('');
  return `<CORSConfiguration>${body}</CORSConfiguration>`;
}

/**
 * s3rver: the S3 API on the file system under `directory`. `cors` gives buckets their CORS
 * rules (serverless.yml's CorsConfiguration), so that a browser page can PUT to a presigned
 * URL as it can in AWS; without rules s3rver refuses every preflight.
 */
export async function startS3(options: {
  directory: string;
  port?: number;
  buckets: string[];
  cors?: Readonly<Record<string, readonly BucketCorsRule[]>>;
}): Promise<EmbeddedServer & { server: S3rver }> {
  await mkdir(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    directory: options.directory,
    silent: true,
    configureBuckets: options.buckets.map((name) => {
      const rules = options.cors?.[name] ?? [];
      return { name, configs: rules.length > 0 ? [corsXmlOf(rules)] : [] };
    }),
  });
  // Koa composes its middleware when it starts listening: this check runs before s3rver's own.
  (server as unknown as { middleware: unknown[] }).middleware.unshift(s3SignatureCheck(S3RVER_CREDENTIALS));
  const address = (await server.run()) as AddressInfo;
  return {
    server,
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () => server.close(),
  };
}

/** Creates each table of serverless.yml (named by its logical id) unless it exists. */
export async function createTables(endpoint: string, tables: TableDefinition[]): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  try {
    for (const table of tables) {
      try {
        await client.send(new DescribeTableCommand({ TableName: table.logicalId }));
        continue;
      } catch (error) {
        if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
      }
      const { BillingMode, AttributeDefinitions, KeySchema, GlobalSecondaryIndexes } = table.properties as Record<string, unknown>;
      const input = {
        TableName: table.logicalId,
        BillingMode,
        AttributeDefinitions,
        KeySchema,
        ...(GlobalSecondaryIndexes ? { GlobalSecondaryIndexes } : {}),
      } as CreateTableCommandInput;
      await client.send(new CreateTableCommand(input));
    }
  } finally {
    client.destroy();
  }
}
