import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, importCsv, ownContactsByName } from '../support/contacts.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let api: TestStack;
beforeAll(async () => {
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
});

describe('real-world CSV exports', () => {
  it('imports the German Outlook 2007 export, building the name and tolerating its short row', async () => {
    const token = await api.userToken('outlook.de');
    const { status, body } = await importCsv(api, token, await fixture('outlook-2007_de.csv'));
    expect(status).toBe(200);
    expect(body).toMatchObject({ total_rows: 1, imported_rows: 1, created_rows: 1, skipped_rows: 0 });
    expect(body.error_messages).toEqual(expect.arrayContaining(['header recognised: Outlook (German) export']));
    const robin = (await ownContactsByName(api, 'outlook.de')).get('Robin Example');
    expect(robin).toMatchObject({
      company: 'Coding Robin',
      workstreet: 'Teststr. 23',
      workcity: 'Berlin',
      workpostalcode: '13355',
      workcountry: 'Deutschland',
      workphone: '+49 1600000',
      workemail: 'robin@example.de',
      url: 'http://example.de',
      notes: '',
    });
  });

  it('imports the semicolon-separated German Windows Live Mail export', async () => {
    const token = await api.userToken('livemail.de');
    const { status, body } = await importCsv(api, token, await fixture('windows-live-mail_de_semicolon.csv'));
    expect(status).toBe(200);
    expect(body).toMatchObject({ total_rows: 1, imported_rows: 1, skipped_rows: 0 });
    const robin = (await ownContactsByName(api, 'livemail.de')).get('Robin Example');
    expect(robin).toMatchObject({ workemail: 'robin@example.de', homephone: '+49 160 00000000000', company: 'Coding Robin' });
  });

  it("imports Thunderbird's semicolon test file with display names and e-mails", async () => {
    const token = await api.userToken('tb.semicolon');
    const { status, body } = await importCsv(api, token, await fixture('thunderbird_csv_semicolon.csv'));
    expect(status).toBe(200);
    expect(body).toMatchObject({ total_rows: 2, imported_rows: 2, skipped_rows: 0 });
    const contacts = await ownContactsByName(api, 'tb.semicolon');
    expect(contacts.get('John Doe')?.workemail).toBe('john@doe.invalid');
    expect(contacts.get('Jane Doe')?.workemail).toBe('jane@doe.invalid');
  });

  it("imports Thunderbird's basic address book despite its extra trailing field", async () => {
    const token = await api.userToken('tb.basic');
    const { status, body } = await importCsv(api, token, await fixture('thunderbird_basic_csv_addressbook.csv'));
    expect(status).toBe(200);
    expect(body).toMatchObject({ total_rows: 2, imported_rows: 2, skipped_rows: 0 });
    const contacts = await ownContactsByName(api, 'tb.basic');
    expect([...contacts.keys()].sort()).toEqual(['Jane Doe', 'John Doe']);
    expect(contacts.get('Jane Doe')?.workemail).toBe('jane@doe.invalid');
  });

  it('imports a Google Contacts export, building the name from first, middle and last name', async () => {
    const token = await api.userToken('google.user');
    const header = (await fixture('headers/google-contacts_current_header.csv')).toString('utf8').trim();
    const cells = header.split(',').map((column) => {
      const values: Record<string, string> = {
        'First Name': 'Ada',
        'Middle Name': 'King',
        'Last Name': 'Lovelace',
        'Organization Name': 'Analytical Engines',
        'E-mail 1 - Value': 'ada@example.org',
        'Phone 1 - Value': '+44 20 7946 0000',
      };
      return values[column] ?? '';
    });
    const { status, body } = await importCsv(api, token, `${header}\n${cells.join(',')}\n`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ imported_rows: 1, skipped_rows: 0 });
    const ada = (await ownContactsByName(api, 'google.user')).get('Ada King Lovelace');
    expect(ada).toMatchObject({ company: 'Analytical Engines', workemail: 'ada@example.org', cellphone: '+44 20 7946 0000' });
  });
});

describe('dialect options', () => {
  it('reads a tab-separated file with a mapping from its own headers', async () => {
    const token = await api.userToken('mapped.user');
    const csv = 'Full name\tMail\tShoe size\nGrace Hopper\tgrace@example.org\t38\n';
    const mapping = JSON.stringify({ 'Full name': 'name', Mail: 'workemail' });
    const { status, body } = await importCsv(api, token, csv, { mapping });
    expect(status).toBe(200);
    expect(body).toMatchObject({ imported_rows: 1, error_messages: ['unknown columns ignored: Shoe size'] });
    const grace = (await ownContactsByName(api, 'mapped.user')).get('Grace Hopper');
    expect(grace?.workemail).toBe('grace@example.org');
  });

  it('splits on the delimiter the form forces, even where another one is more frequent', async () => {
    const token = await api.userToken('forced.user');
    const csv = 'name;notes\nAlan Turing;"a, b, c, d"\n';
    const { body } = await importCsv(api, token, csv, { delimiter: ';' });
    expect(body).toMatchObject({ imported_rows: 1 });
    expect((await ownContactsByName(api, 'forced.user')).get('Alan Turing')?.notes).toBe('a, b, c, d');
  });

  it('answers 400 naming the mapping problem for a mapping to an unknown column', async () => {
    const token = await api.userToken('badmap.user');
    const { status, body } = await importCsv(api, token, 'a\nb\n', { mapping: '{"a":"nickname"}' });
    expect(status).toBe(400);
    expect(body).toEqual({ message: 'invalid mapping', error: "mapping of 'a': 'nickname' is not a phonebook column" });
  });

  it('reads a Windows-1252 file and says which code page it detected, and how sure', async () => {
    const token = await api.userToken('cp1252.user');
    const csv = Buffer.from('name;company\nJürgen Müller;Bäckerei Groß\n', 'latin1');
    const { body } = await importCsv(api, token, csv);
    // Windows-1252 and ISO-8859-1 (and Windows-1250) agree on every byte of this file.
    expect(body.error_messages).toEqual([
      expect.stringMatching(
        /^the file is not UTF-8; it was read as \S+ \(detected, \d+% sure(; if its text looks wrong, name its encoding in the 'encoding' option)?\)$/,
      ),
    ]);
    expect((await ownContactsByName(api, 'cp1252.user')).get('Jürgen Müller')?.company).toBe('Bäckerei Groß');
  });

  it('reads a UTF-16 file with a byte order mark', async () => {
    const token = await api.userToken('utf16.user');
    const csv = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name\tcellphone\nZoë Ångström\t+46 8 123\n', 'utf16le')]);
    const { body } = await importCsv(api, token, csv);
    expect(body).toMatchObject({ imported_rows: 1 });
    expect((await ownContactsByName(api, 'utf16.user')).get('Zoë Ångström')?.cellphone).toBe('+46 8 123');
  });
});
