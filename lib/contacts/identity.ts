import { hash } from 'node:crypto';
import type { ContactFields } from './fields.js';

/** Printable ASCII is already in Normalization Form C: no need to ask ICU. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Case, accents-as-typed and runs of white space do not make two contacts different.
 * toLowerCase() is the Unicode default mapping, which is what toLocaleLowerCase('en-US') gives
 * (only Turkish, Azeri and Lithuanian tailor it) at a hundredth of the cost: ids are unchanged,
 * test/unit/identity.test.ts pins them.
 */
function normalise(value: string): string {
  const composed = PRINTABLE_ASCII.test(value) ? value : value.normalize('NFC');
  return composed.toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * The stable identity of a contact within one owner's phonebook: owner + name + company,
 * normalised. Re-importing a file maps every row to the same id, so nothing is duplicated;
 * two rows of one file with the same identity are the same contact.
 * Returns 32 hex characters (128 bits of SHA-256).
 */
export function contactId(owner: string, contact: Pick<ContactFields, 'name' | 'company'>): string {
  // One-shot `hash` rather than createHash().update().digest(): no Hash object a row (~1.5 µs).
  return hash('sha256', `${owner}\u0000${normalise(contact.name)}\u0000${normalise(contact.company)}`, 'hex').slice(0, 32);
}
