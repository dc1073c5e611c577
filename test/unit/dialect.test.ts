import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { type Delimiter, detectDelimiter, parseDelimiterField } from '../../lib/csv/dialect.js';
import { BadRequestError } from '../../lib/errors.js';

const cell = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', ';', '\t', '"', '\n', 'é') });

describe('delimiter detection', () => {
  it('picks the semicolon of a European Excel header', () => {
    expect(detectDelimiter('Name;E-Mail-Adresse;Firma\nRobin, Jr.;r@example.de;X\n')).toBe(';');
  });

  it('ignores delimiters inside quoted header cells', () => {
    expect(detectDelimiter('"a;b;c","d"\n')).toBe(',');
  });

  it('falls back to a comma for a single-column header', () => {
    expect(detectDelimiter('name\nDoe; John\n')).toBe(',');
  });

  it('finds the delimiter of any header written with it, whatever the cells hold', () => {
    fc.assert(
      fc.property(fc.constantFrom<Delimiter>(',', ';', '\t'), fc.array(cell, { minLength: 2, maxLength: 8 }), (delimiter, cells) => {
        const header = stringify([cells], { delimiter, quoted: true });
        expect(detectDelimiter(header)).toBe(delimiter);
      }),
    );
  });
});

describe('the delimiter form field', () => {
  it.each([
    [',', ','],
    ['semicolon', ';'],
    ['tab', '\t'],
    ['\\t', '\t'],
  ])('reads %j', (raw, expected) => {
    expect(parseDelimiterField(raw)).toBe(expected);
  });

  it('refuses a pipe', () => {
    expect(() => parseDelimiterField('|')).toThrow(BadRequestError);
  });
});
