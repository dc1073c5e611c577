import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
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
let outputDir: string | undefined;
afterAll(async () => {
  if (outputDir) await rm(outputDir, { recursive: true, force: true });
});

describe('serverless package', () => {
  it('builds the CloudFormation template offline, without AWS credentials', async () => {
    outputDir = await mkdtemp(path.join(tmpdir(), 'phonebook-package-'));
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
    await run(path.join(PROJECT_ROOT, 'node_modules/.bin/osls'), ['package', '--stage', 'ci', '--package', outputDir], {
      cwd: PROJECT_ROOT,
      env: { ...env, AWS_SDK_LOAD_CONFIG: '0', HOME: outputDir },
      timeout: 120_000,
    });
    const template = JSON.parse(await readFile(path.join(outputDir, 'cloudformation-template-update-stack.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const resources = Object.values(template.Resources);
    const methods = resources.filter((r) => r.Type === 'AWS::ApiGateway::Method');
    expect(methods.length).toBeGreaterThanOrEqual(4);
    // Every route goes through the REQUEST authorizer.
    for (const method of methods) expect(method.Properties.AuthorizationType).toBe('CUSTOM');
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
    // API Gateway method throttling (plugins/api-gateway-throttling.cjs) is in the stage the deployment creates.
    const deployments = resources.filter((r) => r.Type === 'AWS::ApiGateway::Deployment');
    expect(deployments).toHaveLength(1);
    const stage = deployments[0]?.Properties.StageDescription as { ThrottlingRateLimit: number; MethodSettings: Array<Record<string, unknown>> };
    expect(stage.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(stage.MethodSettings).toContainEqual(expect.objectContaining({ HttpMethod: 'POST', ResourcePath: '/~1phonebook~1import', ThrottlingRateLimit: expect.any(Number), ThrottlingBurstLimit: expect.any(Number) }));
    expect(stage.MethodSettings).toHaveLength(5);
    // The limits table exists and the functions are told its name.
    expect(template.Resources.LimitsTable?.Type).toBe('AWS::DynamoDB::Table');
    expect(text).toContain('LIMITS_TABLE');
  }, 180_000);
});
