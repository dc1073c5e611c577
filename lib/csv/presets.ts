import { CONTACT_FIELDS, type ContactField } from '../contacts/fields.js';

/** Parts a `name` is built from when a file has no full-name column. */
export type NamePart = 'firstname' | 'middlename' | 'lastname';

/** What a source column can become: a contact column, a part of the name, the contact id. */
export type ColumnTarget = ContactField | NamePart | 'id';

/** `null`: a column the preset knows and deliberately leaves out (Outlook's "Title" is Mr./Ms.). */
export type PresetColumns = ReadonlyArray<readonly [header: string, target: ColumnTarget | null]>;

export interface Preset {
  name: string;
  columns: PresetColumns;
}

export const NAME_PARTS: readonly NamePart[] = ['firstname', 'middlename', 'lastname'];

const TARGETS: ReadonlySet<string> = new Set<string>([...CONTACT_FIELDS, ...NAME_PARTS, 'id']);

export function isColumnTarget(value: string): value is ColumnTarget {
  return TARGETS.has(value);
}

/** Our own columns, plus the first/middle/last name columns of `firstname,lastname` files. */
export const NATIVE_COLUMNS: PresetColumns = [
  ...CONTACT_FIELDS.map((field) => [field, field] as const),
  ['id', 'id'],
  ['first_name', 'firstname'],
  ['middlename', 'middlename'],
  ['middle_name', 'middlename'],
  ['last_name', 'lastname'],
];

// Where an export has several e-mail or phone columns, the first (primary) one becomes the
// work column, the second the home one and the third `otheremail`; phones beyond the first of
// their kind go to `workphone2`, `cellphone2` and `otherphone`. Labels inside cells (Google's
// "Phone 1 - Label") are not read.

const OUTLOOK_DESKTOP_EN: PresetColumns = [
  ['Title', null],
  ['First Name', 'firstname'],
  ['Middle Name', 'middlename'],
  ['Last Name', 'lastname'],
  ['Company', 'company'],
  ['Job Title', 'title'],
  ['Business Street', 'workstreet'],
  ['Business City', 'workcity'],
  ['Business State', 'workprovince'],
  ['Business Postal Code', 'workpostalcode'],
  ['Business Country/Region', 'workcountry'],
  ['Business Country', 'workcountry'],
  ['Business Address PO Box', 'workpob'],
  ['Home Street', 'homestreet'],
  ['Home City', 'homecity'],
  ['Home State', 'homeprovince'],
  ['Home Postal Code', 'homepostalcode'],
  ['Home Country/Region', 'homecountry'],
  ['Home Country', 'homecountry'],
  ['Home Address PO Box', 'homepob'],
  ['Business Fax', 'fax'],
  ['Business Phone', 'workphone'],
  ['Home Phone', 'homephone'],
  ['Mobile Phone', 'cellphone'],
  ['Business Phone 2', 'workphone2'],
  ['Mobile Phone 2', 'cellphone2'],
  ['Other Phone', 'otherphone'],
  ['E-mail Address', 'workemail'],
  ['E-mail 2 Address', 'homeemail'],
  ['E-mail 3 Address', 'otheremail'],
  ['Profession', 'job'],
  ['Notes', 'notes'],
  ['Web Page', 'url'],
];

const OUTLOOK_DESKTOP_DE: PresetColumns = [
  ['Anrede', null],
  ['Vorname', 'firstname'],
  ['Weitere Vornamen', 'middlename'],
  ['Nachname', 'lastname'],
  ['Firma', 'company'],
  ['Position', 'title'],
  ['Straße geschäftlich', 'workstreet'],
  ['Ort geschäftlich', 'workcity'],
  ['Region geschäftlich', 'workprovince'],
  ['Postleitzahl geschäftlich', 'workpostalcode'],
  ['Land/Region geschäftlich', 'workcountry'],
  ['Postfach geschäftlich', 'workpob'],
  ['Straße privat', 'homestreet'],
  ['Ort privat', 'homecity'],
  ['Bundesland/Kanton privat', 'homeprovince'],
  ['Postleitzahl privat', 'homepostalcode'],
  ['Land/Region privat', 'homecountry'],
  ['Postfach privat', 'homepob'],
  ['Fax geschäftlich', 'fax'],
  ['Telefon geschäftlich', 'workphone'],
  ['Telefon privat', 'homephone'],
  ['Mobiltelefon', 'cellphone'],
  ['Telefon geschäftlich 2', 'workphone2'],
  ['Mobiltelefon 2', 'cellphone2'],
  ['Weiteres Telefon', 'otherphone'],
  ['E-Mail-Adresse', 'workemail'],
  ['E-Mail 2: Adresse', 'homeemail'],
  ['E-Mail 3: Adresse', 'otheremail'],
  ['Beruf', 'job'],
  ['Notizen', 'notes'],
  ['Webseite', 'url'],
];

