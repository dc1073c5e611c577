import { readFile } from 'node:fs/promises';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportTrigger } from '../../lib/storage/ports.js';
import type { JobView } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

// S3-event routing (lib/jobs/object-events.ts) with the real stores of a started stack; only
// the trigger records what it is asked to start instead of invoking the import function.
let api: TestStack;
beforeAll(async () => {
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
});

async function recordFor(key: string, sequencer: string): Promise<S3EventRecord> {
  const text = await readFile(new URL('../../events/s3/drop-folder-object-created.json', import.meta.url), 'utf8');
  const record = (JSON.parse(text) as S3Event).Records[0] as S3EventRecord;
  return { ...record, s3: { ...record.s3, object: { ...record.s3.object, key, eTag: `"etag-${sequencer}"`, sequencer } } };
}

async function jobsOf(username: string): Promise<JobView[]> {
  const token = await api.userToken(username);
  return ((await (await api.request('/phonebook/imports?limit=100', { token })).json()) as { imports: JobView[] }).imports;
}

describe('handleObjectCreated', () => {
  it("runs the first record's job here, hands the others to new invocations, and ignores keys that import nothing", async () => {
    const { handleObjectCreated } = await import('../../lib/jobs/object-events.js');
    const { jobRunnerDeps, users } = await import('../../functions/wiring/all.js');
    const started: Array<{ owner: string; importId: string }> = [];
    const trigger: ImportTrigger = { startImport: async (owner, importId) => void started.push({ owner, importId }) };
    const records = [
      await recordFor('drop/jane.doe/first+file.csv', 'A1'),
      await recordFor('imports/jane.doe/000000000-0000000000000000/report.json', 'A2'),
      await recordFor('drop/jane.doe/second.csv', 'A3'),
      await recordFor('drop/nobody.here/third.csv', 'A4'),
    ];

    await handleObjectCreated(records, { runner: { ...jobRunnerDeps, trigger }, users }, Date.now() + 60_000);

    const jobs = await jobsOf('jane.doe');
    const first = jobs.find((job) => job.object_key === 'drop/jane.doe/first file.csv');
    const second = jobs.find((job) => job.object_key === 'drop/jane.doe/second.csv');
    // Ran in this call: no file is in the bucket, so the job failed saying so.
    expect(first).toMatchObject({ status: 'failed', failure_reason: 'the file drop/jane.doe/first file.csv is no longer in the bucket' });
    expect(second).toMatchObject({ status: 'queued' });
    expect(started).toEqual([{ owner: 'jane.doe', importId: second?.import_id }]);
    expect(jobs.filter((job) => job.object_key.startsWith('imports/'))).toEqual([]);
    // An unregistered name's drop is recorded as failed, and nothing runs it.
    const unknown = (await (await api.request('/admin/phonebook/imports?username=nobody.here', { token: api.adminToken })).json()) as {
      imports: JobView[];
    };
    expect(unknown.imports).toMatchObject([{ object_key: 'drop/nobody.here/third.csv', status: 'failed' }]);
  });
});
