import type { ContactField } from '../contacts/fields.js';
import type { VcardCard } from './cards.js';
import { componentsOf, isPreferred, typesOf, unescapeText, type VcardProperty } from './property.js';

/**
 * A card → our contact columns, plus the names of what found no column (one entry per value),
 * so the report can count what a vCard holds that a phonebook does not.
 *
 * - `FN` → name; without one, name is built from N's given, middle and family names.
 *   `N` → firstname (given) and lastname (family).
 * - `ORG` → company (its first component; departments are counted), `TITLE` → title (the job
 *   title, as the Outlook preset maps `Job Title`), `ROLE` → job, `NOTE` → notes.
 * - `TEL` by type: fax; cell → cellphone, cellphone2; work → workphone, workphone2; home →
 *   homephone; others (voice, main, pager, untyped) → otherphone; a kind that is full spills
 *   into otherphone. `EMAIL`: work → workemail, home → homeemail, other → otheremail,
 *   untyped → the first free of those three. `ADR`: work → work*, home (or untyped) → home*.
 *   Apple's grouped labels (`item1.TEL` with `item1.X-ABLabel:_$!<Mobile>!$_`) count as types.
 * - `URL` → url, or facebook/instagram/linkedin by host; `X-SOCIALPROFILE` and `IMPP` by
 *   type, service or host.
 * - Our own export's `X-PHONEBOOK-TYPE`, `X-PHONEBOOK-EXTENSION`, `X-PHONEBOOK-SPEEDDIAL`,
 *   and an `X-PHONEBOOK-FIELD=<column>` parameter that names the column a value came from
 *   where the type alone would not (a second work phone with no first one), so that an export
 *   re-imports unchanged.
 */
export interface MappedCard {
  fields: Partial<Record<ContactField, string>>;
  /** Property names with no column, once per value (`PHOTO`, `BDAY`, `TEL` past the phone columns). */
  unmapped: string[];
}

/** Not contact data (structure, sync bookkeeping) or consumed with another property: neither mapped nor counted. */
const STRUCTURAL: ReadonlySet<string> = new Set([
  'BEGIN',
  'END',
  'VERSION',
  'PRODID',
  'REV',
  'UID',
  'KIND',
  // Apple's: a group's label, how to show the card, its own id, an address's country code.
  'X-ABLABEL',
  'X-ABSHOWAS',
  'X-ABUID',
  'X-ABADR',
]);

const SOCIAL_FIELDS = ['facebook', 'instagram', 'linkedin'] as const;
type SocialField = (typeof SOCIAL_FIELDS)[number];

const SOCIAL_HOSTS: ReadonlyArray<readonly [SocialField, RegExp]> = [
  ['facebook', /(^|\.)(facebook\.com|fb\.com|fb\.me)$/i],
  ['instagram', /(^|\.)(instagram\.com|instagr\.am)$/i],
  ['linkedin', /(^|\.)(linkedin\.com|lnkd\.in)$/i],
];

const PHONE_FIELDS: ReadonlySet<string> = new Set(['workphone', 'workphone2', 'homephone', 'cellphone', 'cellphone2', 'fax', 'otherphone']);
const EMAIL_FIELDS: ReadonlySet<string> = new Set(['workemail', 'homeemail', 'otheremail']);
const URL_FIELDS: ReadonlySet<string> = new Set(['url', ...SOCIAL_FIELDS]);

