import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { InvalidCsvError } from '../../lib/errors.js';
import { importContacts } from '../../lib/import/pipeline.js';
import type { ImportReport } from '../../lib/import/report.js';
import { chunksOf, MemoryWriter } from '../support/memory-writer.js';

async function run(
  csv: string | Buffer,
  writer = new MemoryWriter(),
  chunkSize?: number,
): Promise<{ report: ImportReport; writer: MemoryWriter }> {
  const report = await importContacts(chunksOf(csv, chunkSize), { owner: 'alice', writer });
  return { report, writer };
}

function expectInvariant(report: ImportReport): void {
  expect(report.total_rows).toBe(report.imported_rows + report.failed_rows + report.skipped_rows);
}

describe('importContacts', () => {
  it('imports valid rows with case-insensitive, trimmed headers', async () => {
    const { report, writer } = await run(' NAME ,WorkEmail,Type\nJohn Doe,john@example.com,PUBLIC\nJane,,\n');
    expect(report).toEqual({
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
    });
    expect(writer.writes.map((w) => [w.rowNumber, w.contact.name, w.contact.workemail, w.contact.type])).toEqual([
      [2, 'John Doe', 'john@example.com', 'public'],
      [3, 'Jane', '', 'private'],
    ]);
    expect(writer.writes[0]?.contact.owner).toBe('alice');
  });

  it('reports the reference message for an invalid type and skips only that row', async () => {
    const { report } = await run('name,type\nA,private\nB,business\nC,public\n');
    expect(report).toMatchObject({ total_rows: 3, imported_rows: 2, skipped_rows: 1 });
    expect(report.error_messages).toEqual(["Row 3: invalid type 'business' (must be 'private', 'public', or 'group:<group1,group2>')"]);
  });

  it('numbers rows as a spreadsheet does: a quoted multi-line record is one row, blank lines still count', async () => {
    const csv = 'name,notes,type\r\n"Multi","line one\nline two\r\nline three",\n\nBad,,nope\n';
    const { report, writer } = await run(csv);
    expect(writer.writes[0]?.contact.notes).toBe('line one\nline two\r\nline three');
    expect(report.error_messages).toEqual(["Row 4: invalid type 'nope' (must be 'private', 'public', or 'group:<group1,group2>')"]);
    expect(report.total_rows).toBe(2);
  });

  it('accepts quoted fields with commas and doubled quotes, a UTF-8 BOM and mixed line endings', async () => {
    const csv = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('name,company\r\n"Doe, John","ACME ""Rockets"""\nZoë Ångström,Café\r\n'),
    ]);
    const { writer } = await run(csv);
    expect(writer.writes.map((w) => [w.contact.name, w.contact.company])).toEqual([
      ['Doe, John', 'ACME "Rockets"'],
      ['Zoë Ångström', 'Café'],
    ]);
  });

  it('gives the same result whatever the chunk boundaries (multi-byte characters split across chunks)', async () => {
    const csv = 'name,notes\nZoë,"a,b\nc"\nÅsa,ß\n';
    const whole = await run(csv);
    const tiny = await run(csv, new MemoryWriter(), 1);
    expect(tiny.writer.writes).toEqual(whole.writer.writes);
    expect(tiny.report).toEqual(whole.report);
  });

  it('makes ragged rows a per-row error but tolerates empty trailing cells', async () => {
    const { report, writer } = await run('name,company\nShort\nLong,Acme,extra\nTrailing,Acme,,\n');
    expect(writer.names()).toEqual(['Trailing']);
    expect(report.error_messages).toEqual(['Row 2: has 1 fields but the header has 2', 'Row 3: has 3 fields but the header has 2']);
    expectInvariant(report);
  });

  it('names every invalid field of a row, with the limits of the reference storage', async () => {
    const csv = `name,workphone,homepob,title\n,${'1'.repeat(26)},${'P'.repeat(11)},${'t'.repeat(256)}\n`;
    const { report } = await run(csv);
    expect(report.error_messages).toEqual([
      "Row 2: name is empty; field 'workphone' is too long (26 characters, max 25); field 'title' is too long (256 characters, max 255); field 'homepob' is too long (11 characters, max 10)",
    ]);
  });

  it('counts length in characters, not bytes or UTF-16 units', async () => {
    const { report } = await run(`name,homepob\nA,${'😀'.repeat(10)}\n`);
    expect(report.skipped_rows).toBe(0);
  });

  it('imports a row repeated in one file once and reports the repeat', async () => {
    const { report, writer } = await run('name,company,workphone\nJohn,Acme,1\n  john ,ACME,2\nJohn,Other,3\n');
    expect(writer.names()).toEqual(['John', 'John']);
    expect(report.error_messages).toEqual(['Row 3: duplicate of row 2 (same name and company)']);
    expectInvariant(report);
  });

  it('names unknown columns once and ignores them', async () => {
    const { report, writer } = await run('name,nickname,Birthday,\nA,x,y,\nB,x,y,\n');
    expect(report.error_messages).toEqual(['unknown columns ignored: nickname, Birthday']);
    expect(writer.names()).toEqual(['A', 'B']);
  });

  it('keeps a stray quote inside its cell instead of swallowing the following rows', async () => {
    const { writer, report } = await run('name,company\n"Jo"hn,Acme\nJane,Beta\n');
    expect(writer.names()).toEqual(['"Jo"hn', 'Jane']);
    expectInvariant(report);
  });

  it('reports an unclosed quote on the row where it opens and keeps the rows before it', async () => {
    const { writer, report } = await run('name,company\nA,x\n"B,y\nC,z\n');
    expect(writer.names()).toEqual(['A']);
    expect(report.skipped_rows).toBe(1);
    expect(report.error_messages[0]).toMatch(/^Row 3: malformed CSV: a quoted field opened in this row is never closed/);
    expectInvariant(report);
  });

  it('counts rows that storage gave up on as failed, with their row numbers', async () => {
    const { report } = await run('name\nA\nB\nC\n', new MemoryWriter(25, new Set([3])));
    expect(report).toMatchObject({ total_rows: 3, imported_rows: 2, failed_rows: 1, skipped_rows: 0 });
    expect(report.error_messages).toEqual(['Row 3: storage error: test failure']);
  });

  it('hands every row it does not import to onRejectedRow with its own cells, storage failures included', async () => {
    // Batches of 2: row 4 is rejected before batching, so batch positions and rows differ.
    const writer = new MemoryWriter(2, new Set([3, 6]));
    const rejected: Array<[number, string, readonly string[] | undefined]> = [];
    const csv = 'name,type\nA,private\nB,public\nC,shared\nD,private\nE,public\n';
    await importContacts(chunksOf(csv), {
      owner: 'alice',
      writer,
      onRejectedRow: (row, reason, cells) => rejected.push([row, reason, cells]),
    });
    expect(rejected.sort((a, b) => a[0] - b[0])).toEqual([
      [3, 'storage error: test failure', ['B', 'public']],
      [4, "invalid type 'shared' (must be 'private', 'public', or 'group:<group1,group2>')", ['C', 'shared']],
      [6, 'storage error: test failure', ['E', 'public']],
    ]);
  });

  it('writes in batches of the writer size with bounded concurrency', async () => {
    const rows = Array.from({ length: 260 }, (_, i) => `Contact ${i}`).join('\n');
    const writer = new MemoryWriter(25, new Set(), 5);
    const report = await importContacts(chunksOf(`name\n${rows}\n`), { owner: 'a', writer, writeConcurrency: 3 });
    expect(report.imported_rows).toBe(260);
    expect(writer.batchSizes.slice(0, -1).every((size) => size === 25)).toBe(true);
    expect(writer.batchSizes.reduce((a, b) => a + b, 0)).toBe(260);
    expect(writer.maxInFlight).toBeLessThanOrEqual(3);
    expect(writer.maxInFlight).toBeGreaterThan(1);
  });

  it('keeps error_messages bounded and says how many were left out', async () => {
    const rows = Array.from({ length: 150 }, () => 'x,bad').join('\n');
    const report = await importContacts(chunksOf(`name,type\n${rows}\n`), {
      owner: 'a',
      writer: new MemoryWriter(),
      maxErrorMessages: 100,
    });
    expect(report.skipped_rows).toBe(150);
    expect(report.error_messages).toHaveLength(101);
    expect(report.error_messages[100]).toBe('... and 50 more errors not listed');
  });

  it('reports a header-only file as zero rows', async () => {
    const { report } = await run('name,workemail\n');
    expect(report).toMatchObject({ total_rows: 0, imported_rows: 0 });
    // As the reference answers it: zero counts and no messages.
    expect(report.error_messages).toEqual([]);
  });

  it.each([
    ['an empty file', ''],
    ['a file of blank lines', '\n\r\n  \n'],
    ['a file with only a BOM', '\uFEFF'],
  ])('rejects %s as invalid CSV', async (_, csv) => {
    await expect(run(csv)).rejects.toThrow(InvalidCsvError);
    await expect(run(csv)).rejects.toMatchObject({ body: { message: 'invalid CSV file', error: 'the file is empty' } });
  });

  it('rejects a file without a name column and lists what it found', async () => {
    await expect(run('email,phone\na,b\n')).rejects.toMatchObject({
      status: 400,
      body: { message: 'invalid CSV file', error: "the header row has no 'name' column (found: email, phone)" },
    });
  });

  it('rejects binary content', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
    await expect(run(png)).rejects.toMatchObject({ status: 400, body: { error: 'the file is not CSV text (it contains binary data)' } });
  });

  it('reads a file in a legacy code page and says which one and how sure', async () => {
    const cyrillic = iconv.encode('name,company\nДмитрий Иванов,ООО Северный ветер\n', 'windows-1251');
    const { writer, report } = await run(cyrillic, new MemoryWriter(), 7);
    expect(writer.writes[0]?.contact).toMatchObject({ name: 'Дмитрий Иванов', company: 'ООО Северный ветер' });
    expect(report.error_messages).toEqual([
      expect.stringMatching(/^the file is not UTF-8; it was read as windows-1251 \(detected, \d+% sure\)$/),
    ]);
  });

  it('says how to name the encoding when detection is unsure of it', async () => {
    // Two Turkish names read as words in ISO-8859-1 too (Yýlmaz, Þahin): too little text to tell.
    const { report } = await run(iconv.encode('name,company\nMehmet Yılmaz,Şahin\n', 'windows-1254'));
    expect(report.error_messages).toEqual([
      expect.stringMatching(
        /^the file is not UTF-8; it was read as \S+ \(detected, \d+% sure; if its text looks wrong, name its encoding in the 'encoding' option\)$/,
      ),
    ]);
  });

  it('reads a file in the encoding asked for, and says so', async () => {
    const latin = iconv.encode('name,company\nJosé,Café €\n', 'windows-1252');
    const report = await importContacts(chunksOf(latin), { owner: 'alice', writer: new MemoryWriter(), encoding: 'windows-1252' });
    expect(report.error_messages).toEqual(['the file is not UTF-8; it was read as windows-1252 (as asked)']);
  });

  it('rejects a file that is not text in the encoding asked for', async () => {
    const utf8 = Buffer.from('name\nJosé\n', 'utf8');
    const asked = importContacts(chunksOf(Buffer.concat([utf8, Buffer.from([0xff])])), {
      owner: 'alice',
      writer: new MemoryWriter(),
      encoding: 'utf-8',
    });
    await expect(asked).rejects.toMatchObject({
      status: 400,
      body: { message: 'invalid CSV file', error: 'the file cannot be read as utf-8, the encoding asked for: it is not valid UTF-8' },
    });
  });

  it('reads UTF-16 with a BOM', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name\nZoë\n', 'utf16le')]);
    const { writer } = await run(utf16);
    expect(writer.names()).toEqual(['Zoë']);
  });

  it('reports progress with rows and bytes read', async () => {
    const progress: number[] = [];
    const csv = `name\n${Array.from({ length: 30 }, (_, i) => `C${i}`).join('\n')}\n`;
    await importContacts(chunksOf(csv, 7), {
      owner: 'a',
      writer: new MemoryWriter(),
      progressEveryRows: 10,
      onProgress: (p) => progress.push(p.rowsRead),
    });
    expect(progress).toEqual([10, 20, 30, 30]);
  });
});
