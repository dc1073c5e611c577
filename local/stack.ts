import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTables, type EmbeddedServer, startDynamoDb, startS3 } from './embedded-servers.js';
import { type Gateway, startGateway } from './gateway.js';
import { loadServiceDefinition, type ServiceDefinition } from './service-definition.js';

// The SDK warns on every start that its 2027 releases need Node 22; the Lambda runtime is
// Node 22 already (serverless.yml), and the warning buries the local stack's own output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The local stand-in for serverless.yml's UploadBucket. */
const LOCAL_UPLOAD_BUCKET = 'phonebook-import-uploads';

export interface LocalSecrets {
  superAdminToken: string;
  jwtSecret: string;
}

export interface LocalStackOptions {
  /** Where data persists across restarts; omitted: in memory and a temporary folder. */
  dataDir?: string;
  /** Gateway port; 0 picks a free one. */
  port?: number;
  /** Users registered at start (idempotent). */
  seedUsers?: string[];
  /** Extra environment for the handlers (overrides the derived one). */
  env?: Record<string, string>;
}

export interface LocalStack {
  url: string;
  gateway: Gateway;
  dynamodbEndpoint: string;
  s3Endpoint: string;
  secrets: LocalSecrets;
  definition: ServiceDefinition;
  close(): Promise<void>;
}

/** Secrets persist with the data so tokens minted yesterday still work today. */
async function localSecrets(dataDir: string | undefined): Promise<LocalSecrets> {
  const fromEnv = { superAdminToken: process.env.SUPER_ADMIN_TOKEN, jwtSecret: process.env.JWT_SECRET };
  const file = dataDir ? path.join(dataDir, 'local-secrets.json') : undefined;
  let stored: Partial<LocalSecrets> = {};
  if (file) {
    try {
      stored = JSON.parse(await readFile(file, 'utf8')) as Partial<LocalSecrets>;
    } catch {
      stored = {};
    }
  }
  const secrets: LocalSecrets = {
    superAdminToken: fromEnv.superAdminToken || stored.superAdminToken || randomBytes(24).toString('base64url'),
    jwtSecret: fromEnv.jwtSecret || stored.jwtSecret || randomBytes(32).toString('base64url'),
  };
  if (file) await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

export async function readLocalSecrets(dataDir: string): Promise<LocalSecrets | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dataDir, 'local-secrets.json'), 'utf8')) as LocalSecrets;
  } catch {
    return undefined;
  }
}

/**
 * The handlers' environment as serverless.yml declares it, resolved for the laptop: table
 * references become the local table names, `${param:x}` takes the default, and the SSM
 * parameter names give way to the local secrets.
 */
function handlerEnvironment(definition: ServiceDefinition): Record<string, string> {
  const tableIds = new Set(definition.tables.map((table) => table.logicalId));
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(definition.environment)) {
    if (name.endsWith('_PARAM') || name === 'NODE_OPTIONS') continue;
    if (value && typeof value === 'object' && 'Ref' in value && tableIds.has(String(value.Ref))) {
      env[name] = String(value.Ref);
      continue;
    }
    if (typeof value !== 'string') continue;
    const param = /^\$\{param:([A-Za-z0-9]+)\}$/.exec(value);
    if (param?.[1] !== undefined) env[name] = definition.params[param[1]] ?? '';
    else if (!value.includes('${')) env[name] = value;
  }
  return env;
}

/** Starts DynamoDB- and S3-compatible servers, creates the tables, and serves the API. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const definition = await loadServiceDefinition(path.join(PROJECT_ROOT, 'serverless.yml'));
  const temporaryDir = options.dataDir ? undefined : await mkdtemp(path.join(tmpdir(), 'phonebook-import-'));
  const dataDir = options.dataDir;
  const started: EmbeddedServer[] = [];
  try {
    const dynamo = await startDynamoDb(dataDir ? { directory: path.join(dataDir, 'dynamodb') } : {});
    started.push(dynamo);
    const s3 = await startS3({ directory: path.join(dataDir ?? (temporaryDir as string), 's3'), buckets: [LOCAL_UPLOAD_BUCKET] });
    started.push(s3);
    await createTables(dynamo.endpoint, definition.tables);
    const secrets = await localSecrets(dataDir);

    const env: Record<string, string> = {
      ...handlerEnvironment(definition),
      AWS_REGION: 'us-east-1',
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      S3_ENDPOINT: s3.endpoint,
      UPLOAD_BUCKET: LOCAL_UPLOAD_BUCKET,
      SUPER_ADMIN_TOKEN: secrets.superAdminToken,
      JWT_SECRET: secrets.jwtSecret,
      ...options.env,
    };
    // Handlers read their configuration once, when first loaded, from process.env.
    Object.assign(process.env, env);

    if (options.seedUsers && options.seedUsers.length > 0) {
      const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
      const { DynamoUserRepository } = await import('../lib/adapters/dynamodb-users.js');
      const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      const users = new DynamoUserRepository(client, env.USERS_TABLE ?? 'UsersTable');
      for (const username of options.seedUsers) await users.registerUser(username);
      client.destroy();
    }

    const gateway = await startGateway({ definition, root: PROJECT_ROOT, port: options.port ?? 0 });
    return {
      url: gateway.url,
      gateway,
      dynamodbEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
      secrets,
      definition,
      close: async () => {
        await gateway.close();
        for (const server of started.reverse()) await server.close();
        if (temporaryDir) await rm(temporaryDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const server of started.reverse()) await server.close().catch(() => undefined);
    throw error;
  }
}
