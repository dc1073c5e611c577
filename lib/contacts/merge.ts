import type { Contact } from './contact.js';
import { CONTACT_FIELDS, type ContactFields } from './fields.js';

/** A contact with every column unset, as a create starts from. */
export function blankContact(id: string, owner: string): Contact {
  const contact = { id, owner } as Contact;
  for (const field of CONTACT_FIELDS) (contact as unknown as Record<string, string>)[field] = '';
  contact.type = 'private';
  return contact;
}

/**
 * Applies an update: the columns given replace the stored ones (an empty value unsets the
 * column), the columns not given are left as they are. An unset `type` is `private`.
 */
export function mergeContact(stored: Contact, changes: Partial<ContactFields>): Contact {
  const merged = { ...stored, ...changes };
  if ((merged.type as string) === '') merged.type = 'private';
  return merged;
}

/** Whether two contacts hold the same values in every column. */
export function sameContact(a: ContactFields, b: ContactFields): boolean {
  return CONTACT_FIELDS.every((field) => a[field] === b[field]);
}