/** Apple's label `_$!<Mobile>!$_` (or a custom one, `Büro`) as lower-case words. */
function labelWordsOf(label: string): string[] {
  return label
    .replace(/^_\$!<|>!\$_$/g, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

/** The social network a link's host belongs to, if any (the export marks such a `url` so that it comes back as `url`). */
export function socialOfHost(value: string): SocialField | undefined {
  let host: string;
  try {
    host = new URL(/^[a-z][a-z0-9+.-]*:/i.test(value) ? value : `https://${value}`).hostname;
  } catch {
    return undefined;
  }
  return SOCIAL_HOSTS.find(([, pattern]) => pattern.test(host))?.[0];
}

function socialOfWords(words: Iterable<string>): SocialField | undefined {
  for (const word of words) if ((SOCIAL_FIELDS as readonly string[]).includes(word)) return word as SocialField;
  return undefined;
}

/** The columns a phone of these types may go to, in order. */
function phoneColumnsOf(kinds: ReadonlySet<string>): ContactField[] {
  if (kinds.has('fax') || kinds.has('workfax') || kinds.has('homefax')) return ['fax'];
  if (kinds.has('cell') || kinds.has('mobile') || kinds.has('iphone') || kinds.has('cellular'))
    return ['cellphone', 'cellphone2', 'otherphone'];
  if (kinds.has('work')) return ['workphone', 'workphone2', 'otherphone'];
  if (kinds.has('home')) return ['homephone', 'otherphone'];
  return ['otherphone'];
}

/** The columns an e-mail address of these types may go to, in order. */
function emailColumnsOf(kinds: ReadonlySet<string>): ContactField[] {
  if (kinds.has('work')) return ['workemail', 'otheremail'];
  if (kinds.has('home')) return ['homeemail', 'otheremail'];
  if (kinds.has('other')) return ['otheremail'];
  return ['workemail', 'homeemail', 'otheremail'];
}

class CardMapper {
  readonly fields: Partial<Record<ContactField, string>> = {};
  readonly unmapped: string[] = [];
  private readonly labels = new Map<string, string[]>();

  constructor(private readonly card: VcardCard) {
    for (const property of card.properties) {
      if (property.name === 'X-ABLABEL' && property.group !== undefined) {
        this.labels.set(property.group, labelWordsOf(this.text(property)));
      }
    }
  }

  text(property: VcardProperty): string {
    return unescapeText(property.value, this.card.version).trim();
  }

  /** TYPE values and the words of the property's group label. */
  kindsOf(property: VcardProperty): Set<string> {
    const kinds = typesOf(property);
    for (const word of property.group ? (this.labels.get(property.group) ?? []) : []) kinds.add(word);
    return kinds;
  }

  /** Sets the first free field of `candidates`; counts the value as unmapped when all are taken. */
  place(property: VcardProperty, value: string, candidates: readonly ContactField[], allowed: ReadonlySet<string>): void {
    if (value === '') return;
    const named = property.params.get('X-PHONEBOOK-FIELD')?.[0]?.toLowerCase();
    const order = named !== undefined && allowed.has(named) ? [named as ContactField, ...candidates] : candidates;
    const free = order.find((field) => this.fields[field] === undefined);
    if (free === undefined) this.unmapped.push(property.name);
    else this.fields[free] = value;
  }

  single(property: VcardProperty, field: ContactField, value: string): void {
    if (value === '') return;
    if (this.fields[field] === undefined) this.fields[field] = value;
    else this.unmapped.push(property.name);
  }

  phone(property: VcardProperty): void {
    // vCard 4.0 numbers are `tel:` URIs unless marked VALUE=text.
    const isText = property.params.get('VALUE')?.[0]?.toLowerCase() === 'text';
    const value = isText ? this.text(property) : this.text(property).replace(/^tel:/i, '');
    this.place(property, value, phoneColumnsOf(this.kindsOf(property)), PHONE_FIELDS);
  }

  email(property: VcardProperty): void {
    this.place(property, this.text(property), emailColumnsOf(this.kindsOf(property)), EMAIL_FIELDS);
  }

  address(property: VcardProperty): void {
    const [pob = '', extended = '', street = '', city = '', province = '', postalCode = '', country = ''] = componentsOf(
      property.value,
      this.card.version,
    ).map((part) => part.trim());
    const values = {
      pob,
      // The extended address (suite, building) has no column of its own: it stays with the street.
      street: [street, extended].filter((part) => part !== '').join(', '),
      city,
      province,
      postalcode: postalCode,
      country,
    };
    if (Object.values(values).every((value) => value === '')) return;
    const kinds = this.kindsOf(property);
    const isFree = (prefix: 'home' | 'work') =>
      Object.keys(values).every((part) => this.fields[`${prefix}${part}` as ContactField] === undefined);
    // Typed addresses go to their kind; an untyped one to home, else work.
    const wanted: Array<'home' | 'work'> = kinds.has('work') ? ['work'] : kinds.has('home') ? ['home'] : ['home', 'work'];
    const prefix = wanted.find(isFree);
    if (prefix === undefined) {
      this.unmapped.push(property.name);
      return;
    }
    for (const [part, value] of Object.entries(values)) {
      if (value !== '') this.fields[`${prefix}${part}` as ContactField] = value;
    }
  }

  link(property: VcardProperty): void {
    const value = this.text(property);
    if (value === '') return;
    const kinds = this.kindsOf(property);
    const serviceWords = (property.params.get('X-SERVICE-TYPE') ?? []).flatMap(labelWordsOf);
    const social = socialOfWords([...kinds, ...serviceWords]) ?? socialOfHost(value);
    if (property.name === 'URL') this.place(property, value, social ? [social, 'url'] : ['url'], URL_FIELDS);
    else if (social === undefined) this.unmapped.push(property.name);
    else this.place(property, property.name === 'IMPP' ? value.replace(/^[a-z-]+:/i, '') : value, [social], URL_FIELDS);
  }

  names(fn: string, n: VcardProperty | undefined): void {
    const [family = '', given = '', additional = ''] = n ? componentsOf(n.value, this.card.version).map((part) => part.trim()) : [];
    if (given !== '') this.fields.firstname = given;
    if (family !== '') this.fields.lastname = family;
    const built = [given, additional, family].filter((part) => part !== '').join(' ');
    if (fn !== '' || built !== '') this.fields.name = fn !== '' ? fn : built;
  }

  map(): MappedCard {
    // Preferred values first, so that they get the first column of their kind.
    const ordered = [...this.card.properties.filter(isPreferred), ...this.card.properties.filter((p) => !isPreferred(p))];
    let fn = '';
    let n: VcardProperty | undefined;
    for (const property of ordered) {
      switch (property.name) {
        case 'FN':
          if (fn === '') fn = this.text(property);
          else this.unmapped.push(property.name);
          break;
        case 'N':
          if (n === undefined) n = property;
          else this.unmapped.push(property.name);
          break;
        case 'ORG': {
          const [company = '', ...units] = componentsOf(property.value, this.card.version).map((part) => part.trim());
          this.single(property, 'company', company);
          for (const unit of units) if (unit !== '') this.unmapped.push('ORG');
          break;
        }
        case 'TITLE':
          this.single(property, 'title', this.text(property));
          break;
        case 'ROLE':
          this.single(property, 'job', this.text(property));
          break;
        case 'NOTE': {
          const note = this.text(property);
          if (note !== '') this.fields.notes = this.fields.notes === undefined ? note : `${this.fields.notes}\n${note}`;
          break;
        }
        case 'TEL':
          this.phone(property);
          break;
        case 'EMAIL':
          this.email(property);
          break;
        case 'ADR':
          this.address(property);
          break;
        case 'URL':
        case 'X-SOCIALPROFILE':
        case 'IMPP':
          this.link(property);
          break;
        case 'X-PHONEBOOK-TYPE':
          this.single(property, 'type', this.text(property));
          break;
        case 'X-PHONEBOOK-EXTENSION':
          this.single(property, 'extension', this.text(property));
          break;
        case 'X-PHONEBOOK-SPEEDDIAL':
          this.single(property, 'speeddial_num', this.text(property));
          break;
        default:
          if (!STRUCTURAL.has(property.name)) this.unmapped.push(property.name);
      }
    }
    this.names(fn, n);
    return { fields: this.fields, unmapped: [...this.unmapped, ...this.card.dropped] };
  }
}

/** See MappedCard. Pure: the card's properties in, columns and unmapped names out. */
export function mapCard(card: VcardCard): MappedCard {
  return new CardMapper(card).map();
}
