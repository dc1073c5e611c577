import { readFile } from 'node:fs/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCsv, ownContacts } from '../support/contacts.js';
import { createUpload, type JobView, putUpload, waitForJob } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let api: TestStack;
beforeAll(async () => {
  // A short time budget and frequent checkpoints make a few thousand cards take several invocations.
  api = await startTestStack({ env: { IMPORT_TIME_BUDGET_MS: '1000', IMPORT_CHECKPOINT_ROWS: '300', SYNC_IMPORT_MAX_ROWS: '1000' } });
});
afterAll(async () => {
  await api?.close();
});

function fixture(name: string): Promise<Buffer> {
  return readFile(new URL(`../fixtures/vcard/${name}`, import.meta.url));
}

/** `count` cards in vCard 3.0; every `nameless`-th has no name (a rejected row). */
function manyCards(count: number, prefix: string, nameless: number): Buffer {
  const cards: string[] = [];
  for (let i = 1; i <= count; i++) {
    const name = i % nameless === 0 ? '' : `FN:${prefix} ${i}\r\nN:${i};${prefix};;;\r\n`;
    cards.push(`BEGIN:VCARD\r\nVERSION:3.0\r\n${name}TEL;TYPE=CELL:+1 555 ${i}\r\nEMAIL;TYPE=INTERNET:p${i}@example.com\r\nEND:VCARD\r\n`);
  }
  return Buffer.from(cards.join(''));
}

async function exportOf(token: string, query = ''): Promise<Response> {
  return api.request(`/phonebook/export${query}`, { token });
}

/** A CSV export's rows without their ids (which differ between phonebooks), sorted by name. */
function rowsWithoutIds(csv: string): Array<Record<string, string>> {
  return (parse(csv, { bom: true, columns: true }) as Array<Record<string, string>>)
    .map(({ id: _id, ...row }) => row)
    .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
}

describe('vCard import', () => {
  it('reads a vCard file on the sync route by its content, though its name ends in .csv', async () => {
    const token = await api.userToken('vcard.sync');
    // The test stack names every uploaded file `file.csv`.
    const { status, body } = await importCsv(api, token, await fixture('android_2.1.vcf'));
    expect(status).toBe(200);
    expect(body).toMatchObject({ total_rows: 3, imported_rows: 2, skipped_rows: 1 });
    expect(body.error_messages).toEqual([
      'the file was read as vCard 2.1 (3 cards)',
      '1 value had no field: PHOTO (1)',
      'Row 3 (line 21): name is empty',
    ]);
    const dmitry = (await ownContacts(api, 'vcard.sync')).find((c) => c.name === 'Дмитрий Иванов');
    expect(dmitry).toMatchObject({ firstname: 'Дмитрий', lastname: 'Иванов', company: 'ООО Пример', cellphone: '+7 916 123-45-67' });
  });

  it('refuses on the sync route a vCard file of more cards than the sync row limit, pointing to the jobs route', async () => {
    const token = await api.userToken('vcard.sync');
    const { status, body } = await importCsv(api, token, manyCards(1001, 'Over', 1000));
    expect(status).toBe(413);
    expect(body).toMatchObject({ total_rows: 1001, max_rows: 1000, jobs_route: 'POST /phonebook/imports' });
  });

  it('imports a few thousand cards as a job over several invocations, with every card counted once', async () => {
    const token = await api.userToken('vcard.job');
    const file = manyCards(4000, 'Card', 101);
    const created = await createUpload(api, token, file.length);
    await putUpload(created.upload_url, file);
    const job = await waitForJob(api, token, created.import_id, 300_000);
    expect(job.status).toBe('completed');
    expect(job.invocations).toBeGreaterThanOrEqual(2);
    const nameless = Math.floor(4000 / 101);
    expect(job.report).toMatchObject({ total_rows: 4000, imported_rows: 4000 - nameless, failed_rows: 0, skipped_rows: nameless });
    expect(job.report?.error_messages.slice(0, 2)).toEqual([
      'the file was read as vCard 3.0 (4000 cards)',
      'Row 101 (line 701): name is empty',
    ]);
    expect(job.progress).toMatchObject({ rows_processed: 4000, bytes_read: file.length, percent: 100 });
    const contacts = await ownContacts(api, 'vcard.job');
    expect(contacts).toHaveLength(4000 - nameless);
    expect(new Set(contacts.map((c) => c.id)).size).toBe(4000 - nameless);
    const errors = (await (await api.request(`/phonebook/imports/${created.import_id}/errors.csv`, { token })).text())
      .trimEnd()
      .split('\r\n');
    expect(errors[0]?.startsWith('row,error,name,workemail,homeemail,workphone')).toBe(true);
    expect(errors.slice(1).map((line) => Number(line.split(',')[0]))).toEqual(Array.from({ length: nameless }, (_, i) => (i + 1) * 101));
  });

  it('imports a vCard file written to the drop folder', async () => {
    await api.s3.send(
      new PutObjectCommand({ Bucket: api.uploadBucket, Key: 'drop/jane.doe/iphone.csv', Body: await fixture('apple-contacts_3.0.vcf') }),
    );
    await api.stack.settle();
    const token = await api.userToken('jane.doe');
    const { imports } = (await (await api.request('/phonebook/imports', { token })).json()) as { imports: JobView[] };
    expect(imports.find((j) => j.origin === 'drop')).toMatchObject({ status: 'completed', report: { total_rows: 2, imported_rows: 2 } });
    const john = (await ownContacts(api, 'jane.doe')).find((c) => c.name === 'John Appleseed');
    expect(john).toMatchObject({ cellphone: '+1 408 555 0100', otheremail: 'john@example.net', homecity: 'Cupertino' });
  });
});

