import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { rejectedRowMessagesOf, rejectedRowsCsv } from '../../lib/cli/rejected-rows.js';
import { importContacts } from '../../lib/import/pipeline.js';
import { chunksOf, MemoryWriter } from '../support/memory-writer.js';

/** The service's own report of a file (the pipeline, as a dry run), whose row numbers the CLI must find again. */
async function serviceMessages(file: Buffer): Promise<string[]> {
  const report = await importContacts(chunksOf(file), { owner: 'alice', writer: new MemoryWriter(), dryRun: true });
  return report.error_messages;
}

const rowsOf = (csv: string) => parse(csv, { bom: true, relax_column_count: true }) as string[][];

describe('rejectedRowsCsv', () => {
  it("gives each row the service rejected its own cells, as the job's errors.csv lists them", async () => {
    // Blank lines keep their number, a quoted cell spans lines, CRLF and LF are mixed.
    const file = Buffer.from('name,type,notes\r\nAnn,private,ok\r\n\r\nBob,business,"two\nlines"\nCid,private,x\n,public,nameless\n');
    const messages = await serviceMessages(file);
    const rows = rowsOf((await rejectedRowsCsv(chunksOf(file), messages)).csv);
    expect(rows[0]).toEqual(['row', 'error', 'name', 'type', 'notes']);
    expect(rows.slice(1).map((row) => row.slice(2))).toEqual([
      ['Bob', 'business', 'two\nlines'],
      ['', 'public', 'nameless'],
    ]);
    expect(rows.slice(1).map((row) => row[0])).toEqual(['4', '6']);
    expect(rows[2]?.[1]).toBe('name is empty');
  });

  it('reads a semicolon file in a legacy code page as the service does', async () => {
    const file = Buffer.from('name;company;type\nJörg;Müller GmbH;weird\nAnn;Acme;private\n', 'latin1');
    const messages = await serviceMessages(file);
    const rows = rowsOf((await rejectedRowsCsv(chunksOf(file), messages)).csv);
    expect(rows.slice(1)).toEqual([['2', expect.stringContaining('invalid type'), 'Jörg', 'Müller GmbH', 'weird']]);
  });

  it('uses the delimiter given on the command line', async () => {
    // A comma file read with ';' as asked: one column per line, as the service reads it too.
    const file = Buffer.from('name;type,x\nA;bad,y\n');
    const rows = rowsOf((await rejectedRowsCsv(chunksOf(file), ['Row 2: invalid type'], 'semicolon')).csv);
    expect(rows[1]).toEqual(['2', 'invalid type', 'A', 'bad,y']);
  });

  it('keeps number and reason of a row it cannot find, and leaves out messages about the whole file', async () => {
    const file = Buffer.from('name\nA\n');
    const { csv, rows } = await rejectedRowsCsv(chunksOf(file), ["unknown column 'x' ignored", 'Row 9: gone']);
    expect(rows).toBe(1);
    expect(rowsOf(csv)).toEqual([
      ['row', 'error', 'name'],
      ['9', 'gone'],
    ]);
  });
});

describe('rejectedRowMessagesOf', () => {
  it('joins two messages of one row and notices a cut list', () => {
    const { reasons, truncated } = rejectedRowMessagesOf(['Row 3: a', 'Row 3: b', '... and 7 more errors not listed']);
    expect([...reasons]).toEqual([[3, 'a; b']]);
    expect(truncated).toBe(true);
  });
});
