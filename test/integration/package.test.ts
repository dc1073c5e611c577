import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { PUBLIC_ROUTES } from '../../lib/auth/access.js';
import { loadServiceDefinition } from '../../local/service-definition.js';
import { PROJECT_ROOT } from '../../local/stack.js';

const run = promisify(execFile);

/** The Unix mode of each file in a zip, by path. */
async function zipModes(file: string): Promise<Map<string, number>> {
  const zip = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(file, { lazyEntries: false, autoClose: true });
  const modes = new Map<string, number>();
  return new Promise((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => modes.set(entry.fileName, entry.externalFileAttributes >>> 16));
    zip.on('end', () => resolve(modes));
    zip.on('error', reject);
  });
}
/** The text of one file in a zip. */
async function zipText(file: string, name: string): Promise<string> {
  const zip = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(file, { lazyEntries: true, autoClose: true });
  return new Promise((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      if (entry.fileName !== name) return zip.readEntry();
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          zip.close();
          resolve(Buffer.concat(chunks).toString('utf8'));
        });
        stream.on('error', reject);
      });
    });
    zip.on('end', () => reject(new Error(`${name} is not in ${file}`)));
    zip.on('error', reject);
    zip.readEntry();
  });
}

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

let outputDir: string | undefined;
let packaged: Promise<Template> | undefined;
afterAll(async () => {
  if (outputDir) await rm(outputDir, { recursive: true, force: true });
});

