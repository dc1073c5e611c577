import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactsCsv } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

const MAX_ROWS = 50;

let api: TestStack;
beforeAll(async () => {
  api = await startTestStack({ env: { SYNC_IMPORT_MAX_ROWS: String(MAX_ROWS) } });
});
afterAll(async () => {
  await api?.close();
});

describe('the row limit of synchronous imports', () => {
  it('refuses a file one row over the limit with 413, pointing to the job route, and writes nothing', async () => {
    const token = await api.userToken('over.limit');
    const response = await api.postForm(
      '/phonebook/import/',
      { file: contactsCsv(MAX_ROWS + 1, 'Over') },
      { authorization: `Bearer ${token}` },
    );
    expect(response.status).toBe(413);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ total_rows: MAX_ROWS + 1, max_rows: MAX_ROWS, jobs_route: 'POST /phonebook/imports' });
    expect(String(body.message)).toContain('POST /phonebook/imports');
    expect(await api.contactsOf('over.limit', { ownOnly: true })).toEqual([]);
  });

  it('imports a file of exactly the limit', async () => {
    const token = await api.userToken('at.limit');
    const response = await api.postForm('/phonebook/import/', { file: contactsCsv(MAX_ROWS, 'At') }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ total_rows: MAX_ROWS, imported_rows: MAX_ROWS });
    expect(await api.contactsOf('at.limit', { ownOnly: true })).toHaveLength(MAX_ROWS);
  });

  it('does not count blank lines and the header against the limit', async () => {
    const token = await api.userToken('blank.lines');
    const csv = Buffer.from(`${contactsCsv(MAX_ROWS, 'Blank').toString().replaceAll('\n', '\n\n')}`);
    const response = await api.postForm('/phonebook/import/', { file: csv }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ total_rows: MAX_ROWS, imported_rows: MAX_ROWS });
  });

  it('refuses the admin import over the limit, pointing to the admin job route', async () => {
    const form = new FormData();
    form.append('username', 'john.smith');
    form.append('file', new Blob([contactsCsv(MAX_ROWS + 1, 'AdminOver')]), 'c.csv');
    const response = await api.request('/admin/phonebook/import', { method: 'POST', body: form, token: api.adminToken });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ jobs_route: 'POST /admin/phonebook/imports' });
    expect((await api.contactsOf('john.smith', { ownOnly: true })).filter((c) => c.name?.startsWith('AdminOver'))).toEqual([]);
  });

  it('answers the 4 MB file of 513,889 short rows with 413 long before API Gateway gives up (29 s)', async () => {
    const token = await api.userToken('short.rows');
    const lines = ['name'];
    for (let i = 0; i < 513_889; i++) lines.push(`C${i}`);
    const csv = Buffer.from(`${lines.join('\n')}\n`);
    expect(csv.length).toBeGreaterThan(3_500_000);
    const started = Date.now();
    const response = await api.postForm('/phonebook/import/', { file: csv }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ total_rows: 513_889 });
    // Not a speed test: the bound is API Gateway's, and the answer must come within it.
    expect(Date.now() - started).toBeLessThan(29_000);
    expect(await api.contactsOf('short.rows', { ownOnly: true })).toEqual([]);
  });
});
