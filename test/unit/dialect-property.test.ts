import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Delimiter } from '../../lib/csv/dialect.js';
import { importContacts } from '../../lib/import/pipeline.js';
import { chunksOf, MemoryWriter } from '../support/memory-writer.js';

const COLUMNS = ['name', 'company', 'cellphone', 'homecity', 'notes'] as const;
type Row = Record<(typeof COLUMNS)[number], string>;
type Encoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** Characters that stress quoting and decoding; all of them exist in Windows-1252 too. */
const text = (maxLength: number) =>
  fc.string({ unit: fc.constantFrom('a', 'B', ' ', ',', ';', '\t', '"', '\n', 'é', 'ß', 'Ü', '€', '=', '+'), maxLength });

const row = fc.record<Row>({
  name: text(30).filter((name) => /\p{L}/u.test(name)),
  company: text(30),
  cellphone: text(20),
  homecity: text(30),
  notes: text(60),
});

/** Contacts of one file: distinct by identity (name and company, normalised as storage does). */
const rows = fc.uniqueArray(row, {
  minLength: 1,
  maxLength: 12,
  selector: (r) => `${r.name.toLowerCase().replace(/\s+/g, ' ').trim()}\u0000${r.company.toLowerCase().replace(/\s+/g, ' ').trim()}`,
});

function encode(csv: string, encoding: Encoding): Buffer {
  switch (encoding) {
    case 'utf-8':
      return Buffer.from(csv, 'utf8');
    case 'utf-8-bom':
      return Buffer.from(`\uFEFF${csv}`, 'utf8');
    case 'utf-16le':
      return Buffer.from(`\uFEFF${csv}`, 'utf16le');
    case 'utf-16be':
      return Buffer.from(`\uFEFF${csv}`, 'utf16le').swap16();
    case 'windows-1252':
      // Latin-1 and Windows-1252 agree on every character used here but the euro sign.
      return Buffer.from(csv.replaceAll('€', '\u0080'), 'latin1');
  }
}

describe('CSV dialects, property-based', () => {
  it('parses random contacts rendered with any delimiter and encoding back to the same contacts', async () => {
    await fc.assert(
      fc.asyncProperty(
        rows,
        fc.constantFrom<Delimiter>(',', ';', '\t'),
        fc.constantFrom<Encoding>('utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be', 'windows-1252'),
        fc.integer({ min: 1, max: 64 }),
        async (contacts, delimiter, encoding, chunkSize) => {
          const csv = stringify([[...COLUMNS], ...contacts.map((c) => COLUMNS.map((column) => c[column]))], { delimiter });
          const writer = new MemoryWriter();
          // Random strings of a few letters are not text a detector can place ('aÜ' reads as well
          // in Mac Roman, 'a‹'): the legacy code page is named, as the form's `encoding` field
          // does. Detection is tested on real-language text in encoding-detection.test.ts.
          const asked = encoding === 'windows-1252' ? { encoding: 'windows-1252' as const } : {};
          const report = await importContacts(chunksOf(encode(csv, encoding), chunkSize), { owner: 'prop', writer, ...asked });
          expect(report).toMatchObject({ total_rows: contacts.length, created_rows: contacts.length, skipped_rows: 0 });
          const stored = [...writer.stored.values()].map((c) => COLUMNS.map((column) => c[column]));
          const expected = contacts.map((c) => COLUMNS.map((column) => c[column].trim()));
          expect(stored.sort()).toEqual(expected.sort());
        },
      ),
      { numRuns: 150 },
    );
  });
});
