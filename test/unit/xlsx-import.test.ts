import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { describe, expect, it, vi } from 'vitest';
import { CONTACT_FIELDS } from '../../lib/contacts/fields.js';
import { InvalidCsvError } from '../../lib/errors.js';
import { formatOf } from '../../lib/import/file-format.js';
import { type ImportCheckpoint, importContacts, runImport } from '../../lib/import/pipeline.js';
import { parseMappingField } from '../../lib/csv/header.js';
import { previewCsv } from '../../lib/import/preview.js';
import { SPOOLED_STRINGS_PREFIX } from '../../lib/import/spooled-strings.js';
import { cellText, columnLetters, openXlsxRecords } from '../../lib/import/xlsx-records.js';
import { chunksOf, MemoryWriter } from '../support/memory-writer.js';

function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/xlsx/${name}`, import.meta.url));
}

/** A workbook written by exceljs (a real spreadsheet library), one sheet per entry. */
async function workbook(sheets: Array<{ name: string; build: (sheet: ExcelJS.Worksheet) => void }>, date1904 = false): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  if (date1904) book.properties.date1904 = true;
  for (const { name, build } of sheets) build(book.addWorksheet(name));
  return Buffer.from(await book.xlsx.writeBuffer());
}

async function importXlsx(bytes: Buffer, options: { sheet?: string; mapping?: string } = {}) {
  const writer = new MemoryWriter();
  const rejected: Array<[number, string]> = [];
  const report = await importContacts(chunksOf(bytes, 997), {
    owner: 'o',
    writer,
    ...(options.sheet ? { sheet: options.sheet } : {}),
    ...(options.mapping ? { mapping: parseMappingField(options.mapping) } : {}),
    onRejectedRow: (row, reason) => rejected.push([row, reason]),
  });
  const byName = new Map(writer.writes.map((write) => [write.contact.name, write.contact]));
  return { report, byName, rejected, writer };
}

async function failureOf(promise: Promise<unknown>): Promise<InvalidCsvError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InvalidCsvError);
  return error as InvalidCsvError;
}

describe('workbook detection', () => {
  it('is by content: a zip is a workbook whatever its name; .xls and .ods are refused with what to save them as', async () => {
    expect(formatOf(fixture('leading-zeros_dates.xlsx'))).toBe('xlsx');
    expect(formatOf(await workbook([{ name: 'A', build: (s) => s.addRow(['name']) }]))).toBe('xlsx');
    expect(formatOf(Buffer.from('name,workphone\nA,1\n'))).toBe('csv');
    expect(() => formatOf(fixture('leading-zeros_dates.xls'))).toThrow(InvalidCsvError);
    const xls = await failureOf(importXlsx(fixture('leading-zeros_dates.xls')));
    expect(xls.body.error).toBe(
      'this looks like an Excel 97-2003 workbook (.xls), which is not read; save it as .xlsx (Excel Workbook) or CSV and upload that',
    );
    const ods = await failureOf(importXlsx(fixture('leading-zeros_dates.ods')));
    expect(ods.body.error).toBe(
      'this is an OpenDocument spreadsheet (.ods), which is not read; save it as .xlsx (Excel Workbook) or CSV and upload that',
    );
    expect(ods.status).toBe(400);
  });

  it('answers a zip that is no workbook with a 400, not a crash', async () => {
    // A zip whose one entry is a text file: a local header, the data, the central directory.
    const book = await workbook([{ name: 'A', build: (s) => s.addRow(['name']) }]);
    const cut = book.subarray(0, 200);
    const error = await failureOf(importXlsx(cut));
    expect(String(error.body.error)).toMatch(/not a readable Excel workbook|no worksheet|workbook is incomplete/);
  });
});

describe('importing LibreOffice workbooks', () => {
  it('keeps leading zeros of text cells and shows dates as the workbook does', async () => {
    const { report, byName } = await importXlsx(fixture('leading-zeros_dates.xlsx'));
    expect(report).toMatchObject({ total_rows: 2, imported_rows: 2, skipped_rows: 0, failed_rows: 0 });
    expect(report.error_messages[0]).toBe("the file was read as an Excel workbook (sheet 'leading-zeros_dates', 2 rows)");
    expect(byName.get('Anna Zeller')).toMatchObject({
      workphone: '0301234567',
      cellphone: '00491701234567',
      workpostalcode: '01067',
      notes: 'first contact',
    });
    expect(byName.get('Bruno Ott')).toMatchObject({ workphone: '089 123 45', cellphone: '+49 160 1234567', workpostalcode: '80331' });
  });

  it('recognises the German Outlook preset in a sheet header, as in the CSV export it was converted from', async () => {
    const { report, byName } = await importXlsx(fixture('outlook-2007_de.xlsx'));
    expect(report).toMatchObject({ total_rows: 1, imported_rows: 1 });
    expect(report.error_messages).toContain('header recognised: Outlook (German) export');
    const fromCsv = await importContacts(chunksOf(readFileSync(new URL('../fixtures/outlook-2007_de.csv', import.meta.url))), {
      owner: 'o',
      writer: new MemoryWriter(),
    });
    expect(report.error_messages.slice(1)).toEqual(fromCsv.error_messages);
    expect(byName.get('Robin Example')).toMatchObject({ company: 'Coding Robin', workcity: 'Berlin', workpostalcode: '13355' });
  });

  it('previews a workbook: format xlsx, the columns and their first cells', async () => {
    const preview = await previewCsv(fixture('leading-zeros_dates.xlsx'));
    expect(preview.format).toBe('xlsx');
    expect(preview.columns.find((column) => column.header === 'workphone')?.samples).toEqual(['0301234567', '089 123 45']);
    expect(preview.columns.find((column) => column.header === 'Geburtstag')).toMatchObject({
      field: null,
      samples: ['12/31/80', '02/01/75'],
    });
  });
});

describe('cell text', () => {
  it('is never silently empty for a cell the reader could not resolve', () => {
    expect(cellText({ value: { error: '#N/A' }, numFmt: '' } as never, false)).toBe('#N/A');
    expect(cellText({ value: { richText: [{ text: 'a' }, { text: 'b' }] }, numFmt: '' } as never, false)).toBe('ab');
    expect(() => cellText({ value: { sharedString: 3 }, numFmt: '' } as never, false)).toThrow(InvalidCsvError);
  });

  it('is the shared string a cell refers to, and a 400 for an index the workbook has no string for', () => {
    const strings = ['Anna', ''];
    const lookup = { get: (index: number) => strings[index] };
    expect(cellText({ value: { sharedString: 0 }, numFmt: '' } as never, false, lookup)).toBe('Anna');
    expect(cellText({ value: { sharedString: 1 }, numFmt: '' } as never, false, lookup)).toBe('');
    expect(() => cellText({ value: { sharedString: 2 }, numFmt: '' } as never, false, lookup)).toThrow(InvalidCsvError);
  });
});

describe('column letters', () => {
  it('are the spreadsheet ones', () => {
    expect([0, 25, 26, 27, 51, 52, 701, 702, 16383].map(columnLetters)).toEqual(['A', 'Z', 'AA', 'AB', 'AZ', 'BA', 'ZZ', 'AAA', 'XFD']);
  });
});

describe('previewing a workbook sent in part', () => {
  it('asks for the whole workbook when a preview is sent only its first bytes', async () => {
    const bytes = fixture('leading-zeros_dates.xlsx');
    const error = await failureOf(previewCsv(bytes.subarray(0, 4000), { partial: true }));
    expect(error.body.error).toBe(
      'a workbook cannot be previewed from its first bytes (its texts are stored at its end); send the whole file without partial=true',
    );
  });
});

describe('importing library-written workbooks', () => {
  it('shows numbers through their format: phone numbers and postcodes stored as numbers, dates, General integers whole', async () => {
    const bytes = await workbook([
      {
        name: 'Contacts',
        build: (sheet) => {
          sheet.addRow(['name', 'workphone', 'cellphone', 'workpostalcode', 'notes', 'homephone']);
          const row = sheet.addRow(['Carla Neri', 301234567, 491601234567, 1067, new Date(Date.UTC(1980, 11, 31)), 0.5]);
          row.getCell(2).numFmt = '0000000000';
          row.getCell(4).numFmt = '00000';
          row.getCell(5).numFmt = 'dd.mm.yyyy';
          row.getCell(6).numFmt = '0.00';
          sheet.addRow(['Dario Rossi', { formula: 'B2+1', result: 301234568 }, '+39 06 1234', true]).getCell(2).numFmt = '0000000000';
        },
      },
    ]);
    const { report, byName } = await importXlsx(bytes);
    expect(report).toMatchObject({ total_rows: 2, imported_rows: 2 });
    expect(byName.get('Carla Neri')).toMatchObject({
      workphone: '0301234567',
      cellphone: '491601234567',
      workpostalcode: '01067',
      notes: '31.12.1980',
      homephone: '0.50',
    });
    expect(byName.get('Dario Rossi')).toMatchObject({ workphone: '0301234568', cellphone: '+39 06 1234', workpostalcode: 'TRUE' });
  });

  it('reads dates of a 1904 workbook as it shows them', async () => {
    const bytes = await workbook(
      [
        {
          name: 'Mac',
          build: (sheet) => {
            sheet.addRow(['name', 'notes']);
            sheet.addRow(['Eva', new Date(Date.UTC(2001, 2, 4))]).getCell(2).numFmt = 'yyyy-mm-dd';
          },
        },
      ],
      true,
    );
    const { byName } = await importXlsx(bytes);
    expect(byName.get('Eva')?.notes).toBe('2001-03-04');
  });

  it('ignores blank and merged-over header cells, and the columns under them when they are empty', async () => {
    const bytes = await workbook([
      {
        name: 'Merged',
        build: (sheet) => {
          sheet.addRow(['name', 'Telefon', '', '', 'company']);
          sheet.mergeCells('B1:C1');
          sheet.addRow(['Franz Huber', '+43 1 234', '', '', 'Huber KG']);
          sheet.addRow(['Gerda Berg', '+43 1 567', undefined, undefined, 'Berg AG']);
          sheet.addRow([]);
          sheet.addRow(['Hans Moser']);
        },
      },
    ]);
    const { report, byName, rejected } = await importXlsx(bytes, { mapping: '{"Telefon":"workphone"}' });
    expect(rejected).toEqual([]);
    expect(report).toMatchObject({ total_rows: 3, imported_rows: 3 });
    expect(byName.get('Franz Huber')).toMatchObject({ workphone: '+43 1 234', company: 'Huber KG' });
    expect(byName.get('Gerda Berg')).toMatchObject({ company: 'Berg AG' });
    // Rows are the sheet's own: the blank row 4 is not counted, Hans is row 5.
    expect(report.error_messages[0]).toBe("the file was read as an Excel workbook (sheet 'Merged', 3 rows)");
    expect(report.error_messages).not.toContainEqual(expect.stringContaining('without a header'));
  });

  it('counts the values under a merged-over header cell in the report, never dropping them unsaid', async () => {
    const bytes = await workbook([
      {
        name: 'Phones',
        build: (sheet) => {
          sheet.addRow(['name', 'Telefon', '', 'company']);
          sheet.mergeCells('B1:C1');
          sheet.addRow(['Jana Novak', '+420 1', '+420 2', 'N s.r.o.']);
          sheet.addRow(['Karel Dvorak', '+420 3', '', '']);
        },
      },
    ]);
    const { report } = await importXlsx(bytes, { mapping: '{"Telefon":"workphone"}' });
    expect(report).toMatchObject({ total_rows: 2, imported_rows: 2 });
    expect(report.error_messages.slice(0, 2)).toEqual([
      "the file was read as an Excel workbook (sheet 'Phones', 2 rows)",
      'values in columns without a header (a merged or empty header cell) were not imported: C (1)',
    ]);
  });

  it('rejects a row with a value under no header, naming the sheet row', async () => {
    const bytes = await workbook([
      {
        name: 'S',
        build: (sheet) => {
          sheet.addRow(['name', 'workphone']);
          sheet.addRow(['Ida', '1', 'stray']);
        },
      },
    ]);
    const { report, rejected } = await importXlsx(bytes);
    expect(report).toMatchObject({ total_rows: 1, skipped_rows: 1 });
    expect(rejected).toEqual([[2, 'has 3 fields but the header has 2']]);
  });

  it('reads the first sheet of the tab order, or the sheet named by sheet= (any case); an unknown name is a 400 listing the sheets', async () => {
    const bytes = await workbook([
      { name: 'Kunden', build: (s) => s.addRows([['name'], ['Kunde Eins']]) },
      {
        name: 'Lieferanten',
        build: (s) =>
          s.addRows([
            ['name', 'company'],
            ['Lieferant Zwei', 'L GmbH'],
          ]),
      },
    ]);
    expect([...(await importXlsx(bytes)).byName.keys()]).toEqual(['Kunde Eins']);
    const second = await importXlsx(bytes, { sheet: 'lieferanten' });
    expect([...second.byName.keys()]).toEqual(['Lieferant Zwei']);
    expect(second.report.error_messages[0]).toBe("the file was read as an Excel workbook (sheet 'Lieferanten', 1 row)");
    const error = await failureOf(importXlsx(bytes, { sheet: 'Partner' }));
    expect(error.body.error).toBe("the workbook has no sheet named 'Partner'; its sheets are 'Kunden', 'Lieferanten'");
  });

  it('steps over the sheets it does not read without an error escaping, however many imports run at once', async () => {
    // exceljs deletes a skipped sheet's temporary file as the next sheet comes, and the file's
    // stream, still opening, then failed with an ENOENT nobody heard: the process crashed.
    const bytes = await workbook(
      ['Eins', 'Zwei', 'Drei', 'Vier'].map((name) => ({
        name,
        build: (s: ExcelJS.Worksheet) => s.addRows([['name'], [`${name} Kontakt`]]),
      })),
    );
    const escaped: unknown[] = [];
    const hear = (error: unknown) => escaped.push(error);
    process.on('uncaughtException', hear);
    try {
      const runs = await Promise.all(Array.from({ length: 40 }, () => failureOf(importXlsx(bytes, { sheet: 'Fünf' }))));
      expect(new Set(runs.map((error) => error.body.error))).toEqual(
        new Set(["the workbook has no sheet named 'Fünf'; its sheets are 'Eins', 'Zwei', 'Drei', 'Vier'"]),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      process.off('uncaughtException', hear);
    }
    expect(escaped).toEqual([]);
  });

  it('refuses a sheet without a name column as a CSV file without one', async () => {
    const bytes = await workbook([{ name: 'S', build: (s) => s.addRows([['Telefon'], ['1']]) }]);
    const error = await failureOf(importXlsx(bytes));
    expect(String(error.body.error)).toMatch(/name/);
  });

  it('resumes a paused import by reading the workbook again and skipping the rows done', async () => {
    const bytes = await workbook([
      {
        name: 'S',
        build: (sheet) => {
          sheet.addRow(['name', 'workphone']);
          for (let i = 1; i <= 30; i++) sheet.addRow([`Person ${i}`, `0${i}`]);
        },
      },
    ]);
    const writer = new MemoryWriter();
    const first = await runImport(chunksOf(bytes, 512), { owner: 'o', writer, shouldPause: (rows) => rows >= 12 });
    expect(first.status).toBe('paused');
    const checkpoint = (first as { checkpoint: ImportCheckpoint }).checkpoint;
    expect(checkpoint).toMatchObject({ nextRow: 14, format: 'xlsx' });
    // The source of a resumed workbook starts at byte 0 (resumeByteOffsetOf), never at byteOffset.
    const rest = await runImport(chunksOf(bytes, 512), { owner: 'o', writer, resumeFrom: JSON.parse(JSON.stringify(checkpoint)) });
    expect(rest.status).toBe('completed');
    if (rest.status !== 'completed') return;
    expect(rest.report).toMatchObject({ total_rows: 30, imported_rows: 30 });
    expect(rest.report.error_messages[0]).toBe("the file was read as an Excel workbook (sheet 'S', 30 rows)");
    expect(writer.writes.map((write) => write.contact.name)).toEqual(Array.from({ length: 30 }, (_, i) => `Person ${i + 1}`));
    expect(writer.writes[9]?.contact.workphone).toBe('010');
  });

  it('leaves no temporary file behind, whether the import pauses, completes or fails', async () => {
    // exceljs spools a sheet that comes before the shared strings (as LibreOffice writes it) to
    // a temporary file named tmp-<pid>-..., removed by an unlink it does not wait for; a warm
    // Lambda keeps /tmp between invocations.
    // The shared strings' own temporary file (SpooledStrings) is removed at once, by the records' end or close().
    const spooled = () =>
      readdirSync(tmpdir()).filter(
        (name) => name.startsWith(`tmp-${process.pid}-`) || name.startsWith(`${SPOOLED_STRINGS_PREFIX}${process.pid}-`),
      );
    const gone = () => vi.waitFor(() => expect(spooled()).toEqual([]), { timeout: 5000, interval: 20 });
    await gone();
    const bytes = fixture('leading-zeros_dates.xlsx');
    const paused = await runImport(chunksOf(bytes, 256), { owner: 'o', writer: new MemoryWriter(), shouldPause: () => true });
    expect(paused.status).toBe('paused');
    await gone();
    await importXlsx(bytes);
    await gone();
    await previewCsv(bytes);
    await gone();
    await failureOf(importXlsx(bytes, { sheet: 'nope' }));
    await gone();
  });
});

describe('the files a workbook read spools to disk', () => {
  const exceljsSpools = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`tmp-${process.pid}-`));
  const gone = () => vi.waitFor(() => expect(exceljsSpools()).toEqual([]), { timeout: 5000, interval: 20 });

  it('are bounded: a sheet whose XML unpacks to far more than the file (a zip bomb) is a 400, and its file is removed', async () => {
    await gone();
    // Inline texts (no shared strings): 40 MB of sheet XML in a zip of some tens of KB, which
    // exceljs spools to /tmp before it reads a row.
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    const book = new ExcelJS.stream.xlsx.WorkbookWriter({
      stream: out,
      useSharedStrings: false,
      useStyles: false,
      zip: { zlib: { level: 9 } },
    });
    const sheet = book.addWorksheet('Bomb');
    sheet.addRow(['name', 'notes']).commit();
    for (let i = 0; i < 400; i++) sheet.addRow([`Person ${i}`, `${'b'.repeat(100_000)}${i}`]).commit();
    sheet.commit();
    await book.commit();
    const bytes = Buffer.concat(chunks);
    expect(bytes.length).toBeLessThan(200_000);
    const error = await failureOf(importXlsx(bytes));
    expect(error.status).toBe(400);
    expect(error.body.error).toMatch(/^the workbook unpacks to too much to read .*zip bomb.*; save the sheet as CSV and upload that$/);
    await gone();
  });

  it('are removed when the read fails after a sheet was spooled (a workbook cut short)', async () => {
    await gone();
    // The sheet comes before the shared strings: cut inside the strings, the sheet is on disk
    // already when the zip breaks off.
    const rows = Array.from({ length: 3000 }, (_, i) => [`Person ${i} ${'x'.repeat(i % 50)}`, `+49 30 ${1000 + i}`, `note ${i}`]);
    const bytes = await workbook([
      {
        name: 'Cut',
        build: (sheet) => {
          for (const row of [['name', 'workphone', 'notes'], ...rows]) sheet.addRow(row);
        },
      },
    ]);
    const cut = bytes.subarray(0, Math.floor(bytes.length * 0.8));
    await failureOf(importXlsx(cut));
    await gone();
  }, 20_000);

  it('never wait for ever: a workbook cut or corrupted anywhere is answered (a 400, or its rows), leaving no file', async () => {
    // Cut inside an entry, or with a broken deflate stream, exceljs's unzipper waited for an
    // entry's end that never came: the import hung (before the end-record check and the
    // unzipper's errors were listened to). Random damage; a failure prints what was done.
    const rows = Array.from({ length: 2000 }, (_, i) => [`Person ${i}`, `+49 30 ${1000 + i}`, `note ${i}`]);
    const bytes = await workbook([
      {
        name: 'Damaged',
        build: (sheet) => {
          for (const row of [['name', 'workphone', 'notes'], ...rows]) sheet.addRow(row);
        },
      },
    ]);
    for (let k = 0; k < 40; k++) {
      const at = Math.floor(Math.random() * bytes.length);
      const cut = k % 2 === 0;
      const damaged = cut ? bytes.subarray(0, at) : Buffer.from(bytes);
      if (!cut) for (let j = at; j < Math.min(at + 64, damaged.length); j++) damaged[j] = (damaged[j] ?? 0) ^ 0x5a;
      const what = `${cut ? 'cut at' : '64 bytes flipped at'} ${at} of ${bytes.length}`;
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        importXlsx(damaged).then(
          ({ report }) => `imported ${report.total_rows}`,
          (error: unknown) => (error instanceof InvalidCsvError ? 'refused' : `failed: ${String(error)}`),
        ),
        new Promise<string>((resolve) => {
          timer = setTimeout(() => resolve('no answer after 10 s'), 10_000);
        }),
      ]);
      clearTimeout(timer);
      expect(outcome, what).toMatch(/^(imported \d+|refused)$/);
    }
    await gone();
  }, 120_000);
});

/** The stored fields of each contact written, by name (what an import made of the file). */
function fieldsByName(writer: MemoryWriter): Map<string, Record<string, unknown>> {
  return new Map(
    writer.writes.map((write) => {
      const contact = write.contact as unknown as Record<string, unknown>;
      return [String(contact.name), Object.fromEntries(CONTACT_FIELDS.map((field) => [field, contact[field]]))];
    }),
  );
}

describe('shared strings (a workbook’s table of its texts, which cells refer to by index)', () => {
  it('are read exactly from a workbook written by exceljs’s streaming writer: repeated, empty, non-ASCII and long texts', async () => {
    // Enough text (about 1.5 MB) to cross the spooled strings' blocks and their cache many times;
    // every tenth note is longer than a block's tail (read on its own), the companies repeat.
    // Its XML comes in many chunks: a character cut between two was read as two U+FFFD until
    // the reader's streams were decoded across chunks (decodeUtf8AcrossChunks).
    const scripts = ['Łukasz Żółć', 'Дмитрий Иванов', 'Γιώργος', '山田 太郎 😀', 'Zoë Brontë', 'Mehmet Çağlar'];
    const rows = Array.from({ length: 4000 }, (_, i) => ({
      name: `${scripts[i % scripts.length]} ${i}`,
      company: `Firma ${i % 37} & Söhne`,
      workphone: `0${30_000_000 + i}`,
      workemail: i % 3 === 0 ? '' : `p${i}@example.com`,
      notes: i % 10 === 0 ? `${'Notiz é '.repeat(200)}${i}` : i % 4 === 0 ? '' : `note <${i}> "quoted"`,
    }));
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: true, useStyles: false });
    const sheet = book.addWorksheet('Contacts');
    sheet.addRow(['name', 'company', 'workphone', 'workemail', 'notes']).commit();
    for (const row of rows) sheet.addRow([row.name, row.company, row.workphone, row.workemail, row.notes]).commit();
    sheet.commit();
    await book.commit();
    const bytes = Buffer.concat(chunks);
    // The cells refer to the table (t="s"), not inline strings.
    expect(bytes.includes('xl/sharedStrings.xml')).toBe(true);

    const { report, writer } = await importXlsx(bytes);
    expect(report).toMatchObject({ total_rows: rows.length, imported_rows: rows.length, failed_rows: 0, skipped_rows: 0 });
    const imported = fieldsByName(writer);
    for (const row of rows) expect(imported.get(row.name)).toMatchObject(row);
  });

  it('are read exactly from a LibreOffice workbook: the same contacts as the CSV file it was converted from', async () => {
    const fromXlsx = await importXlsx(fixture('multilingual_shared-strings.xlsx'));
    const fromCsv = await importXlsx(fixture('multilingual_shared-strings.csv'));
    expect(fromXlsx.report).toMatchObject({ total_rows: 10, imported_rows: 10, failed_rows: 0, skipped_rows: 0 });
    expect(fromXlsx.report.error_messages.slice(1)).toEqual(fromCsv.report.error_messages);
    expect(fieldsByName(fromXlsx.writer)).toEqual(fieldsByName(fromCsv.writer));
    expect(fromXlsx.byName.get('Дмитрий Иванов')).toMatchObject({
      company: 'ООО «Ромашка»',
      workphone: '0074951234567',
      workcity: 'Москва',
      notes: 'первая строка\nвторая строка',
    });
    expect(fromXlsx.byName.get('Łukasz Żółć')).toMatchObject({
      company: 'Kowalski & Syn Sp. z o.o.',
      notes: 'Rückruf <morgen> "dringend"',
    });
    expect(fromXlsx.byName.get('山田 太郎')?.notes).toBe('メモ 😀');
  });

  it('give a rich-text cell (runs of differing fonts) as its plain text', async () => {
    const bytes = await workbook([
      {
        name: 'S',
        build: (sheet) => {
          sheet.addRow(['name', 'notes']);
          sheet.addRow(['Nina Roth', { richText: [{ text: 'bold ', font: { bold: true } }, { text: 'and plain' }] }]);
        },
      },
    ]);
    const { byName } = await importXlsx(bytes);
    expect(byName.get('Nina Roth')?.notes).toBe('bold and plain');
  });

  it('that unpack to far more than the file (a zip bomb) are refused with a 400 that says to save as CSV, leaving no file', async () => {
    // 250 distinct texts of 100,000 characters: 25 MB of text in a zip of some tens of KB.
    const bytes = await workbook([
      {
        name: 'Bomb',
        build: (sheet) => {
          sheet.addRow(['name', 'notes']);
          for (let i = 0; i < 250; i++) sheet.addRow([`Person ${i}`, `${'a'.repeat(100_000)}${i}`]);
        },
      },
    ]);
    expect(bytes.length).toBeLessThan(200_000);
    const spooled = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`${SPOOLED_STRINGS_PREFIX}${process.pid}-`));
    const error = await failureOf(importXlsx(bytes));
    expect(error.status).toBe(400);
    expect(error.body.error).toMatch(/^the workbook's texts are too large to read .*zip bomb.*; save the sheet as CSV and upload that$/);
    expect(spooled()).toEqual([]);
  });

  it('are removed from disk by close() when the records are left unread, as a stopped read leaves them', async () => {
    const spooled = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`${SPOOLED_STRINGS_PREFIX}${process.pid}-`));
    const records = await openXlsxRecords(chunksOf(fixture('multilingual_shared-strings.xlsx'), 512));
    const iterator = records.records[Symbol.asyncIterator]();
    const header = await iterator.next();
    expect(header.value).toMatchObject({ row: 1, cells: ['name', 'company', 'workphone', 'cellphone', 'workemail', 'workcity', 'notes'] });
    expect(spooled()).toHaveLength(1);
    records.close();
    expect(spooled()).toEqual([]);
    expect((await iterator.next()).done).toBe(true);
  });
});
