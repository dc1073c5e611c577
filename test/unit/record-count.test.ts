import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countCsvRows } from '../../lib/csv/record-count.js';
import { importContacts } from '../../lib/import/pipeline.js';
import { chunksOf, MemoryWriter } from '../support/memory-writer.js';

const count = (text: string) => countCsvRows(Buffer.from(text, 'utf8'));

/** The pipeline's own count of the same bytes: the report's total_rows of a dry run. */
async function pipelineRows(csv: Buffer): Promise<number> {
  const report = await importContacts(chunksOf(csv), { owner: 'alice', writer: new MemoryWriter(), dryRun: true });
  return report.total_rows;
}

describe('countCsvRows', () => {
  it('counts data rows, not the header', () => {
    expect(count('name,type\nA,private\nB,public\n')).toBe(2);
  });

  it('counts a last row without a trailing line break', () => {
    expect(count('name\nA\nB')).toBe(2);
  });

  it('reads CRLF, LF and lone CR as one line break each', () => {
    expect(count('name\r\nA\r\nB\rC\nD\r\n')).toBe(4);
  });

  it('does not count blank lines, whitespace-only or separator-only rows', () => {
    expect(count('name,notes\n\nA,x\n   \n,,\n"",""\nB,y\n\n')).toBe(2);
  });

  it('keeps a quoted line break, an escaped quote and a quoted separator inside their row', () => {
    expect(count('name,notes\n"A","line 1\nline 2"\n"B ""the"" one","a,b\r\nc"\nC,\n')).toBe(3);
  });

  it('skips a UTF-8 byte order mark and reads UTF-16 with one', () => {
    expect(count('\uFEFFname\nA\nB\n')).toBe(2);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name\nA\n\nB\n', 'utf16le')]);
    expect(countCsvRows(utf16)).toBe(2);
  });

  it('reads UTF-16 without a byte order mark, as the importer recognises it', () => {
    const rows = 'name,company\nДмитрий Иванов,ООО Ветер\n\nЕкатерина Смирнова,\n';
    expect(countCsvRows(Buffer.from(rows, 'utf16le'))).toBe(2);
    expect(countCsvRows(Buffer.from(rows, 'utf16le').swap16())).toBe(2);
  });

  it("uses the header's delimiter: a semicolon file with commas in its cells", () => {
    expect(count('name;notes\nA;x,y\n,;\n')).toBe(2);
  });

  it('counts an unclosed quote at the end as the one row the parser reports', () => {
    expect(count('name\nA\n"B\nC\n')).toBe(2);
  });

  it("equals the pipeline's total_rows for random well-formed CSV", async () => {
    const cellText = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\n', '\r', 'é', ';', '\t'), maxLength: 8 });
    const cell = fc.tuple(cellText, fc.boolean()).map(([text, forceQuotes]) => {
      const needsQuotes = forceQuotes || /[",\r\n]/.test(text) || text.trim() !== text;
      return needsQuotes ? `"${text.replaceAll('"', '""')}"` : text;
    });
    const row = fc.oneof(
      fc.array(cell, { minLength: 1, maxLength: 4 }).map((cells) => cells.join(',')),
      fc.constantFrom('', '  ', ',,', '""'),
    );
    const newline = fc.constantFrom('\n', '\r\n', '\r');
    const csv = fc
      .record({
        bom: fc.boolean(),
        rows: fc.array(fc.tuple(row, newline), { maxLength: 12 }),
        trailing: fc.boolean(),
      })
      .map(({ bom, rows, trailing }) => {
        let text = `${bom ? '\uFEFF' : ''}name,notes`;
        for (const [line, eol] of rows) text += `${eol}${line}`;
        return Buffer.from(trailing ? `${text}\n` : text, 'utf8');
      });
    await fc.assert(
      fc.asyncProperty(csv, async (bytes) => {
        expect(countCsvRows(bytes)).toBe(await pipelineRows(bytes));
      }),
      { numRuns: 300 },
    );
  });
});
