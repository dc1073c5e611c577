import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { scheduleTick } from '../support/schedule.js';

let api: TestStack;
beforeAll(async () => {
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
});

const tick = () => scheduleTick(api);

async function putSource(id: string, body: Record<string, unknown>): Promise<Response> {
  return api.request(`/admin/sources/${id}`, { method: 'PUT', token: api.adminToken, body: JSON.stringify(body) });
}

async function names(username: string): Promise<string[]> {
  return (await api.contactsOf(username, { ownOnly: true })).map((c) => c.name ?? '').sort();
}

async function upload(key: string, csv: string): Promise<void> {
  await api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: key, Body: csv }));
}

/** The newest job a schedule started for the user. */
async function latestScheduledJob(username: string): Promise<JobView | undefined> {
  return (await jobsOf(username)).find((job) => job.origin === 'schedule');
}

async function jobsOf(username: string): Promise<JobView[]> {
  const token = await api.userToken(username);
  return ((await (await api.request('/phonebook/imports?limit=100', { token })).json()) as { imports: JobView[] }).imports;
}

describe('re-import sources', () => {
  it('are managed by the super admin and validated', async () => {
    expect((await putSource('crm', { owner: 'john.smith', key: 'sources/crm.csv', mode: 'replace' })).status).toBe(201);
    expect((await putSource('crm', { owner: 'john.smith', key: 'sources/crm.csv', mode: 'replace' })).status).toBe(200);
    expect((await putSource('bad', { owner: 'ghost', key: 'x.csv' })).status).toBe(404);
    expect((await putSource('bad', { owner: 'john.smith' })).status).toBe(400);
    expect((await putSource('bad', { owner: 'john.smith', key: 'x.csv', mode: 'sync' })).status).toBe(400);
    const user = await api.userToken('john.smith');
    expect((await api.request('/admin/sources/crm', { token: user })).status).toBe(401);
    const got = (await (await api.request('/admin/sources/crm', { token: api.adminToken })).json()) as Record<string, unknown>;
    expect(got).toMatchObject({ id: 'crm', owner: 'john.smith', key: 'sources/crm.csv', mode: 'replace', enabled: true });
    const created = await putSource('gone', { owner: 'jane.doe', prefix: 'x/' });
    expect(created.status).toBe(201);
    expect((await api.request('/admin/sources/gone', { method: 'DELETE', token: api.adminToken })).status).toBe(204);
    expect((await api.request('/admin/sources/gone', { token: api.adminToken })).status).toBe(404);
  });

  it('replace: removes the source contacts that left the file, never hand-made ones', async () => {
    const handMade = await api.postForm(
      '/phonebook/import/',
      { file: Buffer.from('name\nHand Made\n') },
      { authorization: `Bearer ${await api.userToken('john.smith')}` },
    );
    expect(handMade.status).toBe(200);
    await upload('sources/crm.csv', 'name,company\nAda,CRM\nBob,CRM\nCyd,CRM\n');
    expect(await tick()).toMatchObject({ crm: 'started' });
    expect(await names('john.smith')).toEqual(['Ada', 'Bob', 'Cyd', 'Hand Made']);

    await upload('sources/crm.csv', 'name,company\nAda,CRM\nCyd,CRM\nDee,CRM\n');
    expect(await tick()).toMatchObject({ crm: 'started' });
    expect(await names('john.smith')).toEqual(['Ada', 'Cyd', 'Dee', 'Hand Made']);
    const latest = await latestScheduledJob('john.smith');
    expect(latest?.note).toBe('replace: removed 1 contacts of source crm that are no longer in the file');
  });

  it('replace: a mostly invalid file removes nothing', async () => {
    await upload('sources/crm.csv', 'name,company,type\nAda,CRM,x\nCyd,CRM,y\nDee,CRM,private\n');
    expect(await tick()).toMatchObject({ crm: 'started' });
    expect(await names('john.smith')).toEqual(['Ada', 'Cyd', 'Dee', 'Hand Made']);
    const latest = await latestScheduledJob('john.smith');
    expect(latest?.note).toBe('replace: nothing removed, because rows failed or more than half of the rows were rejected');
  });

  it('an unchanged file (same ETag) is a recorded no-op', async () => {
    await upload('sources/crm.csv', 'name,company\nAda,CRM\nCyd,CRM\nDee,CRM\n');
    expect(await tick()).toMatchObject({ crm: 'started' });
    expect(await tick()).toMatchObject({ crm: 'unchanged' });
    const latest = await latestScheduledJob('john.smith');
    expect(latest).toMatchObject({ status: 'completed' });
    expect(latest?.note).toMatch(/^unchanged since import \S+ \(same ETag\); nothing imported$/);
  });

  it('merge: keeps everything else, and takes the newest object under a prefix', async () => {
    await api.request('/admin/sources/crm', { method: 'DELETE', token: api.adminToken });
    expect((await putSource('feed', { owner: 'jane.doe', prefix: 'feeds/jane/', mode: 'merge' })).status).toBe(201);
    await upload('feeds/jane/2026-11-01.csv', 'name\nOld One\nKept\n');
    expect(await tick()).toMatchObject({ feed: 'started' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await upload('feeds/jane/2026-11-02.csv', 'name\nNew One\n');
    expect(await tick()).toMatchObject({ feed: 'started' });
    expect(await names('jane.doe')).toEqual(['Kept', 'New One', 'Old One']);
    const latest = await latestScheduledJob('jane.doe');
    expect(latest).toMatchObject({ object_key: 'feeds/jane/2026-11-02.csv', status: 'completed', report: { total_rows: 1 } });
  });
});
