import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTACT_FIELDS, type ContactFields, FIELD_MAX_LENGTH } from '../../lib/contacts/fields.js';
import { importContacts } from '../../lib/import/pipeline.js';
import { escapeText, foldLine, vcardOf } from '../../lib/vcard/write.js';
import { chunksOf, MemoryWriter } from '../support/memory-writer.js';

/** Characters that stress the format: its separators and escapes, line breaks, formula starts, multi-byte UTF-8. */
const CHARS = ['a', 'Z', '1', ' ', ',', ';', ':', '\\', '=', '+', '-', '@', "'", '"', '\n', '\r\n', '\t', 'é', 'Ω', '中', '😀', '.', '/'];

/** A stored value: trimmed (every import trims), within the column's limit. */
function storedValue(maxLength: number): fc.Arbitrary<string> {
  return fc
    .array(fc.constantFrom(...CHARS), { maxLength: Math.min(maxLength, 24) })
    .map((chars) => chars.join('').trim())
    .filter((value) => [...value].length <= maxLength);
}

const contactArbitrary: fc.Arbitrary<ContactFields> = fc
  .record(
    Object.fromEntries(
      CONTACT_FIELDS.map((field) => {
        if (field === 'type') return [field, fc.constantFrom('private', 'public', 'group:Sales,Support')];
        if (field === 'name') return [field, storedValue(FIELD_MAX_LENGTH.name).filter((name) => /\p{L}/u.test(name))];
        return [field, fc.oneof(fc.constant(''), storedValue(FIELD_MAX_LENGTH[field]))];
      }),
    ) as { [K in keyof ContactFields]: fc.Arbitrary<ContactFields[K]> },
  )
  .map((contact) => contact);

/** What the import stores of a value: vCard has one line break, so CRLF and CR come back as LF. */
function normalised(contact: ContactFields): ContactFields {
  return Object.fromEntries(Object.entries(contact).map(([field, value]) => [field, value.replace(/\r\n?/g, '\n')])) as ContactFields;
}

async function reimported(text: string, chunkSize: number): Promise<ContactFields[]> {
  const writer = new MemoryWriter();
  const report = await importContacts(chunksOf(Buffer.from(text, 'utf8'), chunkSize), { owner: 'o', writer });
  expect(report.skipped_rows).toBe(0);
  return writer.writes.map(({ contact }) => {
    const { id: _id, owner: _owner, ...fields } = contact;
    return fields;
  });
}

describe('vCard export → import round trip', () => {
  it('gives back every column of random contacts, whatever they hold', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(contactArbitrary, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 200 }),
        async (contacts, chunkSize) => {
          // Distinct identities: a repeat would be reported as a duplicate, which is a different property.
          const unique = contacts.filter((c, i) => contacts.findIndex((d) => d.name === c.name && d.company === c.company) === i);
          const text = unique.map(vcardOf).join('');
          expect(await reimported(text, chunkSize)).toEqual(unique.map(normalised));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('writes lines of at most 75 octets, ended by CRLF, folded without splitting a character', () => {
    fc.assert(
      fc.property(contactArbitrary, (contact) => {
        const text = vcardOf(contact);
        expect(text.endsWith('\r\n')).toBe(true);
        const lines = text.slice(0, -2).split('\r\n');
        for (const line of lines) {
          expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
          expect(line).not.toMatch(/[\r\n\uFFFD]/);
        }
        expect(lines[0]).toBe('BEGIN:VCARD');
        expect(lines[1]).toBe('VERSION:4.0');
        expect(lines.at(-1)).toBe('END:VCARD');
      }),
      { numRuns: 200 },
    );
  });
});

describe('vCard writing', () => {
  it('escapes backslash, comma, semicolon and line breaks', () => {
    expect(escapeText('a\\b,c;d\r\ne\nf')).toBe('a\\\\b\\,c\\;d\\ne\\nf');
  });

  it('folds a long line at 75 octets and continues with a space, keeping multi-byte characters whole', () => {
    const folded = foldLine(`NOTE:${'é'.repeat(60)}`);
    const lines = folded.split('\r\n');
    expect(lines[0]).toBe(`NOTE:${'é'.repeat(35)}`);
    expect(lines[1]).toBe(` ${'é'.repeat(25)}`);
    expect(folded.endsWith('\r\n')).toBe(true);
  });

  it('writes the types Google and Apple read, and our own columns as X-PHONEBOOK properties', () => {
    const contact = Object.fromEntries(CONTACT_FIELDS.map((field) => [field, ''])) as unknown as ContactFields;
    const text = vcardOf({
      ...contact,
      name: 'Ada',
      cellphone: '+44 1',
      workemail: 'a@x',
      type: 'public',
      extension: '12',
      url: 'https://fb.com/ada',
    });
    expect(text).toBe(
      [
        'BEGIN:VCARD',
        'VERSION:4.0',
        'FN:Ada',
        'N:;;;;',
        'TEL;VALUE=text;TYPE=cell:+44 1',
        'EMAIL;TYPE=work:a@x',
        'URL;X-PHONEBOOK-FIELD=url:https://fb.com/ada',
        'X-PHONEBOOK-TYPE:public',
        'X-PHONEBOOK-EXTENSION:12',
        'END:VCARD',
        '',
      ].join('\r\n'),
    );
  });
});

describe('reading arbitrary vCard-like input', () => {
  const lineArbitrary = fc.oneof(
    fc.constantFrom(
      'BEGIN:VCARD',
      'END:VCARD',
      'VERSION:2.1',
      'VERSION:4.0',
      'FN:Ann',
      'FN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Zo=C3=AB=',
      'N:Doe;John;;;',
      'TEL;TYPE=cell:1',
      'item1.TEL:2',
      'item1.X-ABLabel:_$!<Work>!$_',
      'PHOTO;ENCODING=b:AAAA',
      'AGENT:',
      ' folded',
      '',
      '=0A',
      'NOTE;CHARSET=nonsense:x',
      'ADR;TYPE=work:;;a\\;b;c',
    ),
    fc.string({ maxLength: 40 }),
  );

  it('never throws, counts every card once, and reads the same however the bytes are chunked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(lineArbitrary, { maxLength: 30 }), fc.constantFrom('\r\n', '\n', '\r'), async (lines, eol) => {
        const bytes = Buffer.from(`BEGIN:VCARD${eol}${lines.join(eol)}`, 'utf8');
        const whole = await importContacts(chunksOf(bytes, bytes.length), { owner: 'o', writer: new MemoryWriter() });
        const bytewise = await importContacts(chunksOf(bytes, 1), { owner: 'o', writer: new MemoryWriter() });
        expect(bytewise).toEqual(whole);
        expect(whole.total_rows).toBe(whole.imported_rows + whole.failed_rows + whole.skipped_rows);
        expect(whole.total_rows).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 200 },
    );
  });
});
