import { readFile } from 'node:fs/promises';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { contactId } from '../../lib/contacts/identity.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCsv, ownContacts, ownContactsByName } from '../support/contacts.js';
import { contactsCsv, createUpload, type JobView, putUpload, waitForJob } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { scheduleTick } from '../support/schedule.js';

type UndoAnswer = {
  import_id: string;
  status: 'done' | 'running';
  undone: number;
  deleted: number;
  restored: number;
  unchanged: number;
  conflicts: number;
  conflict_ids: string[];
  started_at: string;
  finished_at?: string;
};
type UndoneJobView = JobView & { undo?: UndoAnswer; undone_at?: string };

let api: TestStack;
beforeAll(async () => {
  // A short request budget, so that the large undo goes on in the worker (202) as in the cloud.
  api = await startTestStack({ env: { UNDO_REQUEST_BUDGET_MS: '5000' } });
});
afterAll(async () => {
  await api?.close();
});

async function undo(token: string, importId: string): Promise<{ status: number; body: UndoAnswer }> {
  const response = await api.request(`/phonebook/imports/${importId}/undo`, { method: 'POST', token });
  return { status: response.status, body: (await response.json()) as UndoAnswer };
}

async function jobView(token: string, importId: string): Promise<UndoneJobView> {
  const response = await api.request(`/phonebook/imports/${importId}`, { token });
  expect(response.status).toBe(200);
  return (await response.json()) as UndoneJobView;
}

async function exportText(token: string): Promise<string> {
  const response = await api.request('/phonebook/export', { token });
  expect(response.status).toBe(200);
  return response.text();
}

/** A synchronous import that must succeed; resolves with its import id. */
async function syncImport(token: string, csv: string): Promise<string> {
  const { status, body } = await importCsv(api, token, csv);
  expect(status).toBe(200);
  expect(body.import_id).toMatch(/^[0-9a-z]{9}-[0-9a-f]{16}$/);
  return String(body.import_id);
}

