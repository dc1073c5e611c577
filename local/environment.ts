import { ConfigError } from '../lib/errors.js';
import type { ServiceDefinition } from './service-definition.js';

export const LOCAL_STAGE = 'local';

/** Local bucket names: the service, the stage and the logical id, as S3 allows them. */
export function localBucketName(definition: ServiceDefinition, logicalId: string): string {
  return `${definition.service}-${LOCAL_STAGE}-${logicalId.toLowerCase()}`;
}

/** A function's deployed name, as Lambda (and IMPORT_FUNCTION_NAME) call it. */
export function deployedFunctionName(definition: ServiceDefinition, functionName: string): string {
  return `${definition.service}-${LOCAL_STAGE}-${functionName}`;
}

export interface LocalSecrets {
  superAdminToken: string;
  jwtSecret: string;
}

/**
 * Names the local stack cannot honour: SSM parameter names (the local secrets stand in for
 * them), NODE_OPTIONS (a worker thread takes no process flags) and the Lambda runtime wrapper
 * (bin/lambda-node starts a process, which a worker is not).
 */
function notForLocal(name: string): boolean {
  return name.endsWith('_PARAM') || name === 'NODE_OPTIONS' || name === 'AWS_LAMBDA_EXEC_WRAPPER';
}

interface DeclaredEnvironment {
  /** Names the stack decides: the local tables, bucket and function names (the deployment's own). */
  wiring: Record<string, string>;
  /** Plain values and `${param:x}`: serverless.yml's defaults for the operator's settings. */
  defaults: Record<string, string>;
}

/**
 * An `environment:` as serverless.yml declares it, resolved for the laptop: table references
 * become the local table names, `${param:x}` takes the default, and values naming the
 * deployment (`${self:service}`, `${sls:stage}`, a table, the bucket) are the stack's wiring.
 */
function resolveDeclared(definition: ServiceDefinition, declared: Record<string, unknown>): DeclaredEnvironment {
  const tableIds = new Set(definition.tables.map((table) => table.logicalId));
  const resolved: DeclaredEnvironment = { wiring: {}, defaults: {} };
  for (const [name, value] of Object.entries(declared)) {
    if (notForLocal(name)) continue;
    if (value && typeof value === 'object' && 'Ref' in value && tableIds.has(String(value.Ref))) {
      resolved.wiring[name] = String(value.Ref);
      continue;
    }
    const bucket = definition.buckets.find((b) => JSON.stringify(b.nameExpression) === JSON.stringify(value));
    if (bucket) {
      resolved.wiring[name] = localBucketName(definition, bucket.logicalId);
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    const raw = String(value);
    const text = raw
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax, not a JS template
      .replaceAll('${self:service}', definition.service)
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax, not a JS template
      .replaceAll('${sls:stage}', LOCAL_STAGE)
      .replace(/\$\{param:([A-Za-z0-9]+)\}/g, (_, param: string) => definition.params[param] ?? '');
    if (text.includes('${')) continue;
    if (/\$\{(self:service|sls:stage)\}/.test(raw)) resolved.wiring[name] = text;
    else resolved.defaults[name] = text;
  }
  return resolved;
}

type Environment = Record<string, string | undefined>;

/** An operator's value: set and not blank (a blank value means unset, as lib/config.ts reads it). */
function operatorValue(operator: Environment, name: string): string | undefined {
  const value = operator[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

function refuseOverriddenWiring(wiring: Record<string, string>, operator: Environment, callerEnv: Record<string, string>): void {
  for (const [name, value] of Object.entries(wiring)) {
    const given = operatorValue(operator, name);
    if (given !== undefined && given !== value && callerEnv[name] === undefined) {
      throw new ConfigError(`${name} is the local stack's own (${value}); unset it for npm start (got '${given}')`);
    }
  }
}

export interface EnvironmentSources {
  /** The operator's environment (`npm start`'s own, a test's process.env), read once at start. */
  operator: Environment;
  secrets: LocalSecrets;
  /** What the stack started: the endpoints of the embedded servers. */
  endpoints: Record<string, string>;
  /** The caller's `env` (tests): wins over everything. */
  callerEnv: Record<string, string>;
}

/**
 * The settings of one declared environment, lowest precedence first: serverless.yml's
 * defaults, the operator's environment, the local secrets, the stack's wiring, the endpoints
 * and the caller's `env`. Settings serverless.yml does not name (MAX_UPLOAD_BYTES, ...) come
 * from the operator's environment as they are (see `functionEnvironmentOf`).
 *
 * With JWT_JWKS_URL set and no JWT_SECRET of the operator's, the generated HS256 secret is
 * left out: user tokens then come from the identity provider only, as in the cloud, and the
 * default algorithm is RS256 (README "Configuration").
 */
function settingsOf(definition: ServiceDefinition, declared: Record<string, unknown>, sources: EnvironmentSources): Record<string, string> {
  const { operator, secrets, endpoints, callerEnv } = sources;
  const { wiring, defaults } = resolveDeclared(definition, declared);
  refuseOverriddenWiring(wiring, operator, callerEnv);
  const settings: Record<string, string> = { ...defaults };
  for (const name of Object.keys(defaults)) settings[name] = operatorValue(operator, name) ?? settings[name] ?? '';
  const jwksOnly =
    (callerEnv.JWT_JWKS_URL ?? settings.JWT_JWKS_URL ?? '').trim() !== '' && operatorValue(operator, 'JWT_SECRET') === undefined;
  return {
    ...settings,
    AWS_REGION: 'us-east-1',
    SUPER_ADMIN_TOKEN: secrets.superAdminToken,
    ...(jwksOnly ? {} : { JWT_SECRET: secrets.jwtSecret }),
    ...wiring,
    ...endpoints,
    ...callerEnv,
  };
}

/**
 * The stack-wide settings (provider.environment only): what the stack validates before it
 * serves, and what it lends to code running in the caller's own process (tests, the bench).
 */
export function sharedSettingsOf(definition: ServiceDefinition, sources: EnvironmentSources): Record<string, string> {
  return settingsOf(definition, definition.environment, sources);
}

/**
 * What one function's worker runs with, as Lambda gives each function its own environment:
 * the operator's environment as a base, then provider.environment with the function's own
 * `environment:` over it, resolved by `settingsOf`. Another function's entries never appear.
 */
export function functionEnvironmentOf(
  definition: ServiceDefinition,
  functionName: string,
  sources: EnvironmentSources,
): Record<string, string> {
  const spec = definition.functions[functionName];
  if (!spec) throw new Error(`function ${functionName} is not defined in serverless.yml`);
  const base: Record<string, string> = {};
  for (const [name, value] of Object.entries(sources.operator)) if (value !== undefined) base[name] = value;
  return {
    ...base,
    ...settingsOf(definition, { ...definition.environment, ...spec.environment }, sources),
    // What the Lambda runtime sets in every function's environment.
    AWS_LAMBDA_FUNCTION_NAME: deployedFunctionName(definition, functionName),
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize ?? definition.defaultMemorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  };
}
