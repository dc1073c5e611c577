import { CONTACT_FIELDS, type ContactField, type ContactFields, FIELD_MAX_LENGTH } from './fields.js';

export type RowValidation =
  | { ok: true; contact: ContactFields }
  | { ok: false; errors: string[] };

/**
 * Validates one row's cells (already mapped to contact columns) and returns either the
 * normalised contact or every problem found, each naming the field. Values are trimmed;
 * lengths are counted in characters (code points), as the reference database counts them.
 */
export function validateContact(cells: Partial<Record<ContactField, string>>): RowValidation {
  const errors: string[] = [];
  if ((cells.name ?? '').trim() === '') errors.push("field 'name' is required");
  const contact = {} as Record<ContactField, string>;
  for (const field of CONTACT_FIELDS) {
    const value = (cells[field] ?? '').trim();
    const max = FIELD_MAX_LENGTH[field];
    // Code points, not UTF-16 units: only counted when the cheap length could exceed the limit.
    if (value.length > max) {
      const length = [...value].length;
      if (length > max) errors.push(`field '${field}' is too long (${length} characters, max ${max})`);
    }
    contact[field] = value;
  }
  const type = contact.type.toLowerCase();
  if (type === '') contact.type = 'private';
  else if (type === 'private' || type === 'public') contact.type = type;
  else errors.push(`invalid type '${contact.type}' (must be 'private' or 'public')`);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, contact: contact as ContactFields };
}
