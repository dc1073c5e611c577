import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { corsConfigOf, loadConfig } from '../lib/config.js';
import { createTables, type EmbeddedServer, startDynamoDb, startS3 } from './embedded-servers.js';
import { type EnvironmentSources, functionEnvironmentOf, type LocalSecrets, localBucketName, sharedSettingsOf } from './environment.js';
import { LocalFunctions } from './functions.js';
import { type Gateway, startGateway } from './gateway.js';
import { startLambdaEndpoint } from './lambda-endpoint.js';
import { loadServiceDefinition, type ServiceDefinition } from './service-definition.js';
import { deliverS3Notifications, startSchedules } from './triggers.js';

export type { LocalSecrets } from './environment.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface LocalStackOptions {
  /** Where data persists across restarts; omitted: in memory and a temporary folder. */
  dataDir?: string;
  /** Gateway port; 0 picks a free one. */
  port?: number;
  /** Users registered at start (idempotent). */
  seedUsers?: string[];
  /** Extra environment for every function (overrides the derived one). */
  env?: Record<string, string>;
  /** Concurrent workers per function before invocations wait (local/functions.ts). */
  maxWorkersPerFunction?: number;
  /**
   * Workers started and loaded before the stack serves, by function, as Lambda's provisioned
   * concurrency keeps environments initialized: for tests whose requests must run at the same
   * moment (a cold start takes longer here than a small import).
   */
  provisionedConcurrency?: Record<string, number>;
  /** Run the schedules of serverless.yml on timers (npm start does; tests call them directly). */
  runSchedules?: boolean;
}

export interface LocalStack {
  url: string;
  gateway: Gateway;
  dynamodbEndpoint: string;
  s3Endpoint: string;
  /** Bucket names by logical id (`UploadBucket`). */
  buckets: Record<string, string>;
  secrets: LocalSecrets;
  definition: ServiceDefinition;
  functions: LocalFunctions;
  /** Waits until background invocations (S3 notifications, async invokes) have finished. */
  settle(timeoutMs?: number): Promise<void>;
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

/** Undo steps, run last first, when the stack closes or fails to start. */
type Cleanup = Array<() => Promise<void> | void>;

async function runCleanup(cleanup: Cleanup): Promise<void> {
  for (const step of cleanup.splice(0).reverse()) await step();
}

interface Servers {
  dynamo: EmbeddedServer;
  s3: Awaited<ReturnType<typeof startS3>>;
  buckets: Record<string, string>;
}

/** dynalite with the tables, and s3rver with the buckets, under `dataDir` or a temporary folder. */
async function startServers(definition: ServiceDefinition, dataDir: string | undefined, cleanup: Cleanup): Promise<Servers> {
  const temporaryDir = dataDir ? undefined : await mkdtemp(path.join(tmpdir(), 'phonebook-import-'));
  if (temporaryDir) cleanup.push(() => rm(temporaryDir, { recursive: true, force: true }));
  const buckets = Object.fromEntries(definition.buckets.map((b) => [b.logicalId, localBucketName(definition, b.logicalId)]));
  const dynamo = await startDynamoDb(dataDir ? { directory: path.join(dataDir, 'dynamodb') } : {});
  cleanup.push(() => dynamo.close());
  const cors = Object.fromEntries(definition.buckets.map((b) => [localBucketName(definition, b.logicalId), b.corsRules]));
  const s3 = await startS3({ directory: path.join(dataDir ?? (temporaryDir as string), 's3'), buckets: Object.values(buckets), cors });
  cleanup.push(() => s3.close());
  await createTables(dynamo.endpoint, definition.tables);
  return { dynamo, s3, buckets };
}

async function seedUsers(dynamodbEndpoint: string, usersTable: string, usernames: string[]): Promise<void> {
  if (usernames.length === 0) return;
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoUserRepository } = await import('../lib/adapters/dynamodb-users.js');
  const client = new DynamoDBClient({
    endpoint: dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const users = new DynamoUserRepository(client, usersTable);
  for (const username of usernames) await users.registerUser(username);
  client.destroy();
}

/**
 * The stack-wide settings, put into this process's environment for code that runs here beside
 * the stack (tests and the bench use lib/ against the same servers); the functions do not read
 * it, each has its own. Returns the step that puts the previous values back.
 */
function lendEnvironment(settings: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(settings).map((name) => [name, process.env[name]]));
  Object.assign(process.env, settings);
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/**
 * Refuses a configuration the functions would each refuse when first called, before the
 * stack serves, naming the variable (a ConfigError); also an operator value over the stack's
 * own names in any function's environment.
 */
function validateSettings(definition: ServiceDefinition, sources: EnvironmentSources): void {
  loadConfig({ ...sources.operator, ...sharedSettingsOf(definition, sources) });
  for (const name of Object.keys(definition.functions)) functionEnvironmentOf(definition, name, sources);
}

/** Starts DynamoDB- and S3-compatible servers, creates the tables, and serves the API. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const definition = await loadServiceDefinition(path.join(PROJECT_ROOT, 'serverless.yml'));
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const secrets = await localSecrets(options.dataDir);
  // The operator's environment as it is now: what the stack lends this process later is not the operator's.
  const sources: EnvironmentSources = { operator: { ...process.env }, secrets, endpoints: {}, callerEnv: options.env ?? {} };
  validateSettings(definition, sources);
  const cleanup: Cleanup = [];
  try {
    const { dynamo, s3, buckets } = await startServers(definition, options.dataDir, cleanup);
    const functions = new LocalFunctions(definition, {
      environmentOf: (name) => functionEnvironmentOf(definition, name, sources),
      ...(options.maxWorkersPerFunction ? { maxWorkersPerFunction: options.maxWorkersPerFunction } : {}),
    });
    cleanup.push(() => functions.close());
    const lambda = await startLambdaEndpoint(functions);
    cleanup.push(() => lambda.close());
    sources.endpoints = { DYNAMODB_ENDPOINT: dynamo.endpoint, S3_ENDPOINT: s3.endpoint, LAMBDA_ENDPOINT: lambda.endpoint };
    const shared = sharedSettingsOf(definition, sources);
    cleanup.push(lendEnvironment(shared));
    await seedUsers(dynamo.endpoint, shared.USERS_TABLE ?? 'UsersTable', options.seedUsers ?? []);
    deliverS3Notifications(s3.server, definition, buckets, functions);
    const timers = options.runSchedules ? startSchedules(definition, functions) : [];
    cleanup.push(() => {
      for (const timer of timers) clearInterval(timer);
    });
    await Promise.all(Object.entries(options.provisionedConcurrency ?? {}).map(([name, count]) => functions.provision(name, count)));
    // The preflight's origins: the same CORS_ORIGINS the functions get (serverless.yml's default, the operator's, a test's).
    const gateway = await startGateway({ definition, functions, port: options.port ?? 0, corsOrigins: corsConfigOf(shared).corsOrigins });
    cleanup.push(async () => {
      for (const timer of timers) clearInterval(timer);
      await gateway.close();
      await functions.settle();
    });
    return {
      url: gateway.url,
      gateway,
      dynamodbEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
      buckets,
      secrets,
      definition,
      functions,
      settle: (timeoutMs) => functions.settle(timeoutMs),
      close: () => runCleanup(cleanup),
    };
  } catch (error) {
    await runCleanup(cleanup).catch(() => undefined);
    throw error;
  }
}
