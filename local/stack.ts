import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../lib/config.js';
import { ConfigError } from '../lib/errors.js';
import { createTables, type EmbeddedServer, startDynamoDb, startS3 } from './embedded-servers.js';
import { LocalFunctions } from './functions.js';
import { type Gateway, startGateway } from './gateway.js';
import { startLambdaEndpoint } from './lambda-endpoint.js';
import { loadServiceDefinition, type ServiceDefinition } from './service-definition.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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

const LOCAL_STAGE = 'local';

/** Local bucket names: the service, the stage and the logical id, as S3 allows them. */
function localBucketName(definition: ServiceDefinition, logicalId: string): string {
  return `${definition.service}-${LOCAL_STAGE}-${logicalId.toLowerCase()}`;
}

/** S3 URL-encodes keys in notifications (spaces as '+'); the embedded server does not. */
function encodeEventKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');
}

/** `rate(15 minutes)` in milliseconds. */
function rateMs(rate: string): number {
  const match = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(rate.trim());
  if (!match) throw new Error(`unsupported schedule '${rate}' (the local stack runs rate(...) expressions)`);
  const unit = (match[2] ?? '').replace(/s$/, '');
  const unitMs = unit === 'minute' ? 60_000 : unit === 'hour' ? 3_600_000 : 86_400_000;
  return Number(match[1]) * unitMs;
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

interface HandlerEnvironment {
  /** Names the stack decides: the local tables, bucket and function (the embedded servers' names). */
  wiring: Record<string, string>;
  /** `${param:x}` values: serverless.yml's defaults for the operator's settings. */
  defaults: Record<string, string>;
}

/**
 * The handlers' environment as serverless.yml declares it, resolved for the laptop: table
 * references become the local table names, `${param:x}` takes the default, and the SSM
 * parameter names give way to the local secrets.
 */
function handlerEnvironment(definition: ServiceDefinition): HandlerEnvironment {
  const tableIds = new Set(definition.tables.map((table) => table.logicalId));
  const wiring: Record<string, string> = {};
  const defaults: Record<string, string> = {};
  for (const [name, value] of Object.entries(definition.environment)) {
    if (name.endsWith('_PARAM') || name === 'NODE_OPTIONS') continue;
    if (value && typeof value === 'object' && 'Ref' in value && tableIds.has(String(value.Ref))) {
      wiring[name] = String(value.Ref);
      continue;
    }
    const bucket = definition.buckets.find((b) => JSON.stringify(b.nameExpression) === JSON.stringify(value));
    if (bucket) {
      wiring[name] = localBucketName(definition, bucket.logicalId);
      continue;
    }
    if (typeof value !== 'string') continue;
    const resolved = value
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax, not a JS template
      .replaceAll('${self:service}', definition.service)
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax, not a JS template
      .replaceAll('${sls:stage}', LOCAL_STAGE)
      .replace(/\$\{param:([A-Za-z0-9]+)\}/g, (_, param: string) => definition.params[param] ?? '');
    if (resolved.includes('${')) continue;
    if (/\$\{param:/.test(value)) defaults[name] = resolved;
    else wiring[name] = resolved;
  }
  return { wiring, defaults };
}

/** An operator's value: set and not blank (a blank value means unset, as lib/config.ts reads it). */
function operatorValue(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * What the handlers run with, lowest precedence first: serverless.yml's defaults, the
 * operator's environment (`npm start`'s own), the local secrets, the stack's wiring, and the
 * caller's `env` (tests). Settings serverless.yml does not name (MAX_UPLOAD_BYTES, ...) are
 * read by the handlers from the operator's environment as they are.
 *
 * With JWT_JWKS_URL set and no JWT_SECRET of the operator's, the generated HS256 secret is
 * left out: user tokens then come from the identity provider only, as in the cloud, and the
 * default algorithm is RS256 (README "Configuration").
 */
function settingsOf(definition: ServiceDefinition, secrets: LocalSecrets, callerEnv: Record<string, string>): Record<string, string> {
  const { wiring, defaults } = handlerEnvironment(definition);
  const settings: Record<string, string> = { ...defaults };
  for (const name of Object.keys(defaults)) {
    const value = operatorValue(name);
    if (value !== undefined) settings[name] = value;
  }
  for (const [name, value] of Object.entries(wiring)) {
    const operator = operatorValue(name);
    if (operator !== undefined && operator !== value && callerEnv[name] === undefined) {
      throw new ConfigError(`${name} is the local stack's own (${value}); unset it for npm start (got '${operator}')`);
    }
  }
  const jwksOnly = (callerEnv.JWT_JWKS_URL ?? settings.JWT_JWKS_URL ?? '').trim() !== '' && operatorValue('JWT_SECRET') === undefined;
  return {
    ...settings,
    AWS_REGION: 'us-east-1',
    SUPER_ADMIN_TOKEN: secrets.superAdminToken,
    ...(jwksOnly ? {} : { JWT_SECRET: secrets.jwtSecret }),
    ...wiring,
    ...callerEnv,
  };
}

/** Starts DynamoDB- and S3-compatible servers, creates the tables, and serves the API. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const definition = await loadServiceDefinition(path.join(PROJECT_ROOT, 'serverless.yml'));
  const dataDir = options.dataDir;
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const secrets = await localSecrets(dataDir);
  const settings = settingsOf(definition, secrets, options.env ?? {});
  // The handlers would each read (and refuse) the same configuration when first called; the
  // stack refuses it before it serves, naming the variable (a ConfigError).
  loadConfig({ ...process.env, ...settings });
  const temporaryDir = dataDir ? undefined : await mkdtemp(path.join(tmpdir(), 'phonebook-import-'));
  const started: EmbeddedServer[] = [];
  const timers: NodeJS.Timeout[] = [];
  const buckets = Object.fromEntries(definition.buckets.map((b) => [b.logicalId, localBucketName(definition, b.logicalId)]));
  try {
    const dynamo = await startDynamoDb(dataDir ? { directory: path.join(dataDir, 'dynamodb') } : {});
    started.push(dynamo);
    const s3 = await startS3({ directory: path.join(dataDir ?? (temporaryDir as string), 's3'), buckets: Object.values(buckets) });
    started.push(s3);
    const functions = new LocalFunctions(definition, PROJECT_ROOT);
    const lambda = await startLambdaEndpoint(functions);
    started.push(lambda);
    await createTables(dynamo.endpoint, definition.tables);

    const env: Record<string, string> = {
      ...settings,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      S3_ENDPOINT: s3.endpoint,
      LAMBDA_ENDPOINT: lambda.endpoint,
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

    // S3 notifications, as the bucket's NotificationConfiguration declares them: async invokes.
    // s3rver is a Koa application, an EventEmitter; its types leave that out.
    (s3.server as unknown as EventEmitter).on('event', (event: { Records?: Array<{ eventName: string; s3: { bucket: { name: string }; object: { key: string } } }> }) => {
      for (const record of event.Records ?? []) {
        if (!record.eventName.startsWith('ObjectCreated')) continue;
        const bucket = definition.buckets.find((b) => buckets[b.logicalId] === record.s3.bucket.name);
        const key = record.s3.object.key;
        for (const notification of bucket?.notifications ?? []) {
          if (!key.startsWith(notification.prefix) || !key.endsWith(notification.suffix)) continue;
          const delivered = { Records: [{ ...record, s3: { ...record.s3, object: { ...record.s3.object, key: encodeEventKey(key) } } }] };
          functions.invokeAsync(notification.functionName, delivered);
        }
      }
    });
    if (options.runSchedules) {
      for (const schedule of definition.schedules) {
        const event = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
        timers.push(setInterval(() => functions.invokeAsync(schedule.functionName, event), rateMs(schedule.rate)));
      }
    }

    const gateway = await startGateway({ definition, functions, port: options.port ?? 0 });
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
      close: async () => {
        for (const timer of timers) clearInterval(timer);
        await gateway.close();
        await functions.settle();
        for (const server of started.reverse()) await server.close();
        if (temporaryDir) await rm(temporaryDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const timer of timers) clearInterval(timer);
    for (const server of started.reverse()) await server.close().catch(() => undefined);
    if (temporaryDir) await rm(temporaryDir, { recursive: true, force: true });
    throw error;
  }
}
