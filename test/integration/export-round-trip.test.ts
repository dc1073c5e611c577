import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { restoreFormula } from '../../lib/csv/formula.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCsv, ownContacts, ownContactsByName } from '../support/contacts.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let api: TestStack;
beforeAll(async () => {
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
});

async function exportCsv(token: string): Promise<{ status: number; contentType: string | null; text: string }> {
  const response = await api.request('/phonebook/export', { token });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

function rowsOf(csv: string): Array<Record<string, string>> {
  return parse(csv, { bom: true, columns: true }) as Array<Record<string, string>>;
}

const SEED = [
  'name,company,cellphone,workemail,notes,type',
  'Ada Lovelace,Engines,+44 20 7946 0000,ada@example.org,"first line\nsecond, with comma",public',
  'Grace Hopper,Navy,,grace@example.org,=HYPERLINK("http://evil.example"),private',
  'Émile Zola,,-12,,@mention,',
  '',
].join('\n');

describe('GET /phonebook/export', () => {
  it('exports the import columns plus id, UTF-8, for the caller only', async () => {
    const token = await api.userToken('exporter');
    const other = await api.userToken('someone.else');
    await importCsv(api, token, SEED);
    await importCsv(api, other, 'name,type\nNot Mine,public\n');
    const exported = await exportCsv(token);
    expect(exported.status).toBe(200);
    expect(exported.contentType).toBe('text/csv; charset=utf-8');
    expect(exported.text.split('\r\n')[0]).toBe(
      'id,name,workemail,homeemail,workphone,homephone,cellphone,fax,title,company,notes,homestreet,homepob,homecity,homeprovince,homepostalcode,homecountry,workstreet,workpob,workcity,workprovince,workpostalcode,workcountry,url,extension,speeddial_num,type,firstname,lastname,job,facebook,instagram,linkedin,workphone2,cellphone2,otherphone,otheremail',
    );
    const names = rowsOf(exported.text)
      .map((row) => row.name)
      .sort();
    expect(names).toEqual(['Ada Lovelace', 'Grace Hopper', 'Émile Zola']);
  });

  it('neutralises cells a spreadsheet would run as a formula', async () => {
    const token = await api.userToken('formula.user');
    await importCsv(api, token, SEED);
    const rows = new Map(rowsOf((await exportCsv(token)).text).map((row) => [row.name, row]));
    expect(rows.get('Grace Hopper')?.notes).toBe(`'=HYPERLINK("http://evil.example")`);
    expect(rows.get('Ada Lovelace')?.cellphone).toBe("'+44 20 7946 0000");
    expect(rows.get('Émile Zola')).toMatchObject({ cellphone: "'-12", notes: "'@mention" });
  });

  it('re-imports its own unedited export as a no-op that changes nothing', async () => {
    const token = await api.userToken('round.trip');
    await importCsv(api, token, SEED);
    const before = await ownContactsByName(api, 'round.trip');
    const first = await exportCsv(token);
    const { body } = await importCsv(api, token, Buffer.from(first.text, 'utf8'));
    expect(body).toMatchObject({ total_rows: 3, unchanged_rows: 3, created_rows: 0, updated_rows: 0, skipped_rows: 0 });
    expect(await ownContactsByName(api, 'round.trip')).toEqual(before);
    expect((await exportCsv(token)).text).toBe(first.text);
  });

  it('applies an edited export in place: changed cells update, emptied cells unset, ids stay', async () => {
    const token = await api.userToken('editor');
    await importCsv(api, token, SEED);
    const rows = rowsOf((await exportCsv(token)).text);
    const ada = rows.find((row) => row.name === 'Ada Lovelace');
    if (!ada) throw new Error('Ada is missing from the export');
    const edited = `id,name,cellphone,workemail\n${ada.id},Ada King,+44 1,\n`;
    const { body } = await importCsv(api, token, edited);
    expect(body).toMatchObject({ updated_rows: 1, created_rows: 0 });
    const after = await ownContactsByName(api, 'editor');
    expect(after.get('Ada King')).toMatchObject({ id: ada.id, cellphone: '+44 1', workemail: '', company: 'Engines', type: 'public' });
    expect(after.has('Ada Lovelace')).toBe(false);
  });

  it("refuses an id of another user's contact as not found, and leaves it alone", async () => {
    const owner = await api.userToken('victim');
    const attacker = await api.userToken('attacker');
    await importCsv(api, owner, 'name,cellphone\nVictor,1\n');
    const victor = rowsOf((await exportCsv(owner)).text)[0];
    const { body } = await importCsv(api, attacker, `id,cellphone\n${victor?.id},666\n`);
    expect(body).toMatchObject({ skipped_rows: 1, imported_rows: 0, error_messages: [`Row 2: contact ${victor?.id} not found`] });
    expect((await ownContactsByName(api, 'victim')).get('Victor')?.cellphone).toBe('1');
  });

  it('writes nothing on a dry run but reports what would happen', async () => {
    const token = await api.userToken('dry.runner');
    const { body } = await importCsv(api, token, 'name\nA\nB\n', { dry_run: 'true' });
    expect(body).toMatchObject({ dry_run: true, created_rows: 2, imported_rows: 2 });
    expect((await ownContactsByName(api, 'dry.runner')).size).toBe(0);
  });
});

describe('export and import, property-based', () => {
  const cell = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', ';', '"', '\n', 'é', '中', '=', '+', '-', '@', "'"), maxLength: 20 });
  const contact = fc.record({
    name: cell.filter((name) => /\p{L}/u.test(name)),
    company: cell,
    cellphone: cell,
    notes: cell,
    type: fc.constantFrom('private', 'public', ''),
  });
  let run = 0;

  it('exports random contacts as they were stored, and re-importing the export changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(contact, {
          minLength: 1,
          maxLength: 6,
          selector: (c) => `${c.name.toLowerCase().replace(/\s+/g, ' ').trim()}|${c.company.toLowerCase().replace(/\s+/g, ' ').trim()}`,
        }),
        fc.constantFrom(',', ';', '\t'),
        async (contacts, delimiter) => {
          const owner = `prop.${++run}`;
          const token = await api.userToken(owner);
          const columns = ['name', 'company', 'cellphone', 'notes', 'type'] as const;
          const csv = stringify([[...columns], ...contacts.map((c) => columns.map((column) => c[column]))], { delimiter });
          const imported = await importCsv(api, token, csv);
          expect(imported.body).toMatchObject({ created_rows: contacts.length, skipped_rows: 0 });
          const exported = await exportCsv(token);
          // Import trims cells and reads a leading apostrophe before = + - @ as a spreadsheet does.
          const cellValue = (value: string) => restoreFormula(value.trim());
          const expected = contacts.map((c) => ({
            name: cellValue(c.name),
            company: cellValue(c.company),
            cellphone: cellValue(c.cellphone),
            notes: cellValue(c.notes),
            type: c.type || 'private',
          }));
          const stored = (await ownContacts(api, owner)).map((c) => ({
            name: c.name,
            company: c.company,
            cellphone: c.cellphone,
            notes: c.notes,
            type: c.type,
          }));
          expect(stored.sort(byName)).toEqual(expected.sort(byName));
          const again = await importCsv(api, token, Buffer.from(exported.text, 'utf8'));
          expect(again.body).toMatchObject({ unchanged_rows: contacts.length, updated_rows: 0, created_rows: 0 });
        },
      ),
      { numRuns: 8 },
    );
  });
});

function byName(a: { name?: string; company?: string }, b: { name?: string; company?: string }): number {
  return `${a.name}|${a.company}`.localeCompare(`${b.name}|${b.company}`);
}

describe('GET /admin/phonebook/export', () => {
  const admin = () => ({ authorization: `Bearer ${api.adminToken}` });

  it("exports a registered user's contacts", async () => {
    await importCsv(api, await api.userToken('jane.doe'), 'name\nAdmin Visible\n');
    const response = await api.request('/admin/phonebook/export?username=jane.doe', { headers: admin() });
    expect(response.status).toBe(200);
    expect(rowsOf(await response.text()).map((row) => row.name)).toContain('Admin Visible');
  });

  it('answers 400 without a username and 404 for an unknown one', async () => {
    const missing = await api.request('/admin/phonebook/export', { headers: admin() });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ message: 'username field is required' });
    const unknown = await api.request('/admin/phonebook/export?username=nobody.here', { headers: admin() });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: 'target user not found' });
  });
});
