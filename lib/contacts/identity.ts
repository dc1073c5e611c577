import { createHash } from 'node:crypto';
import type { ContactFields } from './fields.js';

/**
 * Case, accents-as-typed and runs of white space do not make two contacts different.
 * toLowerCase() is the Unicode default mapping, which is what toLocaleLowerCase('en-US') gives
 * (only Turkish, Azeri and Lithuanian tailor it) at a hundredth of the cost: ids are unchanged,
 * test/unit/identity.test.ts pins them.
 */
function normalise(value: string): string {
  return value.normalize('NFC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * The stable identity of a contact within one owner's phonebook: owner + name + company,
 * normalised. Re-importing a file maps every row to the same id, so nothing is duplicated;
 * two rows of one file with the same identity are the same contact.
 * Returns 32 hex characters (128 bits of SHA-256).
 */
export function contactId(owner: string, contact: Pick<ContactFields, 'name' | 'company'>): string {
  return createHash('sha256')
    .update(`${owner}\u0000${normalise(contact.name)}\u0000${normalise(contact.company)}`)
    .digest('hex')
    .slice(0, 32);
}