describe('undo of a synchronous import', () => {
  it('deletes what a create-only import created: the phonebook is empty again', async () => {
    const token = await api.userToken('undo.empty');
    const importId = await syncImport(token, 'name,company,workemail\nAda,Engines,ada@example.org\nGrace,Navy,\nLinus,,l@example.org\n');
    expect(await ownContacts(api, 'undo.empty')).toHaveLength(3);

    const { status, body } = await undo(token, importId);

    expect(status).toBe(200);
    expect(body).toMatchObject({ import_id: importId, status: 'done', undone: 3, deleted: 3, restored: 0, conflicts: 0 });
    expect(await ownContacts(api, 'undo.empty')).toEqual([]);
  });

  it('restores every field of the contacts an update import changed: the export is as before', async () => {
    const token = await api.userToken('undo.update');
    await syncImport(
      token,
      [
        'name,company,workemail,cellphone,notes,type,homecity,linkedin',
        'Ada Lovelace,Engines,ada@example.org,+44 1,"line one\nline two",public,London,ada-l',
        'Grace Hopper,Navy,grace@example.org,,=SUM(A1),private,,',
        'Émile Zola,,,-12,@mention,,Paris,',
        '',
      ].join('\n'),
    );
    const before = await exportText(token);

    // Changes, unsets, a type change, an unchanged row and a new contact.
    const updateId = await syncImport(
      token,
      [
        'name,company,workemail,cellphone,notes,type,homecity',
        'Ada Lovelace,Engines,new@example.org,,changed,private,London',
        'Grace Hopper,Navy,grace@example.org,+1 555,=SUM(A1),public,Arlington',
        'Émile Zola,,,-12,@mention,,Paris',
        'New Person,Somewhere,n@example.org,,,,',
        '',
      ].join('\n'),
    );
    expect(await exportText(token)).not.toBe(before);

    const { status, body } = await undo(token, updateId);

    expect(status).toBe(200);
    // Zola was unchanged: a synchronous import does not rewrite it, so there is nothing to undo.
    expect(body).toMatchObject({ undone: 3, deleted: 1, restored: 2, conflicts: 0 });
    expect(await exportText(token)).toBe(before);
    const view = await jobView(token, updateId);
    expect(view.origin).toBe('sync');
    expect(view.undone_at).toBe(body.finished_at);
    expect(view.undo).toMatchObject({ status: 'done', undone: 3, conflicts: 0 });
  });

  it('leaves contacts changed since the import alone and lists them as conflicts', async () => {
    const token = await api.userToken('undo.conflict');
    const importId = await syncImport(token, 'name,company,notes\nEdited By Hand,A,one\nReimported,B,two\nUntouched,C,three\n');
    const byName = await ownContactsByName(api, 'undo.conflict');
    const edited = byName.get('Edited By Hand')?.id ?? '';
    const reimported = byName.get('Reimported')?.id ?? '';
    // An edit through the bulk route, and a later import of the same contact.
    const bulk = await api.request('/phonebook/contacts/bulk', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contacts: [{ id: edited, notes: 'edited after the import' }] }),
    });
    expect(bulk.status).toBe(200);
    await syncImport(token, 'name,company,notes\nReimported,B,changed by a later import\n');

    const { status, body } = await undo(token, importId);

    expect(status).toBe(200);
    expect(body).toMatchObject({ deleted: 1, conflicts: 2 });
    expect([...body.conflict_ids].sort()).toEqual([edited, reimported].sort());
    const after = await ownContactsByName(api, 'undo.conflict');
    expect([...after.keys()].sort()).toEqual(['Edited By Hand', 'Reimported']);
    expect(after.get('Edited By Hand')?.notes).toBe('edited after the import');
    expect(after.get('Reimported')?.notes).toBe('changed by a later import');
  });

  it('answers a second undo with the first one report and changes nothing', async () => {
    const token = await api.userToken('undo.twice');
    const first = await syncImport(token, 'name\nOnce\nTwice\n');
    const firstUndo = await undo(token, first);
    expect(firstUndo.body).toMatchObject({ deleted: 2 });
    // The same contact again, by a later import: a second undo that ran again would find it
    // stamped with another import and count a conflict, or delete it.
    await syncImport(token, 'name\nOnce\n');

    const secondUndo = await undo(token, first);

    expect(secondUndo.status).toBe(200);
    expect(secondUndo.body).toEqual(firstUndo.body);
    expect((await ownContacts(api, 'undo.twice')).map((contact) => contact.name)).toEqual(['Once']);
  });

  it('answers 404 for another user import id, on the user route', async () => {
    const owner = await api.userToken('undo.owner');
    const intruder = await api.userToken('undo.intruder');
    const importId = await syncImport(owner, 'name\nMine\n');

    const { status } = await undo(intruder, importId);

    expect(status).toBe(404);
    expect(await ownContacts(api, 'undo.owner')).toHaveLength(1);
    expect((await undo(intruder, 'not-an-id')).status).toBe(404);
  });

  it('lets the super admin undo any user import, named by its owner', async () => {
    const register = await api.request('/admin/users/undo.admin.target', {
      method: 'PUT',
      headers: { authorization: `Bearer ${api.adminToken}` },
    });
    expect(register.status).toBeLessThan(300);
    const token = await api.userToken('undo.admin.target');
    const importId = await syncImport(token, 'name\nAdmin Undoes Me\n');
    const adminUndo = (query: string) =>
      api.request(`/admin/phonebook/imports/${importId}/undo${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api.adminToken}` },
      });

    expect((await adminUndo('')).status).toBe(400);
    expect((await adminUndo('?username=someone.else')).status).toBe(404);
    const response = await adminUndo('?username=undo.admin.target');

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ deleted: 1, conflicts: 0 });
    expect(await ownContacts(api, 'undo.admin.target')).toEqual([]);
  });
});

