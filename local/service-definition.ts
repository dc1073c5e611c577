import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, type Tags } from 'yaml';

/** CloudFormation short-form tags (!Ref, !GetAtt, !Join, ...) read as their long forms. */
const CLOUDFORMATION_TAGS: Tags = ['Ref', 'GetAtt', 'Join', 'Sub', 'If', 'Equals', 'Select', 'Split', 'ImportValue'].flatMap((name) => {
  const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
  const resolve = (value: unknown) => ({ [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value });
  return [
    { tag: `!${name}`, resolve: (value: string) => resolve(value) },
    { tag: `!${name}`, collection: 'seq' as const, resolve: (value: { toJSON(): unknown }) => resolve(value.toJSON()) },
    { tag: `!${name}`, collection: 'map' as const, resolve: (value: { toJSON(): unknown }) => resolve(value.toJSON()) },
  ];
});

/** `!GetAtt <Name>LambdaFunction.Arn` as JSON: how resources name the function they call. */
const GET_ATT_ARN = /"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]/;

export interface HttpRoute {
  functionName: string;
  /** `functions/user-import.handler` */
  handler: string;
  method: string;
  /** Resource template as API Gateway names it: `/admin/users/{username}`. */
  resource: string;
  authorizerFunction: string | undefined;
  /** The event's `cors:` settings: the gateway answers the path's preflight (origins: CORS_ORIGINS). */
  cors: CorsPreflight | undefined;
}

/** What a route's `cors:` tells the preflight, besides the origins. */
export interface CorsPreflight {
  headers: string[];
  maxAge: number | undefined;
}

export interface GatewayResponseDefinition {
  statusCode: number;
  template: string;
  /**
   * ResponseParameters by header name: `'text'` (a static value) or `method.request.header.X`
   * (the request's header), as API Gateway maps them.
   */
  headers: Record<string, string>;
}

export interface TableDefinition {
  logicalId: string;
  properties: Record<string, unknown>;
}

export interface BucketNotification {
  functionName: string;
  prefix: string;
  suffix: string;
}

export interface BucketDefinition {
  logicalId: string;
  /** The BucketName as written (a CloudFormation expression), to recognise references to it. */
  nameExpression: unknown;
  notifications: BucketNotification[];
  /** CorsConfiguration.CorsRules as written: what a browser may send to the bucket (the page's presigned PUT). */
  corsRules: BucketCorsRule[];
}

export interface BucketCorsRule {
  AllowedMethods?: string[];
  AllowedOrigins?: string[];
  AllowedHeaders?: string[];
  ExposedHeaders?: string[];
  MaxAge?: number;
}

export interface ScheduleDefinition {
  functionName: string;
  /** `rate(15 minutes)` as resolved from params. */
  rate: string;
}

/** One token bucket: requests per second and the bucket's size, as API Gateway throttles. */
export interface ThrottleLimits {
  rateLimit: number;
  burstLimit: number;
}

/** custom.apiGatewayThrottling: the stage default and per-method overrides (`POST /path`). */
export interface ThrottlingDefinition extends ThrottleLimits {
  methods: Record<string, ThrottleLimits>;
}

/** One entry of `functions:`: what the local stack needs to run it as Lambda would. */
export interface FunctionDefinition {
  /** `functions/user-import.handler`, relative to the folder of serverless.yml. */
  handler: string;
  timeout?: number;
  memorySize?: number;
  /** The function's own `environment:` as written; provider.environment lies under it. */
  environment: Record<string, unknown>;
}

export interface ServiceDefinition {
  /** The folder of serverless.yml: handler paths are relative to it. */
  root: string;
  service: string;
  routes: HttpRoute[];
  buckets: BucketDefinition[];
  schedules: ScheduleDefinition[];
  functions: Record<string, FunctionDefinition>;
  gatewayResponses: Record<string, GatewayResponseDefinition>;
  binaryMediaTypes: string[];
  tables: TableDefinition[];
  params: Record<string, string>;
  /** provider.environment as written (CloudFormation references left as objects). */
  environment: Record<string, unknown>;
  defaultTimeoutSeconds: number;
  defaultMemorySize: number;
  throttling: ThrottlingDefinition | undefined;
}

function throttleLimitsOf(raw: unknown, where: string): ThrottleLimits {
  const spec = asRecord(raw);
  const limits = { rateLimit: Number(spec.rateLimit), burstLimit: Number(spec.burstLimit) };
  if (!(limits.rateLimit > 0) || !(limits.burstLimit >= 1)) throw new Error(`${where}: rateLimit and burstLimit must be positive numbers`);
  return limits;
}

function throttlingOf(custom: Yaml): ThrottlingDefinition | undefined {
  const raw = custom.apiGatewayThrottling;
  if (raw === undefined) return undefined;
  const methods = Object.fromEntries(
    Object.entries(asRecord(asRecord(raw).methods)).map(([route, limits]) => [
      route,
      throttleLimitsOf(limits, `custom.apiGatewayThrottling.methods['${route}']`),
    ]),
  );
  return { ...throttleLimitsOf(raw, 'custom.apiGatewayThrottling'), methods };
}

type Yaml = Record<string, unknown>;
const asRecord = (value: unknown): Yaml => (value && typeof value === 'object' ? (value as Yaml) : {});

/** Serverless names a function's CloudFormation resource `<Name>LambdaFunction`. */
function functionOfLogicalId(logicalId: string, functionNames: string[]): string | undefined {
  return functionNames.find((name) => `${name.charAt(0).toUpperCase()}${name.slice(1)}LambdaFunction` === logicalId);
}

function authorizerFunctionOf(authorizer: unknown, resources: Yaml, functionNames: string[]): string | undefined {
  if (authorizer === undefined) return undefined;
  if (typeof authorizer === 'string') return authorizer;
  const spec = asRecord(authorizer);
  if (typeof spec.name === 'string') return spec.name;
  const ref = asRecord(spec.authorizerId).Ref;
  if (typeof ref !== 'string') throw new Error(`unsupported authorizer ${JSON.stringify(authorizer)}`);
  const uri = JSON.stringify(asRecord(asRecord(resources[ref]).Properties).AuthorizerUri ?? '');
  const logicalId = GET_ATT_ARN.exec(uri)?.[1];
  const name = logicalId ? functionOfLogicalId(logicalId, functionNames) : undefined;
  if (!name) throw new Error(`cannot find the function behind authorizer ${ref}`);
  return name;
}

/** The framework's defaults for `cors: true`, and the headers and max age an object names. */
function corsPreflightOf(raw: unknown): CorsPreflight | undefined {
  if (raw === undefined || raw === false) return undefined;
  const spec = asRecord(raw);
  const headers = Array.isArray(spec.headers) ? spec.headers.map(String) : ['Content-Type', 'X-Amz-Date', 'Authorization', 'X-Api-Key'];
  return { headers, maxAge: typeof spec.maxAge === 'number' ? spec.maxAge : undefined };
}

interface FunctionsPart {
  functions: Record<string, FunctionDefinition>;
  routes: HttpRoute[];
  schedules: ScheduleDefinition[];
}

function functionDefinitionOf(spec: Yaml): FunctionDefinition {
  return {
    handler: String(spec.handler),
    ...(typeof spec.timeout === 'number' ? { timeout: spec.timeout } : {}),
    ...(typeof spec.memorySize === 'number' ? { memorySize: spec.memorySize } : {}),
    environment: asRecord(spec.environment),
  };
}

/** `functions:`: each function, its http routes and its schedules. */
function functionsPartOf(functions: Yaml, resources: Yaml, resolveParams: (value: string) => string): FunctionsPart {
  const functionNames = Object.keys(functions);
  const part: FunctionsPart = { functions: {}, routes: [], schedules: [] };
  for (const [functionName, raw] of Object.entries(functions)) {
    const spec = asRecord(raw);
    part.functions[functionName] = functionDefinitionOf(spec);
    for (const event of (spec.events as unknown[] | undefined) ?? []) {
      const schedule = asRecord(event).schedule;
      if (schedule !== undefined) {
        const rate = typeof schedule === 'string' ? schedule : String(asRecord(schedule).rate ?? '');
        part.schedules.push({ functionName, rate: resolveParams(rate) });
        continue;
      }
      const http = asRecord(asRecord(event).http);
      if (http.path === undefined) continue;
      part.routes.push({
        functionName,
        handler: String(spec.handler),
        method: String(http.method).toUpperCase(),
        resource: `/${String(http.path).replace(/^\/+|\/+$/g, '')}`,
        authorizerFunction: authorizerFunctionOf(http.authorizer, resources, functionNames),
        cors: corsPreflightOf(http.cors),
      });
    }
  }
  return part;
}

/** A bucket's LambdaConfigurations: which function each ObjectCreated key filter notifies. */
function notificationsOf(logicalId: string, properties: Yaml, functionNames: string[]): BucketNotification[] {
  const configurations = (asRecord(properties.NotificationConfiguration).LambdaConfigurations as unknown[] | undefined) ?? [];
  return configurations.map((raw) => {
    const configuration = asRecord(raw);
    const functionLogicalId = GET_ATT_ARN.exec(JSON.stringify(configuration.Function ?? ''))?.[1] ?? '';
    const name = functionOfLogicalId(functionLogicalId, functionNames);
    if (!name) throw new Error(`cannot find the function notified by bucket ${logicalId}`);
    const rules = (asRecord(asRecord(configuration.Filter).S3Key).Rules as unknown[] | undefined) ?? [];
    const rule = (kind: string) => String(asRecord(rules.find((r) => String(asRecord(r).Name).toLowerCase() === kind)).Value ?? '');
    return { functionName: name, prefix: rule('prefix'), suffix: rule('suffix') };
  });
}

type ResourcesPart = Pick<ServiceDefinition, 'gatewayResponses' | 'tables' | 'buckets'>;

/** `resources:`: the gateway responses, the tables and the buckets the stack emulates. */
function resourcesPartOf(resources: Yaml, functionNames: string[]): ResourcesPart {
  const part: ResourcesPart = { gatewayResponses: {}, tables: [], buckets: [] };
  for (const [logicalId, raw] of Object.entries(resources)) {
    const resource = asRecord(raw);
    const properties = asRecord(resource.Properties);
    if (resource.Type === 'AWS::ApiGateway::GatewayResponse') {
      part.gatewayResponses[String(properties.ResponseType)] = {
        statusCode: Number(properties.StatusCode),
        template: String(asRecord(properties.ResponseTemplates)['application/json'] ?? ''),
        headers: Object.fromEntries(
          Object.entries(asRecord(properties.ResponseParameters)).flatMap(([key, value]) => {
            const name = /^gatewayresponse\.header\.(.+)$/.exec(key)?.[1];
            return name ? [[name, String(value)]] : [];
          }),
        ),
      };
    } else if (resource.Type === 'AWS::DynamoDB::Table') {
      part.tables.push({ logicalId, properties });
    } else if (resource.Type === 'AWS::S3::Bucket') {
      part.buckets.push({
        logicalId,
        nameExpression: properties.BucketName,
        notifications: notificationsOf(logicalId, properties, functionNames),
        corsRules: (asRecord(properties.CorsConfiguration).CorsRules ?? []) as BucketCorsRule[],
      });
    }
  }
  return part;
}

function checkedThrottlingOf(custom: Yaml, routes: HttpRoute[]): ThrottlingDefinition | undefined {
  const throttling = throttlingOf(custom);
  for (const key of Object.keys(throttling?.methods ?? {})) {
    if (!routes.some((route) => `${route.method} ${route.resource}` === key))
      throw new Error(`custom.apiGatewayThrottling names '${key}', which is no route of serverless.yml`);
  }
  return throttling;
}

/** Reads serverless.yml into what the local stack needs: routes, responses, tables, functions. */
export async function loadServiceDefinition(file: string): Promise<ServiceDefinition> {
  const document = asRecord(parse(await readFile(file, 'utf8'), { customTags: CLOUDFORMATION_TAGS }));
  const provider = asRecord(document.provider);
  const resources = asRecord(asRecord(document.resources).Resources);
  const functions = asRecord(document.functions);
  const params = Object.fromEntries(
    Object.entries(asRecord(asRecord(document.params).default)).map(([key, value]) => [key, String(value ?? '')]),
  );
  const resolveParams = (value: string) => value.replace(/\$\{param:([A-Za-z0-9]+)\}/g, (_, name: string) => params[name] ?? '');
  const { routes, ...functionsPart } = functionsPartOf(functions, resources, resolveParams);
  return {
    root: path.dirname(path.resolve(file)),
    service: String(document.service),
    routes,
    ...functionsPart,
    ...resourcesPartOf(resources, Object.keys(functions)),
    binaryMediaTypes: ((asRecord(provider.apiGateway).binaryMediaTypes as string[] | undefined) ?? []).map(String),
    params,
    environment: asRecord(provider.environment),
    defaultTimeoutSeconds: typeof provider.timeout === 'number' ? provider.timeout : 29,
    defaultMemorySize: typeof provider.memorySize === 'number' ? provider.memorySize : 1024,
    throttling: checkedThrottlingOf(asRecord(document.custom), routes),
  };
}