/** `osls package`, run once for the file's tests. */
function packageOnce(): Promise<Template> {
  packaged ??= (async () => {
    outputDir = await mkdtemp(path.join(tmpdir(), 'phonebook-package-'));
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
    await run(path.join(PROJECT_ROOT, 'node_modules/.bin/osls'), ['package', '--stage', 'ci', '--package', outputDir], {
      cwd: PROJECT_ROOT,
      env: { ...env, AWS_SDK_LOAD_CONFIG: '0', HOME: outputDir },
      timeout: 120_000,
    });
    return JSON.parse(await readFile(path.join(outputDir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  })();
  return packaged;
}

describe('serverless package', () => {
  it('builds the CloudFormation template offline, without AWS credentials', async () => {
    const template = await packageOnce();
    if (!outputDir) throw new Error('not packaged');
    const resources = Object.values(template.Resources);
    const methods = resources.filter((r) => r.Type === 'AWS::ApiGateway::Method');
    expect(methods.length).toBeGreaterThanOrEqual(4);
    // Every route goes through the REQUEST authorizer, but the public API reference and the CORS
    // preflights (the gateway's own MOCK answers).
    const [preflights, routes] = [
      methods.filter((m) => m.Properties.HttpMethod === 'OPTIONS'),
      methods.filter((m) => m.Properties.HttpMethod !== 'OPTIONS'),
    ];
    const publicMethods = routes.filter((m) => m.Properties.AuthorizationType !== 'CUSTOM');
    expect(publicMethods.map((m) => m.Properties.HttpMethod)).toEqual(PUBLIC_ROUTES.map((route) => route.split(' ')[0]));
    expect(publicMethods.every((m) => m.Properties.AuthorizationType === 'NONE')).toBe(true);
    expect(preflights.length).toBeGreaterThanOrEqual(10);
    for (const preflight of preflights)
      expect(preflight.Properties).toMatchObject({ AuthorizationType: 'NONE', Integration: { Type: 'MOCK' } });
    const authorizer = template.Resources.RequestAuthorizer?.Properties;
    expect(authorizer).toMatchObject({ Type: 'REQUEST', AuthorizerResultTtlInSeconds: 0 });
    expect(authorizer).not.toHaveProperty('IdentitySource');
    // No secret is in the template: only the names of SSM parameters.
    const text = JSON.stringify(template);
    expect(text).toContain('SUPER_ADMIN_TOKEN_PARAM');
    expect(text).not.toMatch(/"SUPER_ADMIN_TOKEN"|"JWT_SECRET"/);
    // The import function starts Node through bin/lambda-node (a V8 flag NODE_OPTIONS refuses):
    // the script must be in the package, executable, and named by that function only.
    const wrapperOf = (name: string): unknown => {
      const properties = template.Resources[name]?.Properties as { Environment?: { Variables?: Record<string, unknown> } } | undefined;
      return properties?.Environment?.Variables?.AWS_LAMBDA_EXEC_WRAPPER;
    };
    expect(template.Resources.UserImportLambdaFunction).toBeDefined();
    expect(wrapperOf('ImportObjectLambdaFunction')).toBe('/var/task/bin/lambda-node');
    expect(wrapperOf('UserImportLambdaFunction')).toBeUndefined();
    const modes = await zipModes(path.join(outputDir, 'phonebook-import.zip'));
    expect((modes.get('bin/lambda-node') ?? 0) & 0o111).toBe(0o111);
    // The API reference page's renderer, read at run time by functions/wiring/api-reference.ts.
    expect(modes.has('node_modules/swagger-ui-dist/swagger-ui-bundle.js')).toBe(true);
    expect(modes.has('node_modules/swagger-ui-dist/swagger-ui.css')).toBe(true);
    // API Gateway method throttling (plugins/api-gateway-throttling.cjs) is in the stage the deployment creates.
    const deployments = resources.filter((r) => r.Type === 'AWS::ApiGateway::Deployment');
    expect(deployments).toHaveLength(1);
    const stage = deployments[0]?.Properties.StageDescription as {
      ThrottlingRateLimit: number;
      MethodSettings: Array<Record<string, unknown>>;
    };
    expect(stage.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(stage.MethodSettings).toContainEqual(
      expect.objectContaining({
        HttpMethod: 'POST',
        ResourcePath: '/~1phonebook~1import',
        ThrottlingRateLimit: expect.any(Number),
        ThrottlingBurstLimit: expect.any(Number),
      }),
    );
    expect(stage.MethodSettings).toHaveLength(5);
    // The limits table exists and the functions are told its name.
    expect(template.Resources.LimitsTable?.Type).toBe('AWS::DynamoDB::Table');
    expect(text).toContain('LIMITS_TABLE');
  }, 180_000);
});

/** The logical id of a function's resource, as the framework names it (`userImport` → `UserImportLambdaFunction`). */
const functionResourceOf = (name: string) => `${name.charAt(0).toUpperCase()}${name.slice(1)}LambdaFunction`;

/** What a CloudFormation resource reference in a policy points at, by name. */
function resourceNameOf(resource: unknown): string {
  const text = JSON.stringify(resource);
  for (const name of ['ContactsTable', 'UsersTable', 'JobsTable', 'SourcesTable', 'LimitsTable', 'ImportFailuresQueue']) {
    if (text.includes(`"${name}"`)) return text.includes('index/*') ? `${name}/index` : name;
  }
  if (text.includes('-uploads-')) return 'UploadBucket';
  const parameter = /parameter\/\$\{self:service\}\/\$\{sls:stage\}\/([\w-]+)|:parameter\/[^"]*?\/([\w-]+)"/.exec(text);
  if (text.includes(':parameter/')) return `ssm:${parameter?.[1] ?? parameter?.[2] ?? text}`;
  if (text.includes('importObject')) return 'importObject';
  if (text.includes('undoImportWorker')) return 'undoImportWorker';
  return text;
}

/** Every `action resource` a function's own role allows, beside writing its logs. */
function permissionsOf(template: Template, name: string): Set<string> {
  const role = (template.Resources[functionResourceOf(name)]?.Properties.Role as { 'Fn::GetAtt'?: string[] } | undefined)?.[
    'Fn::GetAtt'
  ]?.[0];
  const policies = (template.Resources[role ?? '']?.Properties.Policies ?? []) as Array<{
    PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> };
  }>;
  const permissions = new Set<string>();
  for (const statement of policies.flatMap((policy) => policy.PolicyDocument.Statement)) {
    const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    for (const action of actions) {
      if (action.startsWith('logs:')) continue;
      for (const resource of resources) permissions.add(`${action} ${resourceNameOf(resource)}`);
    }
  }
  return permissions;
}

describe('each function has its own least-privilege role', async () => {
  const definition = await loadServiceDefinition(path.join(PROJECT_ROOT, 'serverless.yml'));
  const functions = Object.keys(definition.functions);
  /** The functions whose handler file declares a route limit (`{ limit: ... }`). */
  const limited = new Set<string>();
  for (const [name, spec] of Object.entries(definition.functions)) {
    const source = await readFile(path.join(PROJECT_ROOT, `${spec.handler.slice(0, spec.handler.lastIndexOf('.'))}.ts`), 'utf8');
    if (/\{ limit: '/.test(source)) limited.add(name);
  }
  const holders = (template: Template, permission: string) =>
    functions.filter((name) => permissionsOf(template, name).has(permission)).sort();

  it('gives every function a role of its own, with no wildcard action or resource', async () => {
    const template = await packageOnce();
    const roles = functions.map((name) => JSON.stringify(template.Resources[functionResourceOf(name)]?.Properties.Role));
    expect(new Set(roles).size).toBe(functions.length);
    for (const name of functions) {
      for (const permission of permissionsOf(template, name)) expect(permission, name).not.toMatch(/\*$|:\* |^\S*\* /);
    }
  }, 180_000);

  it('lets the authorizer read its two SSM secrets and nothing else: no table, no bucket', async () => {
    const template = await packageOnce();
    expect([...permissionsOf(template, 'authorizer')].sort()).toEqual([
      'ssm:GetParameter ssm:jwt-secret',
      'ssm:GetParameter ssm:super-admin-token',
    ]);
    expect(holders(template, 'ssm:GetParameter ssm:super-admin-token')).toEqual(['authorizer']);
  }, 180_000);

  it('lets only the importing functions write contacts in bulk', async () => {
    const template = await packageOnce();
    expect(holders(template, 'dynamodb:BatchWriteItem ContactsTable')).toEqual([
      'adminImport',
      'bulkContacts',
      'importObject',
      'userImport',
    ]);
    expect(holders(template, 'dynamodb:PutItem ContactsTable')).toEqual([
      'adminImport',
      'adminUndoImport',
      'bulkContacts',
      'importObject',
      'undoImport',
      'undoImportWorker',
      'userImport',
    ]);
  }, 180_000);

  it('lets only the undo functions delete single contacts, and only they continue an undo', async () => {
    const template = await packageOnce();
    expect(holders(template, 'dynamodb:DeleteItem ContactsTable')).toEqual(['adminUndoImport', 'undoImport', 'undoImportWorker']);
    expect(holders(template, 'lambda:InvokeFunction undoImportWorker')).toEqual(['adminUndoImport', 'undoImport', 'undoImportWorker']);
    expect(holders(template, 'lambda:InvokeFunction importObject')).not.toContain('undoImport');
  }, 180_000);

  it('gives the limits table only to the routes declared with a limit', async () => {
    const template = await packageOnce();
    expect(limited.size).toBeGreaterThanOrEqual(5);
    const withLimits = functions.filter((name) => [...permissionsOf(template, name)].some((p) => p.endsWith(' LimitsTable')));
    expect(withLimits.sort()).toEqual([...limited].sort());
  }, 180_000);

  it('gives the schedule and the sweep only what they use', async () => {
    const template = await packageOnce();
    const tablesOf = (name: string) => new Set([...permissionsOf(template, name)].map((p) => p.split(' ')[1]));
    expect([...tablesOf('schedule')].sort()).toEqual(['JobsTable', 'SourcesTable', 'UploadBucket', 'importObject']);
    expect([...tablesOf('sweepJobs')].sort()).toEqual(['JobsTable', 'UploadBucket', 'importObject']);
    // Only the sweep lists every owner's jobs; only the job runners start the import function.
    expect(holders(template, 'dynamodb:Scan JobsTable')).toEqual(['sweepJobs']);
    expect(holders(template, 'lambda:InvokeFunction importObject')).toEqual(['importObject', 'schedule', 'sweepJobs']);
    expect(holders(template, 'sqs:SendMessage ImportFailuresQueue')).toEqual(['importObject']);
  }, 180_000);

  it('bundles the AWS SDK into the functions instead of importing the runtime copy', async () => {
    await packageOnce();
    const bundle = await zipText(path.join(outputDir as string, 'phonebook-import.zip'), 'functions/import-object.mjs');
    expect(bundle).toContain('DynamoDBClient');
    expect(bundle).not.toMatch(/from ["']@aws-sdk\//);
    const authorizer = await zipText(path.join(outputDir as string, 'phonebook-import.zip'), 'functions/authorizer.mjs');
    // The authorizer builds no table's client.
    expect(authorizer).not.toContain('DynamoDBClient');
    // Nor do the route guard and the API document decode files: iconv-lite's code tables
    // (about 700 KB) stay in the functions that read imports.
    for (const name of ['authorizer', 'api-reference', 'list-contacts']) {
      expect(await zipText(path.join(outputDir as string, 'phonebook-import.zip'), `functions/${name}.mjs`)).not.toContain('iconv');
    }
  }, 180_000);

  it('ships the built web page beside the functions, where the webPage function reads it', async () => {
    await packageOnce();
    const zip = path.join(outputDir as string, 'phonebook-import.zip');
    expect(await zipText(zip, 'web/dist/index.html')).toContain('<main id="app">');
    expect(await zipText(zip, 'functions/web-page.mjs')).toContain('web/dist/index.html');
  }, 180_000);
});