/** Windows Live Mail (German) writes one `Name` column and parenthesised home/work columns. */
const WINDOWS_LIVE_MAIL_DE: PresetColumns = [
  ['Name', 'name'],
  ['E-Mail-Adresse', 'workemail'],
  ['Straße (privat)', 'homestreet'],
  ['Ort (privat)', 'homecity'],
  ['Postleitzahl (privat)', 'homepostalcode'],
  ['Bundesland (privat)', 'homeprovince'],
  ['Land/Region (privat)', 'homecountry'],
  ['Telefon (privat)', 'homephone'],
  ['Straße (geschäftlich)', 'workstreet'],
  ['Ort (geschäftlich)', 'workcity'],
  ['Postleitzahl (geschäftlich)', 'workpostalcode'],
  ['Bundesland (geschäftlich)', 'workprovince'],
  ['Land/Region (geschäftlich)', 'workcountry'],
  ['Telefon (geschäftlich)', 'workphone'],
  ['Firma', 'company'],
  ['Position', 'title'],
];

const THUNDERBIRD: PresetColumns = [
  ['First Name', 'firstname'],
  ['Last Name', 'lastname'],
  ['Display Name', 'name'],
  ['Primary Email', 'workemail'],
  ['Secondary Email', 'homeemail'],
  ['Work Phone', 'workphone'],
  ['Home Phone', 'homephone'],
  ['Fax Number', 'fax'],
  ['Mobile Number', 'cellphone'],
  ['Home Address', 'homestreet'],
  ['Home City', 'homecity'],
  ['Home State', 'homeprovince'],
  ['Home ZipCode', 'homepostalcode'],
  ['Home Country', 'homecountry'],
  ['Work Address', 'workstreet'],
  ['Work City', 'workcity'],
  ['Work State', 'workprovince'],
  ['Work ZipCode', 'workpostalcode'],
  ['Work Country', 'workcountry'],
  ['Job Title', 'title'],
  ['Organization', 'company'],
  ['Web Page 1', 'url'],
  ['Notes', 'notes'],
];

const GOOGLE_CONTACTS: PresetColumns = [
  ['First Name', 'firstname'],
  ['Middle Name', 'middlename'],
  ['Last Name', 'lastname'],
  ['Organization Name', 'company'],
  ['Organization Title', 'title'],
  ['Notes', 'notes'],
  ['E-mail 1 - Value', 'workemail'],
  ['E-mail 2 - Value', 'homeemail'],
  ['Phone 1 - Value', 'cellphone'],
  ['Phone 2 - Value', 'workphone'],
  ['Address 1 - Street', 'homestreet'],
  ['Phone 3 - Value', 'otherphone'],
  ['E-mail 3 - Value', 'otheremail'],
  ['Address 1 - City', 'homecity'],
  ['Address 1 - PO Box', 'homepob'],
  ['Address 1 - Region', 'homeprovince'],
  ['Address 1 - Postal Code', 'homepostalcode'],
  ['Address 1 - Country', 'homecountry'],
  ['Website 1 - Value', 'url'],
];

const GOOGLE_CONTACTS_LEGACY: PresetColumns = [
  ['Name', 'name'],
  ['Given Name', 'firstname'],
  ['Additional Name', 'middlename'],
  ['Family Name', 'lastname'],
  ['Notes', 'notes'],
  ['E-mail 1 - Value', 'workemail'],
  ['E-mail 2 - Value', 'homeemail'],
  ['Phone 1 - Value', 'cellphone'],
  ['Phone 2 - Value', 'workphone'],
];

export const PRESETS: readonly Preset[] = [
  { name: 'Outlook', columns: OUTLOOK_DESKTOP_EN },
  { name: 'Outlook (German)', columns: OUTLOOK_DESKTOP_DE },
  { name: 'Windows Live Mail (German)', columns: WINDOWS_LIVE_MAIL_DE },
  { name: 'Thunderbird', columns: THUNDERBIRD },
  { name: 'Google Contacts', columns: GOOGLE_CONTACTS },
  { name: 'Google Contacts (legacy)', columns: GOOGLE_CONTACTS_LEGACY },
];

/** Header names compare trimmed and case-insensitively. */
export function headerKey(name: string): string {
  return name.normalize('NFC').trim().toLowerCase();
}

export function columnTable(columns: PresetColumns): Map<string, ColumnTarget | null> {
  return new Map(columns.map(([header, target]) => [headerKey(header), target]));
}

/**
 * The preset that recognises more of the header's columns than our own column names do, if
 * any: a file of our own format (which has `title`, `company`, `notes` too) stays native.
 */
export function detectPreset(keys: readonly string[]): { preset: Preset; table: Map<string, ColumnTarget | null> } | undefined {
  const nativeMatches = countMatches(keys, columnTable(NATIVE_COLUMNS));
  let best: { preset: Preset; table: Map<string, ColumnTarget | null>; matches: number } | undefined;
  for (const preset of PRESETS) {
    const table = columnTable(preset.columns);
    const matches = countMatches(keys, table);
    if (matches > nativeMatches && matches > (best?.matches ?? 1)) best = { preset, table, matches };
  }
  return best;
}

function countMatches(keys: readonly string[], table: Map<string, unknown>): number {
  let matches = 0;
  for (const key of keys) if (table.has(key)) matches++;
  return matches;
}
