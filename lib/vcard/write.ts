import type { ContactFields } from '../contacts/fields.js';
import { socialOfHost } from './map-card.js';

/**
 * A contact → one vCard 4.0 (RFC 6350): UTF-8, CRLF line ends, lines folded at 75 octets
 * (never inside a UTF-8 character), `\` `,` `;` and line breaks escaped. Every column has a
 * property that mapCard reads back into the same column, so an export re-imports unchanged;
 * the columns vCard has no property for (`type` other than private, `extension`,
 * `speeddial_num`) travel as `X-PHONEBOOK-*` properties, which other programs ignore.
 */

const MAX_LINE_OCTETS = 75;

/** Escapes a text value (RFC 6350 3.4). Line breaks of any kind become `\n`. */
export function escapeText(value: string): string {
  return value.replace(/[\\,;]/g, (char) => `\\${char}`).replace(/\r\n|\r|\n/g, '\\n');
}

/** Folds a content line: at most 75 octets per line, continuation lines starting with a space. */
export function foldLine(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= MAX_LINE_OCTETS) return `${line}\r\n`;
  const pieces: string[] = [];
  let start = 0;
  let limit = MAX_LINE_OCTETS;
  while (start < bytes.length) {
    let end = Math.min(start + limit, bytes.length);
    // Back off to the start of a UTF-8 character (continuation bytes are 10xxxxxx).
    while (end < bytes.length && end > start && ((bytes[end] as number) & 0xc0) === 0x80) end--;
    pieces.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
    limit = MAX_LINE_OCTETS - 1; // the leading space of a continuation line counts
  }
  return `${pieces.join('\r\n ')}\r\n`;
}

type Line = readonly [name: string, value: string];

function addressLine(contact: ContactFields, kind: 'home' | 'work'): Line | undefined {
  const parts = [
    contact[`${kind}pob`],
    '',
    contact[`${kind}street`],
    contact[`${kind}city`],
    contact[`${kind}province`],
    contact[`${kind}postalcode`],
    contact[`${kind}country`],
  ];
  if (parts.every((part) => part === '')) return undefined;
  return [`ADR;TYPE=${kind}`, parts.map(escapeText).join(';')];
}

/** The vCard text of one contact (BEGIN:VCARD to END:VCARD, CRLF after each line). */
export function vcardOf(contact: ContactFields): string {
  const lines: Line[] = [['VERSION', '4.0']];
  const text = (name: string, value: string) => {
    if (value !== '') lines.push([name, escapeText(value)]);
  };
  text('FN', contact.name);
  lines.push(['N', [contact.lastname, contact.firstname, '', '', ''].map(escapeText).join(';')]);
  text('ORG', contact.company);
  text('TITLE', contact.title);
  text('ROLE', contact.job);
  // TEL values are text, not tel: URIs: numbers as people type them (`+49 (0)30 123`) are not valid URIs.
  text('TEL;VALUE=text;TYPE=work,voice', contact.workphone);
  text('TEL;VALUE=text;TYPE=work,voice;X-PHONEBOOK-FIELD=workphone2', contact.workphone2);
  text('TEL;VALUE=text;TYPE=cell', contact.cellphone);
  text('TEL;VALUE=text;TYPE=cell;X-PHONEBOOK-FIELD=cellphone2', contact.cellphone2);
  text('TEL;VALUE=text;TYPE=home,voice', contact.homephone);
  text('TEL;VALUE=text;TYPE=fax', contact.fax);
  text('TEL;VALUE=text;TYPE=voice', contact.otherphone);
  text('EMAIL;TYPE=work', contact.workemail);
  text('EMAIL;TYPE=home', contact.homeemail);
  text('EMAIL;TYPE=other', contact.otheremail);
  for (const kind of ['work', 'home'] as const) {
    const address = addressLine(contact, kind);
    if (address) lines.push(address);
  }
  // A link mapCard would take for a social profile is marked as the `url` column's.
  text(socialOfHost(contact.url) ? 'URL;X-PHONEBOOK-FIELD=url' : 'URL', contact.url);
  text('X-SOCIALPROFILE;TYPE=facebook', contact.facebook);
  text('X-SOCIALPROFILE;TYPE=instagram', contact.instagram);
  text('X-SOCIALPROFILE;TYPE=linkedin', contact.linkedin);
  text('NOTE', contact.notes);
  if (contact.type !== 'private') text('X-PHONEBOOK-TYPE', contact.type);
  text('X-PHONEBOOK-EXTENSION', contact.extension);
  text('X-PHONEBOOK-SPEEDDIAL', contact.speeddial_num);
  return `BEGIN:VCARD\r\n${lines.map(([name, value]) => foldLine(`${name}:${value}`)).join('')}END:VCARD\r\n`;
}
