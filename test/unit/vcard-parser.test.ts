import { describe, expect, it } from 'vitest';
import { cardsOf, type VcardCard } from '../../lib/vcard/cards.js';
import { contentLinesOf } from '../../lib/vcard/content-lines.js';
import { countVcards } from '../../lib/vcard/count.js';
import { mapCard } from '../../lib/vcard/map-card.js';
import { componentsOf, parseProperty, typesOf, unescapeText } from '../../lib/vcard/property.js';
import { chunksOf } from '../support/memory-writer.js';

async function linesOf(text: string | Buffer, chunkSize = 3): Promise<string[]> {
  const lines: string[] = [];
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for await (const line of contentLinesOf(chunksOf(bytes, chunkSize))) lines.push(line.bytes.toString('utf8'));
  return lines;
}

async function cards(text: string | Buffer, chunkSize = 5): Promise<VcardCard[]> {
  const all: VcardCard[] = [];
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for await (const card of cardsOf(chunksOf(bytes, chunkSize))) all.push(card);
  return all;
}

async function fieldsOf(text: string | Buffer) {
  const [card] = await cards(text);
  if (!card) throw new Error('no card');
  return mapCard(card);
}

function property(line: string | Buffer) {
  const parsed = parseProperty(typeof line === 'string' ? Buffer.from(line, 'utf8') : line);
  if (!parsed) throw new Error('not a property');
  return parsed;
}

describe('content lines', () => {
  it('unfolds vCard 3.0/4.0 folds by dropping the one leading space or tab', async () => {
    expect(await linesOf('NOTE:abc\r\n def\r\n\tghi\r\nFN:x\r\n')).toEqual(['NOTE:abcdefghi', 'FN:x']);
  });

  it('joins a quoted-printable soft line break with the next line, which need not start with whitespace', async () => {
    expect(await linesOf('NOTE;ENCODING=QUOTED-PRINTABLE:one=\r\ntwo=\r\n three\r\nFN:x\r\n')).toEqual([
      'NOTE;ENCODING=QUOTED-PRINTABLE:onetwo three',
      'FN:x',
    ]);
  });

  it('reads CRLF, LF and CR line ends alike, also when a CRLF is split between chunks, and drops blank lines', async () => {
    const text = 'A:1\r\nB:2\nC:3\rD:4\r\n\r\n\nE:5';
    for (const size of [1, 2, 3, 7]) expect(await linesOf(text, size)).toEqual(['A:1', 'B:2', 'C:3', 'D:4', 'E:5']);
  });

  it('numbers lines and gives the byte offset after each line, folded ones counted whole', async () => {
    const text = 'BEGIN:VCARD\r\nNOTE:é\r\n x\r\nEND:VCARD\r\n';
    const lines = [];
    for await (const line of contentLinesOf(chunksOf(Buffer.from(text), 4))) lines.push(line);
    expect(lines.map((l) => [l.line, l.offset, l.endOffset, l.nextLine])).toEqual([
      [1, 0, 13, 2],
      [2, 13, 26, 4],
      [4, 26, 37, 5],
    ]);
  });
});

