import { stringify } from 'csv-stringify/sync';
import type { Contact } from '../contacts/contact.js';
import { CONTACT_FIELDS } from '../contacts/fields.js';
import { neutraliseFormula } from '../csv/formula.js';
import type { ContactReader } from '../storage/ports.js';

/** The import columns plus `id` first, so that an edited export updates in place. */
export const EXPORT_COLUMNS = ['id', ...CONTACT_FIELDS] as const;

/** Contacts read per storage page: a page at a time is all an export holds. */
const EXPORT_PAGE_SIZE = 500;

/** UTF-8 with a byte order mark: Excel on Windows reads the file as UTF-8 only with it. */
const BOM = '\uFEFF';

function toRow(contact: Contact): string[] {
  return EXPORT_COLUMNS.map((column) => neutraliseFormula(column === 'id' ? contact.id : contact[column]));
}

/**
 * `owner`'s own contacts as CSV text, then the contacts others share with `groups` (never
 * others' public ones: README "Group sharing" says why), chunk by chunk (the header, then one
 * chunk per storage page), with cells a spreadsheet would run as a formula neutralised.
 * Importing the result unchanged changes none of the owner's contacts.
 */
export async function* exportContactsCsv(
  reader: ContactReader,
  owner: string,
  groups: readonly string[] = [],
  pageSize = EXPORT_PAGE_SIZE,
): AsyncIterable<string> {
  // csv-stringify quotes a cell holding its own record delimiter (CRLF) but not a lone LF or
  // CR, which every reader would still take as a line break: quote those too.
  const options = { record_delimiter: 'windows', quoted_match: /[\r\n]/ } as const;
  yield BOM + stringify([EXPORT_COLUMNS as unknown as string[]], options);
  let cursor: string | null = null;
  do {
    const page = await reader.listVisibleContacts(owner, { limit: pageSize, groups, includePublic: false, ...(cursor ? { cursor } : {}) });
    if (page.contacts.length > 0) yield stringify(page.contacts.map(toRow), options);
    cursor = page.nextCursor;
  } while (cursor);
}