describe("vCard import of real exports (test/fixtures/vcard/real, from a public parser's tests)", () => {
  async function imported(owner: string, file: string) {
    const token = await api.userToken(owner);
    const { status, body } = await importCsv(api, token, await fixture(`real/${file}`));
    return { status, body, contacts: await ownContacts(api, owner) };
  }

  it('macOS Contacts: a company card with grouped properties and a folded base64 photo', async () => {
    const { status, body, contacts } = await imported('vcard.real.a', 'apple-contacts_macos-10.10_company.vcf');
    expect(status).toBe(200);
    expect(body).toMatchObject({ total_rows: 1, imported_rows: 1, failed_rows: 0, skipped_rows: 0 });
    expect(contacts).toHaveLength(1);
    expect(contacts[0]).toMatchObject({
      name: 'Apple Inc.',
      company: 'Apple Inc.',
      workstreet: '1 Infinite Loop',
      workcity: 'Cupertino',
      workprovince: 'CA',
      workpostalcode: '95014',
      workcountry: 'United States',
      url: 'http://www.apple.com',
    });
    expect(JSON.stringify(contacts[0])).toContain('1-800-MY-APPLE');
    // The photo is counted, not imported and not lost silently.
    expect((body.error_messages as string[]).join('\n')).toContain('PHOTO');
  });

  it('macOS Contacts: a person with home and work e-mails, phones and addresses', async () => {
    const { status, contacts } = await imported('vcard.real.b', 'apple-contacts_macos-10.10_person.vcf');
    expect(status).toBe(200);
    expect(contacts[0]).toMatchObject({
      name: 'John Smith',
      firstname: 'John',
      lastname: 'Smith',
      homeemail: 'john.home@smith.com',
      workemail: 'john.work@smith.com',
      cellphone: '(805) 222-3434',
      homestreet: '123 Main Street',
      homecity: 'Los Angeles',
      homepostalcode: '91310',
      workstreet: '123 Work Street',
      workcity: 'Fullerton',
      notes: 'these are some notes listed here',
    });
  });

  it('Outlook: UTF-8 with a byte order mark and CRLF lines', async () => {
    const { status, body, contacts } = await imported('vcard.real.c', 'outlook_bom-crlf.vcf');
    expect(status).toBe(200);
    expect(body).toMatchObject({ total_rows: 1, imported_rows: 1 });
    expect(contacts[0]).toMatchObject({
      name: 'Mustermann Hubert',
      firstname: 'Hubert',
      lastname: 'Mustermann',
      homephone: '069123456',
      // No HOME or WORK type (only INTERNET, pref): the first free e-mail field, work's.
      workemail: 'hubert.mustermann@web.de',
    });
  });

  it('Gmail: LF lines, two home addresses (the extended address joins the street; the second is counted, not imported)', async () => {
    const { status, body, contacts } = await imported('vcard.real.d', 'gmail_vcard3.vcf');
    expect(status).toBe(200);
    expect(body).toMatchObject({ total_rows: 1, imported_rows: 1 });
    expect(contacts[0]).toMatchObject({ name: 'Anon', homestreet: 'Van Roonstraat 555A, Ampeldam' });
    expect((body.error_messages as string[]).join('\n')).toContain('ADR');
  });
});

describe('vCard export', () => {
  it('exports vCard 4.0 that imports into another phonebook as the same contacts', async () => {
    const source = await api.userToken('vcard.source');
    const target = await api.userToken('vcard.target');
    await importCsv(api, source, await fixture('apple-contacts_3.0.vcf'));
    await importCsv(api, source, await fixture('outlook_2.1.vcf'));
    await importCsv(
      api,
      source,
      'name,company,notes,type,extension,speeddial_num,workphone2,cellphone2\n"Ada, Countess",Engines;Ltd,"a\\b\nc",group:Sales,12,3,+1 2,=SUM(A1)\n',
    );
    const vcf = await exportOf(source, '?format=vcf');
    expect(vcf.status).toBe(200);
    expect(vcf.headers.get('content-type')).toBe('text/vcard; charset=utf-8');
    expect(vcf.headers.get('content-disposition')).toBe('attachment; filename="phonebook.vcf"');
    const text = await vcf.text();
    expect(text.startsWith('BEGIN:VCARD\r\nVERSION:4.0\r\n')).toBe(true);

    const imported = await importCsv(api, target, Buffer.from(text, 'utf8'));
    expect(imported.body).toMatchObject({ total_rows: 4, imported_rows: 4, skipped_rows: 0 });
    const expected = rowsWithoutIds(await (await exportOf(source)).text());
    expect(rowsWithoutIds(await (await exportOf(target)).text())).toEqual(expected);
    // And again into the same phonebook: nothing changes.
    expect((await importCsv(api, target, Buffer.from(text, 'utf8'))).body).toMatchObject({ unchanged_rows: 4 });
  });

  it('answers an unknown format with 400 naming the accepted ones', async () => {
    const token = await api.userToken('vcard.source');
    const response = await exportOf(token, '?format=xlsx');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message: 'invalid format', error: "'format' must be one of: csv, vcf (got 'xlsx')" });
  });

  it('exports any user as vCard on the admin route', async () => {
    await importCsv(api, await api.userToken('john.smith'), await fixture('android_2.1.vcf'));
    const response = await api.request('/admin/phonebook/export?username=john.smith&format=vcf', { token: api.adminToken });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/vcard; charset=utf-8');
    expect(await response.text()).toContain('FN:Дмитрий Иванов\r\n');
  });
});
