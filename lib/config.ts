import { type IpAllowList, parseIpAllowList } from './auth/ip-allow-list.js';
import { ConfigError } from './errors.js';
import { DEFAULT_BASE_DELAY_MS } from './storage/retry.js';

/** A secret given directly (local) or by the name of an SSM SecureString parameter (cloud). */
export type SecretRef = { value: string } | { ssmParameter: string };

/** How the AWS clients reach their services: every function that builds a client reads it. */
export interface ClientSettings {
  region: string;
  /** Set for the local stack; unset in AWS. */
  dynamodbEndpoint: string | undefined;
  s3Endpoint: string | undefined;
  lambdaEndpoint: string | undefined;
  /** An SSM-compatible endpoint (tests); unset in AWS and locally, where secrets come from env. */
  ssmEndpoint: string | undefined;
  /** The first retry's delay ceiling of every storage call (lib/storage/retry.ts); tests shorten it. */
  storageRetryBaseDelayMs: number;
}

/** Who may call: the authorizer's section (it needs no table). */
export interface AuthConfig {
  superAdminAllowList: IpAllowList;
  superAdminToken: SecretRef;
  jwt: {
    secret: SecretRef | undefined;
    jwksUrl: string | undefined;
    issuer: string | undefined;
    audience: string | undefined;
    algorithms: string[];
  };
}

/** Where the data lives. */
export interface StorageConfig {
  contactsTable: string;
  usersTable: string;
  jobsTable: string;
  sourcesTable: string;
  uploadBucket: string;
}

/** How rows are written and answered, by the synchronous routes and the jobs alike. */
export interface ImportConfig {
  writeConcurrency: number;
  maxErrorMessages: number;
  /** Rows a synchronous import may hold: more is a 413 pointing to the job path (README "Limits"). */
  syncImportMaxRows: number;
  /** Contacts one POST /phonebook/contacts/bulk may carry. */
  bulkMaxContacts: number;
  contactsPageSize: number;
  /** An export up to this size is the response body; a larger one becomes a download link. */
  exportInlineMaxBytes: number;
}

/** Import jobs: uploads, invocations, checkpoints and leases. */
export interface JobsConfig {
  /** The function that runs import jobs, invoked asynchronously to start or continue one. */
  importFunctionName: string;
  maxUploadBytes: number;
  uploadUrlTtlSeconds: number;
  /** Caps one invocation's work on an import before it checkpoints and continues; unset: the Lambda timeout decides. */
  importTimeBudgetMs: number | undefined;
  importCheckpointRows: number;
  /**
   * Caps one invocation's rows on an import, like the time budget caps its time; unset: no cap.
   * Tests use it to make a job continue in several invocations whatever the machine's speed.
   */
  importRowsPerInvocation: number | undefined;
  /** How long an import job's claim holds without a heartbeat (renewed every third of it). */
  importLeaseMs: number;
}

/** Undoing imports: the undo routes and the worker that continues a long undo. */
export interface UndoConfig {
  /** The worker function, invoked asynchronously to continue an undo that outlasts a request. */
  undoFunctionName: string;
  /** How long an undo request works before it answers 202 and the worker goes on (API Gateway waits 29 s). */
  undoRequestBudgetMs: number;
  /** Conditional writes in flight at once per undo. */
  undoConcurrency: number;
}

/** The per-principal limits of the limited routes and the job quota. */
export interface LimitsConfig {
  /** The table of rate counters and in-flight slots. */
  limitsTable: string;
  limits: LimitSettings;
}

/** Which browser origins may call the API (CORS): the layer's and the local gateway's section. */
export interface CorsConfig {
  /** Exact origins (`https://cti.example.com`); empty: no cross-origin access. */
  corsOrigins: string[];
}

/** The whole configuration (the local stack checks it all before it serves). */
export type Config = ClientSettings & AuthConfig & StorageConfig & ImportConfig & JobsConfig & LimitsConfig & CorsConfig;

