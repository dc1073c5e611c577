import type { ContactReader } from '../storage/ports.js';
import { vcardOf } from '../vcard/write.js';

/** Contacts read per storage page: a page at a time is all an export holds. */
const EXPORT_PAGE_SIZE = 500;

/**
 * `owner`'s own contacts, then those others share with `groups` (as the CSV export: never others'
 * public ones), as vCard 4.0 text (lib/vcard/write.ts), one chunk per storage page.
 * No byte order mark: RFC 6350 files are UTF-8 without one, and some readers choke on it.
 * Importing the result unchanged changes nothing.
 */
export async function* exportContactsVcard(
  reader: ContactReader,
  owner: string,
  groups: readonly string[] = [],
  pageSize = EXPORT_PAGE_SIZE,
): AsyncIterable<string> {
  let cursor: string | null = null;
  do {
    const page = await reader.listVisibleContacts(owner, { limit: pageSize, groups, includePublic: false, ...(cursor ? { cursor } : {}) });
    if (page.contacts.length > 0) yield page.contacts.map(vcardOf).join('');
    cursor = page.nextCursor;
  } while (cursor);
}