describe('undo of group-shared contacts', () => {
  /** The names of the contacts `member` sees that `owner` owns. */
  async function sharedNames(member: string, owner: string): Promise<string[]> {
    return (await api.contactsOf(member)).filter((contact) => contact.owner === owner).map((contact) => contact.name ?? '');
  }

  /** Whether the group's partition holds a share item for contact `id` (read from the table itself). */
  async function shareItemOf(group: string, id: string): Promise<boolean> {
    const [{ config }, { dynamoClient }, { groupPartitionOf }, { shardOf }] = await Promise.all([
      import('../../functions/wiring/all.js'),
      import('../../lib/adapters/aws-clients.js'),
      import('../../lib/adapters/contact-cursor.js'),
      import('../../lib/adapters/dynamodb-contacts.js'),
    ]);
    const item = await dynamoClient(config).send(
      new GetItemCommand({
        TableName: config.contactsTable,
        Key: { pk: { S: groupPartitionOf(group, shardOf(id)) }, id: { S: id } },
        ConsistentRead: true,
      }),
    );
    return item.Item !== undefined;
  }

  async function join(username: string, group = 'Sales'): Promise<void> {
    const response = await api.request(`/admin/users/${username}`, {
      method: 'PUT',
      token: api.adminToken,
      body: JSON.stringify({ groups: [group] }),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBeLessThan(300);
  }

  it('takes a deleted contact out of its group: the member no longer sees it', async () => {
    await join('undo.member.a');
    const owner = await api.userToken('undo.sharer.a');
    const importId = await syncImport(owner, 'name,type\nShared Ada,group:Sales\n');
    expect(await sharedNames('undo.member.a', 'undo.sharer.a')).toEqual(['Shared Ada']);

    const id = contactId('undo.sharer.a', { name: 'Shared Ada', company: '' });
    expect(await shareItemOf('Sales', id)).toBe(true);

    expect((await undo(owner, importId)).body).toMatchObject({ deleted: 1, conflicts: 0 });

    expect(await sharedNames('undo.member.a', 'undo.sharer.a')).toEqual([]);
    // Not only hidden (a listing drops share items whose contact is gone): the item is deleted.
    expect(await shareItemOf('Sales', id)).toBe(false);
  });

  it('shares a restored contact with its group again, and stops sharing it with the group the import gave it', async () => {
    await join('undo.member.b');
    await join('undo.support.b', 'Support');
    const owner = await api.userToken('undo.sharer.b');
    await syncImport(owner, 'name,type\nKept,group:Sales\n');
    const moved = await syncImport(owner, 'name,type\nKept,group:Support\n');
    expect(await sharedNames('undo.member.b', 'undo.sharer.b')).toEqual([]);
    expect(await sharedNames('undo.support.b', 'undo.sharer.b')).toEqual(['Kept']);

    expect((await undo(owner, moved)).body).toMatchObject({ restored: 1, conflicts: 0 });

    expect(await sharedNames('undo.member.b', 'undo.sharer.b')).toEqual(['Kept']);
    expect(await sharedNames('undo.support.b', 'undo.sharer.b')).toEqual([]);
  });
});

const tick = () => scheduleTick(api);

describe('undo of an import job', () => {
  it('worker: ignores the continuation of an import that does not exist, without failing the invocation', async () => {
    // The worker's own variable (serverless.yml gives it to the undo functions only).
    process.env.UNDO_FUNCTION_NAME ??= 'phonebook-import-local-undoImportWorker';
    const { worker } = await import('../../functions/undo-import.js');
    const text = (await readFile(new URL('../../events/undo/continue-undo.json', import.meta.url), 'utf8'))
      .replace('OWNER', 'john.smith')
      .replace('IMPORT_ID', '000000000-0000000000000000');
    await expect(worker(JSON.parse(text), { getRemainingTimeInMillis: () => 900_000 } as never)).resolves.toBeUndefined();
  });

  it('puts back what a replace source changed and removed, and deletes what it created', async () => {
    const admin = { authorization: `Bearer ${api.adminToken}` };
    expect((await api.request('/admin/users/undo.source', { method: 'PUT', headers: admin })).status).toBeLessThan(300);
    const put = await api.request('/admin/sources/undo-crm', {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ owner: 'undo.source', key: 'sources/undo-crm.csv', mode: 'replace' }),
    });
    expect(put.status).toBe(201);
    const upload = (csv: string) => api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: 'sources/undo-crm.csv', Body: csv }));
    const token = await api.userToken('undo.source');
    await upload('name,company,notes,cellphone\nAda,CRM,a1,+1\nBob,CRM,b1,+2\nCyd,CRM,c1,\n');
    expect(await tick()).toMatchObject({ 'undo-crm': 'started' });
    const before = await exportText(token);

    // Ada changes, Bob and Cyd leave the file (removed), Dee is new.
    await upload('name,company,notes,cellphone\nAda,CRM,a2,\nDee,CRM,d1,+4\n');
    expect(await tick()).toMatchObject({ 'undo-crm': 'started' });
    const list = (await (await api.request('/phonebook/imports', { token })).json()) as { imports: JobView[] };
    const second = list.imports[0] as JobView;
    expect(second.note).toBe('replace: removed 2 contacts of source undo-crm that are no longer in the file');

    const { status, body } = await undo(token, second.import_id);

    expect(status).toBe(200);
    expect(body).toMatchObject({ deleted: 1, restored: 3, conflicts: 0 });
    expect(await exportText(token)).toBe(before);
    // The removed contacts came back with their source's stamp: the next replace run treats them as before.
    await upload('name,company,notes,cellphone\nAda,CRM,a1,+1\n');
    expect(await tick()).toMatchObject({ 'undo-crm': 'started' });
    expect((await ownContacts(api, 'undo.source')).map((contact) => contact.name)).toEqual(['Ada']);
  });

  it('after a run that died before logging its creations: deletes them and restores what it changed', async () => {
    const owner = 'undo.recovered';
    const token = await api.userToken(owner);
    await syncImport(token, 'name,company,notes\nAda,ACME,a1\n');
    const before = await exportText(token);
    const file = Buffer.from('name,company,notes\nAda,ACME,a2\nEve,ACME,e1\n');
    const created = await createUpload(api, token, file.length);
    expect((await putUpload(created.upload_url, file)).status).toBe(200);
    expect((await waitForJob(api, token, created.import_id)).report).toMatchObject({ imported_rows: 2 });

    // The run died after its writes and before its flush: Ada's previous value (written ahead)
    // is in the log, Eve's creation is not. The next run imports the rows again from the last
    // checkpoint, as a later invocation of the job does.
    const [{ files, importDeps }, { ChangeLog, changeLogParts }, { importContacts }] = await Promise.all([
      import('../../functions/wiring/all.js'),
      import('../../lib/jobs/change-log.js'),
      import('../../lib/import/pipeline.js'),
    ]);
    let dropped = 0;
    for (const part of await changeLogParts(files, owner, created.import_id)) {
      const lines = (await files.readText(part)).split('\n').filter((line) => line !== '');
      const kept = lines.filter((line) => (JSON.parse(line) as { op: string }).op !== 'create');
      dropped += lines.length - kept.length;
      if (kept.length === 0) await files.remove([part]);
      else await files.write(part, kept.map((line) => `${line}\n`).join(''), 'application/x-ndjson');
    }
    expect(dropped).toBe(1);
    const later = new ChangeLog(files, owner, created.import_id, { recovering: true });
    await importContacts(
      (async function* () {
        yield file;
      })(),
      { owner, writer: importDeps.writer, origin: { importId: created.import_id }, changeLog: later },
    );
    await later.flush();

    const { status, body } = await undo(token, created.import_id);

    expect(status).toBe(200);
    expect(body).toMatchObject({ deleted: 1, restored: 1, conflicts: 0 });
    expect(await exportText(token)).toBe(before);
  });

  it('undoes a 100,000-row job in the worker, continuing past the request budget', async () => {
    const token = await api.userToken('undo.large');
    const csv = contactsCsv(100_000, 'Large');
    const created = await createUpload(api, token, csv.length);
    expect((await putUpload(created.upload_url, csv)).status).toBe(200);
    const job = await waitForJob(api, token, created.import_id, 600_000);
    expect(job.report).toMatchObject({ imported_rows: 100_000 });

    const started = await undo(token, created.import_id);
    expect(started.status).toBe(202);
    expect(started.body.status).toBe('running');
    const deadline = Date.now() + 600_000;
    let view = await jobView(token, created.import_id);
    while (!view.undone_at) {
      if (Date.now() > deadline) throw new Error(`undo still running: ${JSON.stringify(view.undo)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      view = await jobView(token, created.import_id);
    }

    expect(view.undo).toMatchObject({ status: 'done', undone: 100_000, deleted: 100_000, conflicts: 0 });
    const page = await api.request('/phonebook/export', { token });
    expect((await page.text()).trimEnd().split('\r\n')).toHaveLength(1);
  }, 1_200_000);
});
