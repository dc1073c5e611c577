import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse, type Tags } from 'yaml';
import { loadServiceDefinition } from '../../local/service-definition.js';

const file = new URL('../../serverless.yml', import.meta.url);

interface ServiceYaml {
  functions: Record<string, { maximumRetryAttempts?: number; destinations?: { onFailure?: unknown } }>;
  resources: { Resources: Record<string, { Type: string }> };
}

/** serverless.yml as written, CloudFormation short forms read as their long forms. */
async function serviceYaml(): Promise<ServiceYaml> {
  const tags: Tags = ['Ref', 'GetAtt', 'Join'].flatMap((name) => {
    const long = name === 'Ref' ? 'Ref' : `Fn::${name}`;
    return [
      { tag: `!${name}`, resolve: (value: unknown) => ({ [long]: value }) },
      { tag: `!${name}`, collection: 'seq' as const, resolve: (value: unknown) => ({ [long]: value }) },
    ];
  });
  return parse(await readFile(file, 'utf8'), { customTags: tags }) as ServiceYaml;
}

describe('serverless.yml: retries of the import function and the job sweep (issue 9, items 13 and 14)', () => {
  it('retries a failed asynchronous import event twice and keeps it in a queue after that', async () => {
    const service = await serviceYaml();
    const importObject = service.functions.importObject;
    expect(importObject?.maximumRetryAttempts).toBe(2);
    expect(importObject?.destinations?.onFailure).toEqual({ type: 'sqs', arn: { 'Fn::GetAtt': 'ImportFailuresQueue.Arn' } });
    expect(service.resources.Resources.ImportFailuresQueue?.Type).toBe('AWS::SQS::Queue');
  });

  it('runs the job sweep every minute, on its own schedule, apart from the re-import sources', async () => {
    const definition = await loadServiceDefinition(file.pathname);
    expect(definition.schedules).toEqual(
      expect.arrayContaining([
        { functionName: 'sweepJobs', rate: 'rate(1 minute)' },
        { functionName: 'schedule', rate: 'rate(15 minutes)' },
      ]),
    );
    expect(definition.functions.sweepJobs?.handler).toBe('functions/schedule.sweep');
  });
});