describe('properties', () => {
  it('reads groups, bare vCard 2.1 parameters, lists of types and quoted parameter values', () => {
    expect(property('item1.TEL;type=CELL;type=pref:+1 2')).toMatchObject({ group: 'item1', name: 'TEL', value: '+1 2' });
    expect(property('TEL;WORK;VOICE:1').params.get('TYPE')).toEqual(['WORK', 'VOICE']);
    expect([...typesOf(property('TEL;TYPE="work,voice";PREF=1:tel:+1'))]).toEqual(['work', 'voice']);
    expect(property('ADR;LABEL="a:b; c":;;x').value).toBe(';;x');
  });

  it('decodes quoted-printable in the named charset', () => {
    expect(property('FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen').value).toBe('Jürgen');
    expect(property('FN;ENCODING=QUOTED-PRINTABLE;CHARSET=Windows-1252:J=FCrgen').value).toBe('Jürgen');
    expect(property('NOTE;QUOTED-PRINTABLE:a=0D=0Ab=3D').value).toBe('a\r\nb=');
  });

  it('decodes base64 text values (ENCODING=b and BASE64)', () => {
    const encoded = Buffer.from('Zoë', 'utf8').toString('base64');
    expect(property(`NOTE;ENCODING=b;CHARSET=UTF-8:${encoded}`).value).toBe('Zoë');
    expect(property(`NOTE;ENCODING=BASE64:${encoded}`).value).toBe('Zoë');
  });

  it('decodes raw bytes in the CHARSET named, and reads unnamed non-UTF-8 bytes as Windows-1252', () => {
    const cyrillic = Buffer.concat([Buffer.from('FN;CHARSET=windows-1251:'), Buffer.from([0xc4, 0xec, 0xe8, 0xf2, 0xf0, 0xe8, 0xe9])]);
    expect(property(cyrillic).value).toBe('Дмитрий');
    const koi8 = Buffer.concat([Buffer.from('FN;CHARSET=KOI8-R:'), Buffer.from([0xe4, 0xcd, 0xc9, 0xd4, 0xd2, 0xc9, 0xca])]);
    expect(property(koi8).value).toBe('Дмитрий');
    expect(property(Buffer.concat([Buffer.from('FN:Zo'), Buffer.from([0xeb])])).value).toBe('Zoë');
    expect(property('FN:Zoë').value).toBe('Zoë');
  });

  it('unescapes text by version: 3.0/4.0 all escapes, 2.1 only the semicolon', () => {
    expect(unescapeText('a\\, b\\; c\\\\d\\ne\\Nf', '4.0')).toBe('a, b; c\\d\ne\nf');
    expect(unescapeText('C:\\new\\; x', '2.1')).toBe('C:\\new; x');
    expect(componentsOf('Doe\\;Smith;John;;', '3.0')).toEqual(['Doe;Smith', 'John', '', '']);
  });
});

describe('cards', () => {
  it('splits a file into cards with their first line, the line after them and the offset after END:VCARD', async () => {
    const text = 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\n\r\nbegin:vcard\r\nFN:B\r\nend:vcard\r\n';
    const found = await cards(text);
    expect(found.map((c) => [c.line, c.nextLine, c.endOffset, c.version])).toEqual([
      [1, 5, 43, '3.0'],
      [6, 9, text.length, '3.0'],
    ]);
    expect(text.slice(43)).toBe('\r\nbegin:vcard\r\nFN:B\r\nend:vcard\r\n');
  });

  it('keeps a card that has no END:VCARD, before the next card or at the end of the file', async () => {
    const found = await cards('BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nFN:B\n');
    expect(found.map((c) => mapCard(c).fields.name)).toEqual(['A', 'B']);
  });

  it('counts photos and a nested AGENT card as values without a field, without keeping them', async () => {
    const text = [
      'BEGIN:VCARD',
      'VERSION:2.1',
      'FN:Boss',
      'PHOTO;ENCODING=BASE64;TYPE=JPEG:AAAA',
      '  BBBB',
      '',
      'AGENT:',
      'BEGIN:VCARD',
      'FN:Assistant',
      'END:VCARD',
      'TEL;WORK:1',
      'END:VCARD',
    ].join('\r\n');
    const found = await cards(text);
    expect(found).toHaveLength(1);
    expect(mapCard(found[0] as VcardCard)).toEqual({ fields: { name: 'Boss', workphone: '1' }, unmapped: ['AGENT', 'PHOTO'] });
  });

  it('notes lines outside any card on the next card', async () => {
    const found = await cards('junk\r\nmore junk\r\nBEGIN:VCARD\r\nFN:A\r\nEND:VCARD\r\n');
    expect(found[0]?.linesOutside).toBe(2);
  });

  it('counts BEGIN:VCARD lines for the sync row limit, in any case and after a BOM', () => {
    expect(countVcards(Buffer.from('\uFEFFBEGIN:VCARD\r\nFN:a\r\nEND:VCARD\r\nbegin:vcard\nFN:b\nend:vcard\n'))).toBe(2);
    expect(countVcards(Buffer.from('\uFEFFBEGIN:VCARD\r\nEND:VCARD\r\n', 'utf16le'))).toBe(1);
  });
});

