import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { contactsCsv, createUpload, type JobView, putUpload, waitForJob } from '../support/imports.js';

let api: TestStack;
beforeAll(async () => {
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
});

async function countOwnContacts(username: string, prefix: string): Promise<number> {
  return (await api.contactsOf(username, { ownOnly: true })).filter((c) => c.name?.startsWith(prefix)).length;
}

describe('presigned upload flow', () => {
  it('imports an uploaded file and reports like the synchronous endpoint, with rejected rows in errors.csv', async () => {
    const token = await api.userToken('john.smith');
    const csv = contactsCsv(300, 'Upload', 50);
    const created = await createUpload(api, token, csv.length);
    expect(created.status_url).toBe(`/phonebook/imports/${created.import_id}`);
    const waiting = (await (await api.request(created.status_url, { token })).json()) as JobView;
    expect(waiting.status).toBe('waiting_upload');

    expect((await putUpload(created.upload_url, csv)).status).toBe(200);
    const job = await waitForJob(api, token, created.import_id);

    expect(job.status).toBe('completed');
    expect(job.report).toMatchObject({ total_rows: 300, imported_rows: 294, failed_rows: 0, skipped_rows: 6 });
    expect(job.progress).toMatchObject({ rows_processed: 300, bytes_read: csv.length, total_bytes: csv.length, percent: 100 });
    expect(await countOwnContacts('john.smith', 'Upload ')).toBe(294);

    // The report is also kept as JSON next to the upload.
    const stored = await api.s3.send(
      new GetObjectCommand({ Bucket: api.uploadBucket, Key: `imports/john.smith/${created.import_id}/report.json` }),
    );
    expect(JSON.parse(await (stored.Body as { transformToString(): Promise<string> }).transformToString())).toEqual({
      import_id: created.import_id,
      ...job.report,
    });

    const errors = await api.request(`/phonebook/imports/${created.import_id}/errors.csv`, { token });
    expect(errors.status).toBe(200);
    const lines = (await errors.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('row,error,name,company,workemail,notes,type');
    expect(lines).toHaveLength(7);
    // The message holds commas, so errors.csv quotes it.
    expect(lines[1]).toBe(
      `51,"invalid type 'business' (must be 'private', 'public', or 'group:<group1,group2>')",Upload 50,Company 1,p50@example.com,"note, 50",business`,
    );
  });

  it('lists the caller own jobs, newest first', async () => {
    const token = await api.userToken('john.smith');
    const first = await createUpload(api, token, 10);
    const second = await createUpload(api, token, 10);
    const list = (await (await api.request('/phonebook/imports', { token })).json()) as { imports: JobView[] };
    const ids = list.imports.map((job) => job.import_id);
    expect(ids.indexOf(second.import_id)).toBeLessThan(ids.indexOf(first.import_id));
  });

  it('never shows one user the jobs or rejected rows of another', async () => {
    const john = await api.userToken('john.smith');
    const jane = await api.userToken('jane.doe');
    const created = await createUpload(api, john, 10);
    expect((await api.request(`/phonebook/imports/${created.import_id}`, { token: jane })).status).toBe(404);
    expect((await api.request(`/phonebook/imports/${created.import_id}/errors.csv`, { token: jane })).status).toBe(404);
    const janeList = (await (await api.request('/phonebook/imports', { token: jane })).json()) as { imports: JobView[] };
    expect(janeList.imports.map((job) => job.import_id)).not.toContain(created.import_id);
  });

  it('signs the upload URL for one key and one size: another key or size is refused by S3', async () => {
    const john = await api.userToken('john.smith');
    const csv = Buffer.from('name\nMallory\n');
    const created = await createUpload(api, john, csv.length);
    const otherKey = created.upload_url.replace('/imports/john.smith/', '/imports/jane.doe/');
    expect(otherKey).not.toBe(created.upload_url);
    expect((await putUpload(otherKey, csv)).status).toBe(403);
    expect((await putUpload(created.upload_url, Buffer.concat([csv, Buffer.from('Extra\n')]))).status).toBeGreaterThanOrEqual(400);
  });

  it('refuses a declared size over the limit with 413, and a missing size with 400', async () => {
    const token = await api.userToken('john.smith');
    const tooBig = await api.request('/phonebook/imports', { method: 'POST', token, body: JSON.stringify({ size: 2 * 1024 ** 3 }) });
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as { message: string }).message).toMatch(
      /^file too large: 2147483648 bytes; the limit is 1073741824 bytes$/,
    );
    const missing = await api.request('/phonebook/imports', { method: 'POST', token, body: '{}' });
    expect(missing.status).toBe(400);
  });

  it('lets a super admin create an upload for a registered user, and answers 404 for an unknown one', async () => {
    const created = await api.request('/admin/phonebook/imports', {
      method: 'POST',
      token: api.adminToken,
      body: JSON.stringify({ username: 'jane.doe', size: 20 }),
    });
    expect(created.status).toBe(201);
    const { import_id } = (await created.json()) as { import_id: string };
    const jane = await api.userToken('jane.doe');
    expect((await api.request(`/phonebook/imports/${import_id}`, { token: jane })).status).toBe(200);
    const unknown = await api.request('/admin/phonebook/imports', {
      method: 'POST',
      token: api.adminToken,
      body: JSON.stringify({ username: 'ghost', size: 20 }),
    });
    expect(unknown.status).toBe(404);
  });

  it('fails a job whose file is not a CSV, with the reason', async () => {
    const token = await api.userToken('john.smith');
    const body = Buffer.from('email,phone\na@b.c,1\n');
    const created = await createUpload(api, token, body.length);
    await putUpload(created.upload_url, body);
    const job = await waitForJob(api, token, created.import_id);
    expect(job.status).toBe('failed');
    expect(job.failure_reason).toBe("invalid CSV file: the header row has no 'name' column (found: email, phone)");
  });
});

describe('drop folder', () => {
  it('imports a file dropped under drop/<username>/ into that user phonebook', async () => {
    const csv = contactsCsv(40, 'Dropped');
    await api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: 'drop/jane.doe/crm export.csv', Body: csv }));
    await api.stack.settle();
    const token = await api.userToken('jane.doe');
    const list = (await (await api.request('/phonebook/imports', { token })).json()) as { imports: JobView[] };
    const job = list.imports.find((j) => j.origin === 'drop');
    expect(job).toMatchObject({ status: 'completed', report: { total_rows: 40, imported_rows: 40 } });
    expect(await countOwnContacts('jane.doe', 'Dropped ')).toBe(40);
  });

  it('fails the job of an unknown user with a clear reason and keeps the file', async () => {
    await api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: 'drop/nobody.here/list.csv', Body: contactsCsv(3, 'Orphan') }));
    await api.stack.settle();
    const response = await api.request('/admin/phonebook/imports?username=nobody.here', { token: api.adminToken });
    const { imports } = (await response.json()) as { imports: JobView[] };
    expect(imports).toHaveLength(1);
    expect(imports[0]).toMatchObject({ status: 'failed', origin: 'drop' });
    expect(imports[0]?.failure_reason).toBe("user 'nobody.here' is not registered; the file was kept at drop/nobody.here/list.csv");
    await expect(api.s3.send(new HeadObjectCommand({ Bucket: api.uploadBucket, Key: 'drop/nobody.here/list.csv' }))).resolves.toBeDefined();
  });
});
