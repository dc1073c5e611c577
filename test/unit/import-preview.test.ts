import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { parseRowsField, previewCsv } from '../../lib/import/preview.js';

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

  it('names the legacy code page it detected, with the note an import report gives', async () => {
    // Curly quotes, the en dash and the euro sign are bytes 0x80–0x9F, which only Windows-1252 reads so.
    const text = 'name,notes\nJürgen Müller,„Büro“ – Preis 5 €\nGrüße Straße,Öffnungszeiten für Kölner Bürger\n';
    const preview = await previewCsv(iconv.encode(text, 'windows-1252'));
    expect(preview.encoding).toBe('windows-1252');
    expect(preview.columns[0]?.samples).toEqual(['Jürgen Müller', 'Grüße Straße']);
    expect(preview.notes).toEqual([expect.stringMatching(/^the file is not UTF-8; it was read as windows-1252 \(detected, \d+% sure/)]);
  });

  it('previews a vCard file, found by its content, as the columns its cards fill', async () => {
    const vcf = 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nORG:Analytical\r\nTEL;TYPE=CELL:+44 1\r\nEND:VCARD\r\n';
    const preview = await previewCsv(Buffer.from(vcf + vcf.replace('Ada Lovelace', 'Bob')), { rows: [2] });
    expect(preview).toMatchObject({ format: 'vcard', encoding: 'utf-8', rows_sampled: 2, header_error: null });
    expect(preview.columns.map((column) => [column.header, column.samples])).toEqual([
      ['name', ['Ada Lovelace', 'Bob']],
      ['cellphone', ['+44 1', '+44 1']],
      ['company', ['Analytical', 'Analytical']],
    ]);
    expect(preview.rows.map((row) => row.row)).toEqual([2]);
  });

  it('refuses an empty file and a blank header row', async () => {
    await expect(previewCsv(Buffer.from(''))).rejects.toThrow('invalid CSV file');
    await expect(previewCsv(Buffer.from('\nname\nAda\n'))).rejects.toThrow('invalid CSV file');
  });
});
