import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let api: TestStack;
beforeAll(async () => {
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
});

describe('POST /phonebook/import/', () => {
  it('imports the reference example sent as csv_content, as the reference curl does', async () => {
    const token = await api.userToken('john.smith');
    const response = await api.postForm(
      '/phonebook/import/',
      {
        file: 'contacts.csv',
        csv_content: 'name,workemail,cellphone\nJohn Doe,john@example.com,555-1234\nJane Smith,jane@example.com,555-5678\n',
      },
      { authorization: `Bearer ${token}` },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      message: 'phonebook import completed',
      total_rows: 2,
      imported_rows: 2,
      failed_rows: 0,
      skipped_rows: 0,
      created_rows: 2,
      updated_rows: 0,
      unchanged_rows: 0,
      dry_run: false,
      error_messages: [],
      // The id that undoes this import (POST /phonebook/imports/{id}/undo); clients of the reference ignore it.
      import_id: expect.stringMatching(/^[0-9a-z]{9}-[0-9a-f]{16}$/),
    });
    const names = (await api.contactsOf('john.smith', { ownOnly: true })).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['John Doe', 'Jane Smith']));
  });

  it('imports the real NethCTI example file and names the misaligned row', async () => {
    const token = await api.userToken('jane.doe');
    const csv = await readFile(new URL('../fixtures/nethcti-example-contacts.csv', import.meta.url));
    const response = await api.postForm('/phonebook/import', { file: csv }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
    const report = (await response.json()) as Record<string, unknown>;
    expect(report).toMatchObject({ total_rows: 3, imported_rows: 2, failed_rows: 0, skipped_rows: 1 });
    expect(report.error_messages).toEqual(['Row 4: has 27 fields but the header has 26']);
    const own = await api.contactsOf('jane.doe', { ownOnly: true });
    const john = own.find((c) => c.name === 'John Doe');
    expect(john).toMatchObject({ company: 'Acme Corp', notes: 'Primary contact, prefers email', homepob: '12345', type: 'private' });
    expect(own.find((c) => c.name === 'Jane Smith')?.type).toBe('public');
  });
});
