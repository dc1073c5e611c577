import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCsv } from '../support/contacts.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

/**
 * Where the reference middleware (methods/phonebook.go) answers the same error differently from
 * what we used to, clients written for it match on its answer: these are its answers.
 */
let api: TestStack;
beforeAll(async () => {
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
});

describe("the reference's answers", () => {
  it('names a row without a name as the reference does', async () => {
    const token = await api.userToken('ref.names');
    const { status, body } = await importCsv(api, token, 'name,company\n,Acme\nAda,Engines\n');
    expect(status).toBe(200);
    expect(body).toMatchObject({ total_rows: 2, imported_rows: 1, skipped_rows: 1, error_messages: ['Row 2: name is empty'] });
  });

  it('answers 400 with the whole report when every row was rejected', async () => {
    const token = await api.userToken('ref.all.bad');
    const { status, body } = await importCsv(api, token, 'name,type\n,public\nB,business\n');
    expect(status).toBe(400);
    expect(body).toMatchObject({
      message: 'phonebook import completed',
      total_rows: 2,
      imported_rows: 0,
      failed_rows: 0,
      skipped_rows: 2,
      error_messages: ['Row 2: name is empty', "Row 3: invalid type 'business' (must be 'private', 'public', or 'group:<group1,group2>')"],
    });
  });

  it('answers the admin route the same way', async () => {
    const response = await api.postForm(
      '/admin/phonebook/import',
      { username: 'john.smith', file: Buffer.from('name\n\n""\n  \n,\n', 'utf8') },
      { authorization: `Bearer ${api.adminToken}` },
    );
    // Blank rows are not contacts: a file of only blank rows rejects nothing, so it is a 200.
    expect(response.status).toBe(200);
    const bad = await api.postForm(
      '/admin/phonebook/import',
      { username: 'john.smith', file: Buffer.from('name,homepob\nA,12345678901\n', 'utf8') },
      { authorization: `Bearer ${api.adminToken}` },
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ total_rows: 1, skipped_rows: 1, imported_rows: 0 });
  });

  it('answers a header-only file with 200, zero counts and no messages', async () => {
    const token = await api.userToken('ref.header.only');
    const { status, body } = await importCsv(api, token, 'name,workemail\n');
    expect(status).toBe(200);
    expect(body).toMatchObject({ total_rows: 0, imported_rows: 0, failed_rows: 0, skipped_rows: 0 });
    expect(body).not.toHaveProperty('error_messages');
  });

  it("answers a request without a file with 'file required' and what to send", async () => {
    const token = await api.userToken('ref.no.file');
    const response = await api.postForm('/phonebook/import', { other: 'x' }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { message: string; error: string };
    expect(body.message).toBe('file required');
    expect(body.error).toMatch(/'file'/);
  });
});
