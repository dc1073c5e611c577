import { describe, expect, it } from 'vitest';
import { completeLinesOf, parseRowsField, previewCsv } from '../../lib/import/preview.js';

describe('completeLinesOf', () => {
  it('cuts UTF-8 after the last line feed, keeping a file without one whole', () => {
    expect(completeLinesOf(Buffer.from('name\nAda\nGr')).toString()).toBe('name\nAda\n');
    expect(completeLinesOf(Buffer.from('name,company')).toString()).toBe('name,company');
  });

  it('cuts UTF-16 after both bytes of a line feed, never inside a character', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name\nAda\nZo', 'utf16le')]);
    expect(new TextDecoder('utf-16le').decode(completeLinesOf(le.subarray(0, le.length - 1)))).toBe('name\nAda\n');
    const be = Buffer.from(le.subarray(2).swap16());
    const withBom = Buffer.concat([Buffer.from([0xfe, 0xff]), be]);
    expect(new TextDecoder('utf-16be').decode(completeLinesOf(withBom))).toBe('name\nAda\n');
  });
});

describe('parseRowsField', () => {
  it('reads a comma list of row numbers, and refuses the header row, words and more than 100 rows', () => {
    expect(parseRowsField(' 2, 10 ,7')).toEqual([2, 10, 7]);
    expect(parseRowsField(undefined)).toEqual([]);
    expect(() => parseRowsField('1')).toThrow('invalid rows');
    expect(() => parseRowsField('2,x')).toThrow('invalid rows');
    expect(() => parseRowsField(Array.from({ length: 101 }, (_, i) => i + 2).join(','))).toThrow('invalid rows');
  });
});

describe('previewCsv', () => {
  it('reads a UTF-16 file with a BOM and a tab delimiter, as an import does', async () => {
    const csv = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Name\tE-mail\nAda\tada@example.com\n', 'utf16le')]);
    const preview = await previewCsv(csv);
    expect(preview).toMatchObject({ encoding: 'utf-16le', delimiter: '\t', rows_sampled: 1, header_error: null });
    expect(preview.columns).toEqual([
      { header: 'Name', field: 'name', samples: ['Ada'] },
      { header: 'E-mail', field: null, samples: ['ada@example.com'] },
    ]);
  });

  it('says a Windows-1252 file is read as such, with the note an import report gives', async () => {
    const preview = await previewCsv(Buffer.from([...Buffer.from('name\nJ'), 0xfc, ...Buffer.from('rgen\n')]));
    expect(preview.encoding).toBe('windows-1252');
    expect(preview.columns[0]?.samples).toEqual(['Jürgen']);
    expect(preview.notes).toEqual(['the file is not valid UTF-8; it was read as Windows-1252']);
  });

  it('refuses an empty file and a blank header row', async () => {
    await expect(previewCsv(Buffer.from(''))).rejects.toThrow('invalid CSV file');
    await expect(previewCsv(Buffer.from('\nname\nAda\n'))).rejects.toThrow('invalid CSV file');
  });
});
