import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportPreview } from '../../lib/import/preview-types.js';
import { fixture, ownContacts } from '../support/contacts.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let api: TestStack;
beforeAll(async () => {
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
});

async function preview(token: string, file: Buffer | string, fields: Record<string, string> = {}) {
  const body = typeof file === 'string' ? Buffer.from(file, 'utf8') : file;
  const response = await api.postForm('/phonebook/import/preview', { ...fields, file: body }, { authorization: `Bearer ${token}` });
  return { status: response.status, body: (await response.json()) as ImportPreview & { message?: string; error?: string } };
}

describe('POST /phonebook/import/preview', () => {
  it('reads the German Outlook export as the import does, and writes nothing', async () => {
    const token = await api.userToken('preview.outlook');
    const { status, body } = await preview(token, await fixture('outlook-2007_de.csv'));
    expect(status).toBe(200);
    expect(body).toMatchObject({ encoding: 'utf-8', delimiter: ',', preset: 'Outlook (German)', rows_sampled: 1, header_error: null });
    const column = (header: string) => body.columns.find((c) => c.header === header);
    expect(column('Vorname')).toEqual({ header: 'Vorname', field: 'firstname', samples: ['Robin'] });
    expect(column('Firma')).toMatchObject({ field: 'company', samples: ['Coding Robin'] });
    expect(column('Anrede')?.field).toBeNull();
    expect(body.unknown_columns).toContain('Anrede');
    expect(body.notes).toContain('header recognised: Outlook (German) export');
    expect(await ownContacts(api, 'preview.outlook')).toEqual([]);
  });

  it('applies a mapping the caller changed, and says when no column is the name', async () => {
    const token = await api.userToken('preview.mapping');
    const csv = 'Who;Where\nAda;London\nGrace;Arlington\n';
    const unmapped = await preview(token, csv);
    expect(unmapped.status).toBe(200);
    expect(unmapped.body).toMatchObject({ delimiter: ';', preset: null, rows_sampled: 2, unknown_columns: ['Who', 'Where'] });
    expect(unmapped.body.header_error).toMatch(/no 'name' column/);
    const mapped = await preview(token, csv, { mapping: JSON.stringify({ Who: 'name', Where: 'workcity' }) });
    expect(mapped.body.header_error).toBeNull();
    expect(mapped.body.columns).toEqual([
      { header: 'Who', field: 'name', samples: ['Ada', 'Grace'] },
      { header: 'Where', field: 'workcity', samples: ['London', 'Arlington'] },
    ]);
  });

  it('samples at most five rows and honours a forced delimiter', async () => {
    const token = await api.userToken('preview.rows');
    const csv = `name,city\n${Array.from({ length: 20 }, (_, i) => `N${i},C${i}`).join('\n')}\n`;
    const { body } = await preview(token, csv, { delimiter: ';' });
    expect(body.delimiter).toBe(';');
    expect(body.rows_sampled).toBe(5);
    expect(body.columns).toEqual([{ header: 'name,city', field: null, samples: ['N0,C0', 'N1,C1', 'N2,C2', 'N3,C3', 'N4,C4'] }]);
  });

  it('reads the first bytes of a large file, leaving out the last line cut in the middle of a character', async () => {
    const token = await api.userToken('preview.partial');
    const whole = Buffer.from('name,company\nJürgen,Müller GmbH\nZoë,Café Ørsted\n', 'utf8');
    // Cut inside the two bytes of "ø": read whole, this would be neither valid UTF-8 nor a whole row.
    const cut = whole.subarray(0, whole.indexOf('Ørsted') + 1);
    const { status, body } = await preview(token, cut, { partial: 'true' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ encoding: 'utf-8', rows_sampled: 1, notes: [] });
    expect(body.columns[1]).toEqual({ header: 'company', field: 'company', samples: ['Müller GmbH'] });
  });

  it('answers 400 for a binary file and for a bad mapping, as an import does', async () => {
    const token = await api.userToken('preview.bad');
    const binary = await preview(token, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x0a]));
    expect(binary.status).toBe(400);
    expect(binary.body).toMatchObject({ message: 'invalid CSV file' });
    const mapping = await preview(token, 'name\nAda\n', { mapping: '{"name": "nickname"}' });
    expect(mapping.status).toBe(400);
    expect(mapping.body.message).toBe('invalid mapping');
  });

  it('takes the import guard: a token without the import capability is refused', async () => {
    const token = await api.userToken('preview.nocap', []);
    const { status, body } = await preview(token, 'name\nAda\n');
    expect(status).toBe(403);
    expect(body.message).toBe('forbidden: missing capability');
    const anonymous = await api.postForm('/phonebook/import/preview', { file: Buffer.from('name\nAda\n') });
    expect(anonymous.status).toBe(401);
  });
});

describe('POST /phonebook/import/preview with rows', () => {
  it('returns the cells of the rows a report named, numbered as the report numbers them', async () => {
    const token = await api.userToken('preview.wanted');
    // Row 3 spans two lines and row 4 is blank: the report would call the last row 6.
    const csv = 'name,notes\nAda,x\n"Grace","two\nlines"\n\nLinus,y\n,no name\nKen,z\n';
    const imported = await api.postForm(
      '/phonebook/import',
      { file: Buffer.from(csv), dry_run: 'true' },
      { authorization: `Bearer ${token}` },
    );
    expect(((await imported.json()) as { error_messages: string[] }).error_messages).toEqual(['Row 6: name is empty']);
    const { status, body } = await preview(token, csv, { rows: '3,6' });
    expect(status).toBe(200);
    expect(body.rows).toEqual([
      { row: 3, cells: ['Grace', 'two\nlines'] },
      { row: 6, cells: ['', 'no name'] },
    ]);
    const invalid = await preview(token, csv, { rows: '1' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toBe('invalid rows');
  });
});
