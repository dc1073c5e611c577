import type { OwnContactReader } from '../storage/ports.js';
import { vcardOf } from '../vcard/write.js';

/** Contacts read per storage page: a page at a time is all an export holds. */
const EXPORT_PAGE_SIZE = 500;

/**
 * `owner`'s own contacts as vCard 4.0 text (lib/vcard/write.ts), one chunk per storage page.
 * No byte order mark: RFC 6350 files are UTF-8 without one, and some readers choke on it.
 * Importing the result unchanged changes nothing.
 */
export async function* exportContactsVcard(reader: OwnContactReader, owner: string, pageSize = EXPORT_PAGE_SIZE): AsyncIterable<string> {
  let cursor: string | null = null;
  do {
    const page = await reader.listOwnContacts(owner, { limit: pageSize, ...(cursor ? { cursor } : {}) });
    if (page.contacts.length > 0) yield page.contacts.map(vcardOf).join('');
    cursor = page.nextCursor;
  } while (cursor);
}