describe('mapping a card to our columns', () => {
  it('takes the name from FN, first and last name from N, and builds the name from N without FN', async () => {
    expect((await fieldsOf('BEGIN:VCARD\nFN:Dr. Ada King\nN:King;Ada;;Dr.;\nEND:VCARD\n')).fields).toEqual({
      name: 'Dr. Ada King',
      firstname: 'Ada',
      lastname: 'King',
    });
    expect((await fieldsOf('BEGIN:VCARD\nN:Lovelace;Ada;Augusta;;\nEND:VCARD\n')).fields.name).toBe('Ada Augusta Lovelace');
  });

  it('places phones by type, preferred first, spilling into the second and other columns, and counts the rest', async () => {
    const mapped = await fieldsOf(
      [
        'BEGIN:VCARD',
        'VERSION:3.0',
        'FN:P',
        'TEL;TYPE=work:w1',
        'TEL;TYPE=work:w2',
        'TEL;TYPE=cell:c1',
        'TEL;TYPE=cell,pref:c0',
        'TEL;TYPE=home:h1',
        'TEL;TYPE=work,fax:f1',
        'TEL;TYPE=work:w3',
        'TEL;TYPE=pager:p1',
        'END:VCARD',
      ].join('\r\n'),
    );
    expect(mapped.fields).toMatchObject({
      workphone: 'w1',
      workphone2: 'w2',
      cellphone: 'c0',
      cellphone2: 'c1',
      homephone: 'h1',
      fax: 'f1',
      otherphone: 'w3',
    });
    expect(mapped.unmapped).toEqual(['TEL']);
  });

  it("reads Apple's grouped labels as types", async () => {
    const mapped = await fieldsOf(
      'BEGIN:VCARD\nFN:A\nitem1.TEL:1\nitem1.X-ABLabel:_$!<Mobile>!$_\nitem2.EMAIL:a@x\nitem2.X-ABLabel:_$!<Home>!$_\nEND:VCARD\n',
    );
    expect(mapped.fields).toMatchObject({ cellphone: '1', homeemail: 'a@x' });
    expect(mapped.unmapped).toEqual([]);
  });

  it('places e-mail addresses: typed ones by type, untyped ones in the first free of work, home and other', async () => {
    const mapped = await fieldsOf('BEGIN:VCARD\nFN:A\nEMAIL;TYPE=home:h@x\nEMAIL:u1@x\nEMAIL:u2@x\nEMAIL:u3@x\nEND:VCARD\n');
    expect(mapped.fields).toMatchObject({ homeemail: 'h@x', workemail: 'u1@x', otheremail: 'u2@x' });
    expect(mapped.unmapped).toEqual(['EMAIL']);
  });

  it('maps addresses by type, untyped to home, with the extended address kept with the street', async () => {
    const mapped = await fieldsOf(
      'BEGIN:VCARD\nFN:A\nADR:PO 1;Suite 5;Main St 1;Town;ST;123;Land\nADR;TYPE=work:;;Work St;;;;\nEND:VCARD\n',
    );
    expect(mapped.fields).toMatchObject({
      homepob: 'PO 1',
      homestreet: 'Main St 1, Suite 5',
      homecity: 'Town',
      homeprovince: 'ST',
      homepostalcode: '123',
      homecountry: 'Land',
      workstreet: 'Work St',
    });
  });

  it('maps social profiles by type, service or host, and other links to url', async () => {
    const mapped = await fieldsOf(
      [
        'BEGIN:VCARD',
        'FN:A',
        'URL:https://example.com',
        'URL:https://www.instagram.com/ada',
        'X-SOCIALPROFILE;TYPE=linkedin:ada-k',
        'IMPP;X-SERVICE-TYPE=Facebook:xmpp:ada.fb',
        'X-SOCIALPROFILE;TYPE=twitter:https://twitter.com/ada',
        'END:VCARD',
      ].join('\n'),
    );
    expect(mapped.fields).toMatchObject({
      url: 'https://example.com',
      instagram: 'https://www.instagram.com/ada',
      linkedin: 'ada-k',
      facebook: 'ada.fb',
    });
    expect(mapped.unmapped).toEqual(['X-SOCIALPROFILE']);
  });

  it('maps ORG, TITLE, ROLE and NOTE, and counts departments and unknown properties', async () => {
    const mapped = await fieldsOf(
      'BEGIN:VCARD\nVERSION:3.0\nFN:A\nORG:Acme;Sales\nTITLE:Boss\nROLE:Pilot\nNOTE:a\\nb\nBDAY:2000-01-01\nEND:VCARD\n',
    );
    expect(mapped.fields).toMatchObject({ company: 'Acme', title: 'Boss', job: 'Pilot', notes: 'a\nb' });
    expect(mapped.unmapped).toEqual(['ORG', 'BDAY']);
  });
});