/** Per-principal limits on the import and job-creation routes (README "Limits"). */
export interface LimitSettings {
  /** The length of one rate window. */
  rateWindowSeconds: number;
  /** Requests a principal (a user; on admin routes a source IP) may make per window, by route kind. */
  syncImportsPerWindow: number;
  jobCreationsPerWindow: number;
  bulkRequestsPerWindow: number;
  /** Synchronous imports one principal may run at once. */
  maxConcurrentSyncImports: number;
  /** How long an in-flight slot holds if its import never releases it (the function died). */
  syncImportSlotSeconds: number;
  /** Import jobs one owner may have waiting for an upload, queued or running. */
  maxActiveJobs: number;
  /** Bytes those jobs may add up to, the new one included. */
  maxPendingUploadBytes: number;
}

type Env = Record<string, string | undefined>;

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function required(env: Env, name: string): string {
  const value = optional(env, name);
  if (value === undefined) throw new ConfigError(`${name} is required but not set`);
  return value;
}

function positiveInt(env: Env, name: string, fallback: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`${name} must be a whole number from 1 to ${max}, got '${raw}'`);
  }
  return value;
}

function secretRef(env: Env, valueName: string, parameterName: string): SecretRef | undefined {
  const value = optional(env, valueName);
  const parameter = optional(env, parameterName);
  if (value !== undefined && parameter !== undefined) {
    throw new ConfigError(`set either ${valueName} or ${parameterName}, not both`);
  }
  if (value !== undefined) return { value };
  if (parameter !== undefined) return { ssmParameter: parameter };
  return undefined;
}

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

/** The `AWS_*` and endpoint variables, and the storage retry's base delay. */
export function clientSettingsOf(env: Env = process.env): ClientSettings {
  return {
    region: optional(env, 'AWS_REGION') ?? 'us-east-1',
    dynamodbEndpoint: optional(env, 'DYNAMODB_ENDPOINT'),
    s3Endpoint: optional(env, 'S3_ENDPOINT'),
    lambdaEndpoint: optional(env, 'LAMBDA_ENDPOINT'),
    ssmEndpoint: optional(env, 'SSM_ENDPOINT'),
    storageRetryBaseDelayMs: positiveInt(env, 'STORAGE_RETRY_BASE_DELAY_MS', DEFAULT_BASE_DELAY_MS, 10_000),
  };
}

