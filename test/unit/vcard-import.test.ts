import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import type { Contact } from '../../lib/contacts/contact.js';
import type { SourceEncoding } from '../../lib/csv/decode.js';
import { formatOf } from '../../lib/import/file-format.js';
import { type ImportCheckpoint, type ImportOutcome, importContacts, runImport } from '../../lib/import/pipeline.js';
import { chunksOf, MemoryWriter } from '../support/memory-writer.js';

function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/vcard/${name}`, import.meta.url));
}

/** The contact's set columns, without id and owner. */
function setFields(contact: Contact | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(contact ?? {}).filter(([key, value]) => value !== '' && key !== 'id' && key !== 'owner'));
}

async function importVcf(bytes: Buffer, encoding?: SourceEncoding) {
  const writer = new MemoryWriter();
  const rejected: Array<[number, string]> = [];
  const report = await importContacts(chunksOf(bytes, 64), {
    owner: 'o',
    writer,
    ...(encoding ? { encoding } : {}),
    onRejectedRow: (row, reason) => rejected.push([row, reason]),
  });
  const byName = new Map(writer.writes.map((write) => [write.contact.name, write.contact]));
  return { report, byName, rejected };
}

describe('vCard detection', () => {
  it('is by content: the first non-blank line is BEGIN:VCARD, in any case, after a BOM or blank lines', () => {
    expect(formatOf(Buffer.from('BEGIN:VCARD\r\nFN:a\r\n'))).toBe('vcard');
    expect(formatOf(Buffer.from('\uFEFF\r\n\r\n  begin:vcard\n'))).toBe('vcard');
    expect(formatOf(Buffer.from('\uFEFFBEGIN:VCARD\r\n', 'utf16le'))).toBe('vcard');
    expect(formatOf(Buffer.from('name,notes\nA,"BEGIN:VCARD"\n'))).toBe('csv');
    expect(formatOf(Buffer.from('BEGIN:VCARDS,x\n'))).toBe('csv');
  });
});

describe('importing vCard exports', () => {
  it('reads a Google Contacts 3.0 export, its escaped URL and notes, and counts what has no column', async () => {
    const { report, byName } = await importVcf(fixture('google-contacts_3.0.vcf'));
    expect(report).toMatchObject({ total_rows: 2, imported_rows: 2, skipped_rows: 0 });
    expect(report.error_messages).toEqual([
      'the file was read as vCard 3.0 (2 cards)',
      '4 values had no field: CATEGORIES (2), BDAY (1), TEL (1)',
    ]);
    expect(setFields(byName.get('Anna Schmidt'))).toEqual({
      name: 'Anna Schmidt',
      firstname: 'Anna',
      lastname: 'Schmidt',
      workemail: 'anna.schmidt@example.com',
      homeemail: 'anna@example.org',
      cellphone: '+49 170 1234567',
      workphone: '+49 30 1234567',
      workstreet: 'Hauptstraße 1',
      workcity: 'Berlin',
      workpostalcode: '10115',
      workcountry: 'Deutschland',
      company: 'Beispiel GmbH',
      title: 'Einkäuferin',
      url: 'https://www.beispiel.example',
      notes: 'Zwei Zeilen, mit Komma\nzweite Zeile',
      type: 'private',
    });
    expect(setFields(byName.get('Bob Miller'))).toMatchObject({
      cellphone: '+1 555 0100',
      cellphone2: '+1 555 0101',
      otherphone: '+1 555 0102',
    });
  });

  it('reads an Apple Contacts 3.0 export: grouped labels, folded lines, social profiles, a company card', async () => {
    const { report, byName } = await importVcf(fixture('apple-contacts_3.0.vcf'));
    expect(report.error_messages).toEqual([
      'the file was read as vCard 3.0 (2 cards)',
      '3 values had no field: IMPP (1), PHOTO (1), X-SOCIALPROFILE (1)',
    ]);
    expect(setFields(byName.get('John Appleseed'))).toMatchObject({
      otheremail: 'john@example.net',
      workemail: 'john.appleseed@example.com',
      cellphone: '+1 408 555 0100',
      cellphone2: '+1 408 555 0101',
      workphone: '+1 408 555 0102',
      fax: '+1 408 555 0103',
      otherphone: '+1 408 555 0104',
      homecountry: 'United States',
      linkedin: 'https://www.linkedin.com/in/johnappleseed',
      facebook: 'https://www.facebook.com/john.appleseed',
      company: 'Example Inc.',
    });
    expect(setFields(byName.get('Pizzeria Roma'))).toEqual({
      name: 'Pizzeria Roma',
      company: 'Pizzeria Roma',
      workphone: '+39 06 1234567',
      type: 'private',
    });
  });

  it('reads an Outlook 2.1 export in Windows-1252 with quoted-printable soft line breaks', async () => {
    const { byName } = await importVcf(fixture('outlook_2.1.vcf'));
    expect(setFields(byName.get('Jürgen Müller'))).toMatchObject({
      company: 'Müller & Söhne KG',
      notes: 'Erste Zeile\nZweite Zeile mit ÄÖÜ und einem sehr langen Text, der umbrochen wird',
      workstreet: 'Leopoldstraße 12',
      workcity: 'München',
      fax: '+49 (89) 12345-99',
      workemail: 'j.mueller@mueller-soehne.example',
    });
  });

  it('reads an Android 2.1 export in UTF-8 quoted-printable, and names a card without a name by ordinal and line', async () => {
    const { report, byName, rejected } = await importVcf(fixture('android_2.1.vcf'));
    expect(report).toMatchObject({ total_rows: 3, imported_rows: 2, skipped_rows: 1 });
    expect(report.error_messages).toEqual([
      'the file was read as vCard 2.1 (3 cards)',
      '1 value had no field: PHOTO (1)',
      'Row 3 (line 21): name is empty',
    ]);
    expect(rejected).toEqual([[3, 'name is empty']]);
    expect(setFields(byName.get('Дмитрий Иванов'))).toMatchObject({
      company: 'ООО Пример',
      cellphone: '+7 916 123-45-67',
      otherphone: '+7 495 765-43-21',
    });
  });

  it('reads a vCard 4.0 file with tel: URIs and quoted TYPE lists', async () => {
    const { byName } = await importVcf(fixture('rfc6350_4.0.vcf'));
    expect(setFields(byName.get('Zoë Λαμπράκη'))).toMatchObject({
      workphone: '+30-210-1234567',
      cellphone: '+30-690-1234567',
      homecity: 'Αθήνα',
    });
  });

  it('reads a UTF-8 vCard with a byte order mark', async () => {
    const { report, byName } = await importVcf(Buffer.from(`\uFEFF${fixture('rfc6350_4.0.vcf').toString('utf8')}`, 'utf8'));
    expect(report.total_rows).toBe(1);
    expect(byName.get('Zoë Λαμπράκη')?.cellphone).toBe('+30-690-1234567');
  });

  it('reads a UTF-16 vCard with a byte order mark', async () => {
    const { byName, report } = await importVcf(Buffer.from(`\uFEFF${fixture('rfc6350_4.0.vcf').toString('utf8')}`, 'utf16le'));
    expect(byName.get('Zoë Λαμπράκη')?.cellphone).toBe('+30-690-1234567');
    expect(report.error_messages).toContain('the file is not UTF-8; it was read as utf-16le (its byte order mark says so)');
  });

  it('recognises a UTF-16 vCard without a byte order mark by its zero bytes, little- and big-endian', async () => {
    const le = Buffer.from(fixture('rfc6350_4.0.vcf').toString('utf8'), 'utf16le');
    for (const bytes of [le, Buffer.from(le).swap16()]) {
      const { byName, report } = await importVcf(bytes);
      expect(byName.get('Zoë Λαμπράκη')?.cellphone).toBe('+30-690-1234567');
      expect(report.error_messages).toContainEqual(
        expect.stringMatching(/^the file is not UTF-8; it was read as utf-16(le|be) \(detected, \d+% sure\)$/),
      );
    }
  });

  it("reads values without a CHARSET in the 'encoding' asked for when they are not UTF-8, and CHARSET values as named", async () => {
    const card = Buffer.concat([
      Buffer.from('BEGIN:VCARD\r\nVERSION:2.1\r\nFN:'),
      iconv.encode('Дмитрий Иванов', 'windows-1251'),
      Buffer.from('\r\nNOTE;CHARSET=Windows-1252:'),
      iconv.encode('Preis 5 € – „netto“', 'windows-1252'),
      Buffer.from('\r\nTITLE:Менеджер\r\nEND:VCARD\r\n'),
    ]);
    const { byName, report } = await importVcf(card, 'windows-1251');
    expect(setFields(byName.get('Дмитрий Иванов'))).toMatchObject({ notes: 'Preis 5 € – „netto“', title: 'Менеджер' });
    expect(report.error_messages).toContain('the file is not UTF-8; it was read as windows-1251 (as asked)');
  });

  it('applies the row rules to cards: field limits by row and line, and repeats as duplicates of the first card', async () => {
    const cards = [
      'BEGIN:VCARD\nFN:Ann\nEND:VCARD',
      `BEGIN:VCARD\nFN:Bea\nTEL:${'1'.repeat(30)}\nEND:VCARD`,
      'BEGIN:VCARD\nFN:Ann\nEND:VCARD',
    ];
    const { report } = await importVcf(Buffer.from(`${cards.join('\n')}\n`));
    expect(report).toMatchObject({ total_rows: 3, imported_rows: 1, skipped_rows: 2 });
    expect(report.error_messages.slice(1)).toEqual([
      "Row 2 (line 4): field 'otherphone' is too long (30 characters, max 25)",
      'Row 3 (line 8): duplicate of row 1 (same name and company)',
    ]);
  });
});

describe('text outside the cards', () => {
  it('is one malformed row when it follows the last card, named by its first line', async () => {
    const { report } = await importVcf(Buffer.from('BEGIN:VCARD\nFN:Ann\nEND:VCARD\ngarbage\nmore\n'));
    expect(report).toMatchObject({ total_rows: 2, imported_rows: 1, skipped_rows: 1 });
    expect(report.error_messages.at(-1)).toBe(
      'Row 2 (line 4): malformed vCard: 2 lines from here to the end of the file, not inside BEGIN:VCARD ... END:VCARD',
    );
  });

  it('between cards is counted in a note', async () => {
    const { report } = await importVcf(Buffer.from('BEGIN:VCARD\nFN:Ann\nEND:VCARD\nstray\nBEGIN:VCARD\nFN:Bea\nEND:VCARD\n'));
    expect(report).toMatchObject({ total_rows: 2, imported_rows: 2 });
    expect(report.error_messages).toContain('1 line outside BEGIN:VCARD ... END:VCARD ignored');
  });
});

describe('form options on a vCard file', () => {
  it("ignores a caller's CSV mapping, which names CSV headers, not vCard properties", async () => {
    const writer = new MemoryWriter();
    const report = await importContacts(chunksOf(Buffer.from('BEGIN:VCARD\nFN:Ann\nEND:VCARD\n'), 8), {
      owner: 'o',
      writer,
      mapping: new Map([['name', null]]),
    });
    expect(report).toMatchObject({ total_rows: 1, imported_rows: 1 });
    expect(writer.writes[0]?.contact.name).toBe('Ann');
  });
});

describe('pausing and resuming a vCard import', () => {
  function manyCards(count: number): Buffer {
    const cards: string[] = [];
    for (let i = 1; i <= count; i++) {
      if (i % 13 === 0) cards.push(`BEGIN:VCARD\r\nVERSION:3.0\r\nTEL:${i}\r\nEND:VCARD\r\n`);
      else
        cards.push(
          `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person ${i}\r\nNOTE:long note ${i} ${'x'.repeat(80)}\r\nBDAY:2000-01-01\r\nEND:VCARD\r\n`,
        );
    }
    return Buffer.from(cards.join(''), 'utf8');
  }

  async function importInSteps(bytes: Buffer, pauseEvery: number) {
    const writer = new MemoryWriter();
    const rejected: number[] = [];
    let checkpoint: ImportCheckpoint | undefined;
    let runs = 0;
    for (;;) {
      runs++;
      let rowsThisRun = 0;
      const source = checkpoint?.encoding === 'utf-8' ? bytes.subarray(checkpoint.byteOffset) : bytes;
      const outcome: ImportOutcome = await runImport(chunksOf(source, 500), {
        owner: 'o',
        writer,
        ...(checkpoint ? { resumeFrom: checkpoint } : {}),
        shouldPause: () => ++rowsThisRun >= pauseEvery,
        onRejectedRow: (row) => rejected.push(row),
      });
      if (outcome.status === 'completed') return { report: outcome.report, runs, rejected, writer };
      expect(source.subarray(outcome.checkpoint.byteOffset - (checkpoint?.byteOffset ?? 0)).toString('latin1')).toMatch(/^BEGIN:VCARD|^$/);
      checkpoint = JSON.parse(JSON.stringify(outcome.checkpoint)) as ImportCheckpoint;
    }
  }

  it('ends with the same contacts, report, line numbers and counts as one run', async () => {
    const bytes = manyCards(300);
    const single = await importInSteps(bytes, Number.POSITIVE_INFINITY);
    const stepped = await importInSteps(bytes, 29);
    expect(stepped.runs).toBeGreaterThan(9);
    expect(stepped.report).toEqual(single.report);
    expect(single.report).toMatchObject({ total_rows: 300, imported_rows: 277, skipped_rows: 23 });
    expect(single.report.error_messages.slice(0, 3)).toEqual([
      'the file was read as vCard 3.0 (300 cards)',
      '277 values had no field: BDAY (277)',
      'Row 13 (line 73): name is empty',
    ]);
    expect(stepped.rejected).toEqual(single.rejected);
    expect(stepped.writer.writes.map((w) => [w.rowNumber, w.contact.id])).toEqual(
      single.writer.writes.map((w) => [w.rowNumber, w.contact.id]),
    );
  });
});
