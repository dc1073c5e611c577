import { PutObjectCommand } from '@aws-sdk/client-s3';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportReport } from '../../lib/import/report.js';
import { type JobView, putUpload, waitForJob } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { scheduleTick } from '../support/schedule.js';

// The import options (empty_cells, mode, and the others) on every import path: the sync form,
// a job's JSON body, a scheduled source, and the drop folder's per-user defaults.
let api: TestStack;
beforeAll(async () => {
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
});

type Job = JobView & { import_options: Record<string, unknown>; report?: ImportReport };

async function registerUser(username: string, body?: Record<string, unknown>): Promise<Response> {
  return api.request(`/admin/users/${username}`, {
    method: 'PUT',
    token: api.adminToken,
    ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
}

async function formImport(username: string, csv: string, fields: Record<string, string> = {}): Promise<Response> {
  return api.postForm(
    '/phonebook/import/',
    { file: Buffer.from(csv), ...fields },
    { authorization: `Bearer ${await api.userToken(username)}` },
  );
}

/** The user's own contacts by name, with the columns the tests look at. */
async function phonebook(username: string): Promise<Record<string, { cellphone: string; workemail: string; type: string }>> {
  const contacts = await api.contactsOf(username, { ownOnly: true });
  return Object.fromEntries(
    contacts.map((c) => [c.name ?? '', { cellphone: c.cellphone ?? '', workemail: c.workemail ?? '', type: c.type ?? '' }]),
  );
}

/** Ada (cellphone 1, an e-mail, public) stored for `username`. */
async function seedAda(username: string): Promise<void> {
  expect((await registerUser(username)).status).toBeLessThan(300);
  expect((await formImport(username, 'name,cellphone,workemail,type\nAda,1,ada@example.org,public\n')).status).toBe(200);
}

/** A file that blanks Ada's cellphone and type, changes her e-mail, and adds Grace. */
const UPDATE_CSV = 'name,cellphone,workemail,type\nAda,,ada@new.example.org,\nGrace,2,,\n';

async function jobsOf(username: string): Promise<Job[]> {
  const token = await api.userToken(username);
  return ((await (await api.request('/phonebook/imports?limit=100', { token })).json()) as { imports: Job[] }).imports;
}

async function waitForJobOf(username: string, where: (job: Job) => boolean): Promise<Job> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const job = (await jobsOf(username)).find(where);
    if (job && (job.status === 'completed' || job.status === 'failed')) return job;
    if (Date.now() > deadline) throw new Error(`no finished job for ${username}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the sync form', () => {
  it('empty_cells=keep: blank cells leave stored values, filled ones replace them', async () => {
    await seedAda('form.keep');
    const response = await formImport('form.keep', UPDATE_CSV, { empty_cells: 'keep' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ total_rows: 2, imported_rows: 2, updated_rows: 1, created_rows: 1 });
    expect((await phonebook('form.keep')).Ada).toEqual({ cellphone: '1', workemail: 'ada@new.example.org', type: 'public' });
  });

  it('empty_cells=unset (the default) clears them, as before', async () => {
    await seedAda('form.unset');
    expect((await formImport('form.unset', UPDATE_CSV)).status).toBe(200);
    expect((await phonebook('form.unset')).Ada).toEqual({ cellphone: '', workemail: 'ada@new.example.org', type: 'private' });
  });

  it('mode=create_only leaves stored contacts alone and counts them; total = imported + failed + skipped', async () => {
    await seedAda('form.create');
    const response = await formImport('form.create', UPDATE_CSV, { mode: 'create_only' });
    expect(response.status).toBe(200);
    const report = (await response.json()) as ImportReport;
    expect(report).toMatchObject({ total_rows: 2, imported_rows: 1, created_rows: 1, skipped_rows: 1, existing_rows: 1, failed_rows: 0 });
    expect(report.error_messages).toEqual(['Row 2: contact already exists, left alone (mode create_only)']);
    expect(await phonebook('form.create')).toEqual({
      Ada: { cellphone: '1', workemail: 'ada@example.org', type: 'public' },
      Grace: { cellphone: '2', workemail: '', type: 'private' },
    });
  });

  it('mode=update_only skips rows that match nothing, with a message for each', async () => {
    await seedAda('form.update');
    const response = await formImport('form.update', UPDATE_CSV, { mode: 'update_only' });
    expect(response.status).toBe(200);
    const report = (await response.json()) as ImportReport;
    expect(report).toMatchObject({ total_rows: 2, imported_rows: 1, updated_rows: 1, skipped_rows: 1, unmatched_rows: 1 });
    expect(report.error_messages).toEqual(['Row 3: no stored contact matches this row, nothing created (mode update_only)']);
    expect(Object.keys(await phonebook('form.update'))).toEqual(['Ada']);
  });

  it('refuses a bad option with the same 400 on the user and the admin form', async () => {
    const user = await formImport('john.smith', 'name\nAda\n', { mode: 'merge' });
    const admin = await api.postForm(
      '/admin/phonebook/import',
      { file: Buffer.from('name\nAda\n'), username: 'john.smith', mode: 'merge' },
      { authorization: `Bearer ${api.adminToken}` },
    );
    const expected = { message: 'invalid mode', error: "'mode' must be 'upsert' or 'create_only' or 'update_only', got 'merge'" };
    expect(user.status).toBe(400);
    expect(await user.json()).toEqual(expected);
    expect(admin.status).toBe(400);
    expect(await admin.json()).toEqual(expected);
  });
});

describe('import jobs (POST /phonebook/imports and /admin/phonebook/imports)', () => {
  async function jobImport(username: string, csv: string, options: Record<string, unknown>): Promise<Job> {
    const token = await api.userToken(username);
    const response = await api.request('/phonebook/imports', {
      method: 'POST',
      token,
      body: JSON.stringify({ size: Buffer.byteLength(csv), ...options }),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { import_id: string; upload_url: string };
    await putUpload(created.upload_url, Buffer.from(csv));
    return (await waitForJob(api, token, created.import_id)) as Job;
  }

  it('keep the options of the body on the job, show them, and apply them', async () => {
    await seedAda('job.keep');
    const job = await jobImport('job.keep', UPDATE_CSV, { empty_cells: 'keep', mode: 'update_only' });
    expect(job.status).toBe('completed');
    expect(job.import_options).toEqual({ dry_run: false, empty_cells: 'keep', mode: 'update_only' });
    expect(job.report).toMatchObject({ total_rows: 2, updated_rows: 1, skipped_rows: 1, unmatched_rows: 1 });
    expect(await phonebook('job.keep')).toEqual({ Ada: { cellphone: '1', workemail: 'ada@new.example.org', type: 'public' } });
  });

  it('apply mode=create_only and a mapping given as JSON values', async () => {
    await seedAda('job.create');
    const job = await jobImport('job.create', 'Nom;Portable\nAda;9\nLin;3\n', {
      mode: 'create_only',
      mapping: { Nom: 'name', Portable: 'cellphone' },
    });
    expect(job.report).toMatchObject({ total_rows: 2, created_rows: 1, existing_rows: 1 });
    expect((await phonebook('job.create')).Ada?.cellphone).toBe('1');
    expect((await phonebook('job.create')).Lin?.cellphone).toBe('3');
  });

  it('apply an encoding override: a Cyrillic file read in the code page asked for, as the report says', async () => {
    const csv = iconv.encode('name,company\nДмитрий Иванов,Пример\n', 'windows-1251');
    const token = await api.userToken('job.encoding');
    const response = await api.request('/phonebook/imports', {
      method: 'POST',
      token,
      body: JSON.stringify({ size: csv.length, encoding: 'CP1251' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { import_id: string; upload_url: string };
    await putUpload(created.upload_url, csv);
    const job = (await waitForJob(api, token, created.import_id)) as Job;
    expect(job.import_options).toMatchObject({ encoding: 'windows-1251' });
    expect(job.report?.error_messages).toEqual(['the file is not UTF-8; it was read as windows-1251 (as asked)']);
    expect(Object.keys(await phonebook('job.encoding'))).toEqual(['Дмитрий Иванов']);
  });

  it('apply dry_run: the report says what would happen, nothing is written', async () => {
    await seedAda('job.dry');
    const job = await jobImport('job.dry', UPDATE_CSV, { dry_run: true });
    expect(job.import_options).toMatchObject({ dry_run: true });
    expect(job.report).toMatchObject({ dry_run: true, total_rows: 2, updated_rows: 1, created_rows: 1 });
    expect(await phonebook('job.dry')).toEqual({ Ada: { cellphone: '1', workemail: 'ada@example.org', type: 'public' } });
  });

  it('refuse a bad option before creating anything, with the message of the form', async () => {
    const token = await api.userToken('john.smith');
    const response = await api.request('/phonebook/imports', {
      method: 'POST',
      token,
      body: JSON.stringify({ size: 10, empty_cells: 'blank' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      message: 'invalid empty_cells',
      error: "'empty_cells' must be 'unset' or 'keep', got 'blank'",
    });
    const form = await formImport('john.smith', 'name\nAda\n', { empty_cells: 'blank' });
    expect(await form.json()).toEqual({ message: 'invalid empty_cells', error: "'empty_cells' must be 'unset' or 'keep', got 'blank'" });
  });

  it('take the options on the admin route too', async () => {
    await seedAda('job.admin');
    const csv = UPDATE_CSV;
    const response = await api.request('/admin/phonebook/imports', {
      method: 'POST',
      token: api.adminToken,
      body: JSON.stringify({ username: 'job.admin', size: Buffer.byteLength(csv), empty_cells: 'keep' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { import_id: string; upload_url: string };
    await putUpload(created.upload_url, Buffer.from(csv));
    const job = (await waitForJob(api, await api.userToken('job.admin'), created.import_id)) as Job;
    expect(job.import_options).toMatchObject({ empty_cells: 'keep' });
    expect((await phonebook('job.admin')).Ada).toEqual({ cellphone: '1', workemail: 'ada@new.example.org', type: 'public' });
  });
});

describe('scheduled sources (PUT /admin/sources/{id} import_options)', () => {
  const tick = () => scheduleTick(api);

  it('store the options, show them, and apply them to every scheduled import', async () => {
    await seedAda('source.user');
    const put = await api.request('/admin/sources/controls', {
      method: 'PUT',
      token: api.adminToken,
      body: JSON.stringify({
        owner: 'source.user',
        key: 'sources/controls.csv',
        import_options: { empty_cells: 'keep', mode: 'update_only' },
      }),
    });
    expect(put.status).toBe(201);
    expect(await put.json()).toMatchObject({ mode: 'merge', import_options: { empty_cells: 'keep', mode: 'update_only', dry_run: false } });
    await api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: 'sources/controls.csv', Body: UPDATE_CSV }));
    await tick();
    const job = await waitForJobOf('source.user', (j) => j.origin === 'schedule');
    expect(job.import_options).toMatchObject({ empty_cells: 'keep', mode: 'update_only' });
    expect(job.report).toMatchObject({ updated_rows: 1, unmatched_rows: 1 });
    expect(await phonebook('source.user')).toEqual({ Ada: { cellphone: '1', workemail: 'ada@new.example.org', type: 'public' } });
  });

  it('refuse unknown and bad options with a 400 naming them', async () => {
    const put = (options: unknown) =>
      api.request('/admin/sources/bad-options', {
        method: 'PUT',
        token: api.adminToken,
        body: JSON.stringify({ owner: 'john.smith', key: 'x.csv', import_options: options }),
      });
    const unknown = await put({ emptycells: 'keep' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ message: 'invalid import_options' });
    const bad = await put({ mode: 'merge' });
    expect(await bad.json()).toEqual({
      message: 'invalid mode',
      error: "'mode' must be 'upsert' or 'create_only' or 'update_only', got 'merge'",
    });
  });
});

describe('the drop folder (a per-user default, PUT /admin/users/{username} import_options)', () => {
  it('imports a dropped file with the options the super admin set for its user', async () => {
    await seedAda('drop.user');
    const set = await registerUser('drop.user', { import_options: { empty_cells: 'keep', mode: 'create_only' } });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ username: 'drop.user', import_options: { empty_cells: 'keep', mode: 'create_only' } });
    // Registering again without options keeps them.
    expect(await (await registerUser('drop.user')).json()).toMatchObject({ import_options: { empty_cells: 'keep', mode: 'create_only' } });

    await api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: 'drop/drop.user/crm.csv', Body: UPDATE_CSV }));
    const job = await waitForJobOf('drop.user', (j) => j.origin === 'drop');
    expect(job.import_options).toMatchObject({ empty_cells: 'keep', mode: 'create_only' });
    expect(job.report).toMatchObject({ total_rows: 2, created_rows: 1, existing_rows: 1 });
    expect(await phonebook('drop.user')).toEqual({
      Ada: { cellphone: '1', workemail: 'ada@example.org', type: 'public' },
      Grace: { cellphone: '2', workemail: '', type: 'private' },
    });
  });

  it("keeps a user's groups and import options side by side: setting one leaves the other", async () => {
    expect((await registerUser('drop.both', { groups: ['Sales'] })).status).toBe(201);
    expect((await registerUser('drop.both', { import_options: { mode: 'update_only' } })).status).toBe(200);
    const read = await api.request('/admin/users/drop.both', { token: api.adminToken });
    expect(await read.json()).toMatchObject({ groups: ['Sales'], import_options: { mode: 'update_only' } });
    expect(await (await registerUser('drop.both', { groups: [], import_options: {} })).json()).toMatchObject({
      groups: [],
      import_options: { dry_run: false, empty_cells: 'unset', mode: 'upsert' },
    });
  });

  it('refuses bad defaults without registering anyone', async () => {
    const response = await registerUser('drop.nobody', { import_options: { mode: 'sometimes' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ message: 'invalid mode' });
    const form = await api.postForm(
      '/admin/phonebook/import',
      { file: Buffer.from('name\nAda\n'), username: 'drop.nobody' },
      { authorization: `Bearer ${api.adminToken}` },
    );
    expect(form.status).toBe(404);
  });
});