/** The super admin's allow-list and token, and how user tokens are verified. */
export function authConfigOf(env: Env = process.env): AuthConfig {
  const superAdminToken = secretRef(env, 'SUPER_ADMIN_TOKEN', 'SUPER_ADMIN_TOKEN_PARAM');
  if (!superAdminToken) throw new ConfigError('SUPER_ADMIN_TOKEN or SUPER_ADMIN_TOKEN_PARAM is required');
  const jwtSecret = secretRef(env, 'JWT_SECRET', 'JWT_SECRET_PARAM');
  const jwksUrl = optional(env, 'JWT_JWKS_URL');
  if (!jwtSecret && !jwksUrl) throw new ConfigError('JWT_SECRET, JWT_SECRET_PARAM or JWT_JWKS_URL is required');
  if (jwksUrl && !/^https?:\/\//.test(jwksUrl)) throw new ConfigError(`JWT_JWKS_URL must be an http(s) URL, got '${jwksUrl}'`);
  const allowedAlgorithms = [...(jwtSecret ? HMAC_ALGORITHMS : []), ...(jwksUrl ? ASYMMETRIC_ALGORITHMS : [])];
  const algorithms = (optional(env, 'JWT_ALGORITHMS') ?? (jwtSecret ? 'HS256' : 'RS256'))
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  for (const algorithm of algorithms) {
    if (!allowedAlgorithms.includes(algorithm)) {
      throw new ConfigError(`JWT_ALGORITHMS: '${algorithm}' is not usable with the configured keys (${allowedAlgorithms.join(', ')})`);
    }
  }
  return {
    superAdminAllowList: parseIpAllowList(optional(env, 'SUPER_ADMIN_ALLOW_IPS') ?? '127.0.0.0/8'),
    superAdminToken,
    jwt: {
      secret: jwtSecret,
      jwksUrl,
      issuer: optional(env, 'JWT_ISSUER'),
      audience: optional(env, 'JWT_AUDIENCE'),
      algorithms,
    },
  };
}

/** The tables and the bucket. */
export function storageConfigOf(env: Env = process.env): StorageConfig {
  return {
    contactsTable: required(env, 'CONTACTS_TABLE'),
    usersTable: required(env, 'USERS_TABLE'),
    jobsTable: required(env, 'JOBS_TABLE'),
    sourcesTable: required(env, 'SOURCES_TABLE'),
    uploadBucket: required(env, 'UPLOAD_BUCKET'),
  };
}

export function importConfigOf(env: Env = process.env): ImportConfig {
  return {
    writeConcurrency: positiveInt(env, 'IMPORT_WRITE_CONCURRENCY', 4, 64),
    maxErrorMessages: positiveInt(env, 'IMPORT_MAX_ERROR_MESSAGES', 100, 10_000),
    // Measured (README "Limits"): well inside API Gateway's 29 s, a re-import included.
    syncImportMaxRows: positiveInt(env, 'SYNC_IMPORT_MAX_ROWS', 20_000, 10_000_000),
    bulkMaxContacts: positiveInt(env, 'BULK_MAX_CONTACTS', 1_000, 10_000),
    contactsPageSize: positiveInt(env, 'CONTACTS_PAGE_SIZE', 100, 1_000),
    // Lambda caps a response at 6 MB of JSON; escaping can double a CSV's bytes in the worst case.
    exportInlineMaxBytes: positiveInt(env, 'EXPORT_INLINE_MAX_BYTES', 3 * 1024 * 1024, 3 * 1024 * 1024),
  };
}

export function jobsConfigOf(env: Env = process.env): JobsConfig {
  return {
    importFunctionName: required(env, 'IMPORT_FUNCTION_NAME'),
    // S3 takes up to 5 GB in one PUT; 1 GiB keeps one import within a few Lambda invocations.
    maxUploadBytes: positiveInt(env, 'MAX_UPLOAD_BYTES', 1024 ** 3, 5 * 1024 ** 3),
    uploadUrlTtlSeconds: positiveInt(env, 'UPLOAD_URL_TTL_SECONDS', 900, 7 * 24 * 3600),
    importTimeBudgetMs:
      optional(env, 'IMPORT_TIME_BUDGET_MS') === undefined ? undefined : positiveInt(env, 'IMPORT_TIME_BUDGET_MS', 1, 15 * 60 * 1000),
    importCheckpointRows: positiveInt(env, 'IMPORT_CHECKPOINT_ROWS', 5_000, 1_000_000),
    importRowsPerInvocation:
      optional(env, 'IMPORT_ROWS_PER_INVOCATION') === undefined
        ? undefined
        : positiveInt(env, 'IMPORT_ROWS_PER_INVOCATION', 1, 100_000_000),
    // A dead job resumes within this plus the sweep's minute; tests shorten it.
    importLeaseMs: positiveInt(env, 'IMPORT_LEASE_MS', 60_000, 15 * 60 * 1000),
  };
}

/** Read only by the undo functions, which alone are given UNDO_FUNCTION_NAME (serverless.yml). */
export function undoConfigOf(env: Env = process.env): UndoConfig {
  return {
    undoFunctionName: required(env, 'UNDO_FUNCTION_NAME'),
    undoRequestBudgetMs: positiveInt(env, 'UNDO_REQUEST_BUDGET_MS', 20_000, 25_000),
    // One conditional write per contact: many in flight, or a large undo waits on latency.
    undoConcurrency: positiveInt(env, 'UNDO_CONCURRENCY', 32, 128),
  };
}

/**
 * CORS_ORIGINS: a comma list of origins as browsers send them (scheme, host and port only: no
 * path, no trailing slash, no wildcard), compared exactly. Unset or empty: none, since the
 * service's own pages are same-origin and need no CORS.
 */
export function corsConfigOf(env: Env = process.env): CorsConfig {
  const entries = (optional(env, 'CORS_ORIGINS') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    let origin: string | undefined;
    try {
      origin = new URL(entry).origin;
    } catch {
      origin = undefined;
    }
    // A wildcard parses as a host name, but origins are compared exactly: refuse it rather than ignore it.
    if (origin !== entry || !/^https?:/.test(entry) || entry.includes('*')) {
      throw new ConfigError(`CORS_ORIGINS: '${entry}' is not an origin (http(s)://host[:port], no path or trailing slash)`);
    }
  }
  return { corsOrigins: [...new Set(entries)] };
}

export function limitsConfigOf(env: Env = process.env): LimitsConfig {
  return { limitsTable: required(env, 'LIMITS_TABLE'), limits: limitSettings(env) };
}

/**
 * Reads and validates the whole configuration once; every problem names its variable.
 * See README.md "Configuration" for the meaning of each. A function reads only its sections
 * (`configSection`); the local stack and tools read all of them.
 */
export function loadConfig(env: Env = process.env): Config {
  const auth = authConfigOf(env);
  return {
    ...clientSettingsOf(env),
    ...storageConfigOf(env),
    ...jobsConfigOf(env),
    ...auth,
    ...importConfigOf(env),
    ...limitsConfigOf(env),
    ...corsConfigOf(env),
  };
}

const SECTIONS = {
  clients: clientSettingsOf,
  auth: authConfigOf,
  storage: storageConfigOf,
  imports: importConfigOf,
  jobs: jobsConfigOf,
  limits: limitsConfigOf,
  undo: undoConfigOf,
  cors: corsConfigOf,
} as const;
type Sections = typeof SECTIONS;
const loadedSections = new Map<keyof Sections, unknown>();

/**
 * One section of the configuration from `process.env`, read and validated once per container,
 * when the first function module that needs it loads: a bad variable fails that cold start
 * with its name, and the authorizer never reads (nor requires) a table's name.
 */
export function configSection<Name extends keyof Sections>(name: Name): ReturnType<Sections[Name]> {
  let section = loadedSections.get(name) as ReturnType<Sections[Name]> | undefined;
  if (section === undefined) {
    section = SECTIONS[name](process.env) as ReturnType<Sections[Name]>;
    loadedSections.set(name, section);
  }
  return section;
}

function limitSettings(env: Env): LimitSettings {
  const syncImportSlotSeconds = positiveInt(env, 'SYNC_IMPORT_SLOT_SECONDS', 60, 3600);
  // A slot must outlive the longest import that holds it, or a live import would lose it.
  if (syncImportSlotSeconds < 30)
    throw new ConfigError(`SYNC_IMPORT_SLOT_SECONDS must be at least 30 (the function's 29 s timeout), got '${syncImportSlotSeconds}'`);
  return {
    rateWindowSeconds: positiveInt(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 3600),
    syncImportsPerWindow: positiveInt(env, 'RATE_LIMIT_SYNC_IMPORTS', 20, 1_000_000),
    jobCreationsPerWindow: positiveInt(env, 'RATE_LIMIT_JOB_CREATIONS', 10, 1_000_000),
    bulkRequestsPerWindow: positiveInt(env, 'RATE_LIMIT_BULK_REQUESTS', 60, 1_000_000),
    maxConcurrentSyncImports: positiveInt(env, 'MAX_CONCURRENT_SYNC_IMPORTS', 2, 100),
    syncImportSlotSeconds,
    maxActiveJobs: positiveInt(env, 'MAX_ACTIVE_JOBS', 5, 10_000),
    maxPendingUploadBytes: positiveInt(env, 'MAX_PENDING_UPLOAD_BYTES', 2 * 1024 ** 3, 1024 ** 4),
  };
}
