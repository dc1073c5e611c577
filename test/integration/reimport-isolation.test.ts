import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileStore, ImportTrigger } from '../../lib/storage/ports.js';
import type { JobView } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let api: TestStack;
beforeAll(async () => {
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
});

async function putSource(id: string, body: Record<string, unknown>): Promise<void> {
  const response = await api.request(`/admin/sources/${id}`, { method: 'PUT', token: api.adminToken, body: JSON.stringify(body) });
  expect([200, 201]).toContain(response.status);
}

async function sourceView(id: string): Promise<Record<string, unknown>> {
  return (await (await api.request(`/admin/sources/${id}`, { token: api.adminToken })).json()) as Record<string, unknown>;
}

async function jobsOf(username: string): Promise<JobView[]> {
  const token = await api.userToken(username);
  return ((await (await api.request('/phonebook/imports?limit=100', { token })).json()) as { imports: JobView[] }).imports;
}

/** One tick of the re-import schedule with the real stores, some of them made to fail. */
async function tick(faults: { files?: Partial<FileStore>; trigger?: Partial<ImportTrigger> } = {}) {
  const { runScheduledReimports } = await import('../../lib/jobs/reimport.js');
  const { sources, files, jobs, trigger } = await import('../../functions/wiring/all.js');
  const faulty = <T extends object>(real: T, overrides: Partial<T> | undefined): T =>
    Object.assign(Object.create(Object.getPrototypeOf(real)), real, overrides ?? {}) as T;
  const result = await runScheduledReimports({
    sources,
    jobs,
    files: faulty(files, faults.files),
    trigger: faulty(trigger, faults.trigger),
  });
  await api.stack.settle();
  return result;
}

describe('scheduled re-imports, each source on its own (issue 9, item 12)', () => {
  it('a source that fails does not stop the others, shows its reason, and is tried again at the next tick', async () => {
    await api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: 'iso/a-bad.csv', Body: 'name\nBad One\n' }));
    await api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: 'iso/b-good.csv', Body: 'name\nGood One\n' }));
    await putSource('a-bad', { owner: 'jane.doe', key: 'iso/a-bad.csv' });
    await putSource('b-good', { owner: 'jane.doe', key: 'iso/b-good.csv' });
    const { files } = await import('../../functions/wiring/all.js');
    const headFailingFor = (key: string): Partial<FileStore> => ({
      head: async (wanted: string) => {
        if (wanted === key) throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' });
        return files.head(wanted);
      },
    });

    const first = await tick({ files: headFailingFor('iso/a-bad.csv') });
    // The source sorted first fails; the one after it still runs.
    expect(first.outcomes).toMatchObject({ 'a-bad': 'error', 'b-good': 'started' });
    expect(first.errors['a-bad']).toBe('ServiceUnavailable: Service Unavailable');
    expect(await sourceView('a-bad')).toMatchObject({ last_error: 'ServiceUnavailable: Service Unavailable' });

    const second = await tick();
    expect(second.outcomes).toMatchObject({ 'a-bad': 'started', 'b-good': 'unchanged' });
    expect(second.errors).toEqual({});
    expect(await sourceView('a-bad')).not.toHaveProperty('last_error');
    const names = (await api.contactsOf('jane.doe', { ownOnly: true })).map((c) => c.name).sort();
    expect(names).toEqual(['Bad One', 'Good One']);
  });

  it('a failure after the source is marked running frees it at once and fails its job with the reason', async () => {
    await api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: 'iso/c-start.csv', Body: 'name\nStarted Late\n' }));
    await putSource('c-start', { owner: 'john.smith', key: 'iso/c-start.csv' });
    const failingTrigger: Partial<ImportTrigger> = {
      startImport: async () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
      },
    };
    const first = await tick({ trigger: failingTrigger });
    expect(first.outcomes['c-start']).toBe('error');
    expect(await sourceView('c-start')).not.toHaveProperty('running_import_id');
    const failed = (await jobsOf('john.smith')).find((job) => job.origin === 'schedule');
    expect(failed?.status).toBe('failed');
    expect(failed?.failure_reason).toContain('TooManyRequestsException: Rate exceeded');

    // Not "busy" for two hours: the next tick imports it.
    expect((await tick()).outcomes['c-start']).toBe('started');
    const names = (await api.contactsOf('john.smith', { ownOnly: true })).map((c) => c.name);
    expect(names).toContain('Started Late');
  });

  it('a busy mark whose import has ended is cleared, so the source is not skipped', async () => {
    const { sources } = await import('../../functions/wiring/all.js');
    await api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: 'iso/d-stuck.csv', Body: 'name\nUnstuck\n' }));
    await putSource('d-stuck', { owner: 'jane.doe', key: 'iso/d-stuck.csv' });
    // A mark left behind by an import that ended without clearing it (its answer was lost).
    expect(await sources.markRunning('d-stuck', '000000000-0000000000000000', new Date(), 60_000)).toBe(true);
    expect((await tick()).outcomes['d-stuck']).toBe('started');
  });
});
