import { CONTACT_TYPE_FORMS, parseContactType } from './contact-type.js';
import { CONTACT_FIELDS, type ContactField, type ContactFields, FIELD_MAX_LENGTH } from './fields.js';

export type RowValidation = { ok: true; contact: ContactFields } | { ok: false; errors: string[] };

export type PartialValidation = { ok: true; fields: Partial<ContactFields> } | { ok: false; errors: string[] };

/** One trimmed value checked against its column's rules; pushes what is wrong to `errors`. */
function checkField(field: ContactField, raw: string, errors: string[]): string {
  const value = raw.trim();
  const max = FIELD_MAX_LENGTH[field];
  // Code points, not UTF-16 units: only counted when the cheap length could exceed the limit.
  if (value.length > max) {
    const length = [...value].length;
    if (length > max) errors.push(`field '${field}' is too long (${length} characters, max ${max})`);
  }
  if (field === 'type') {
    const type = parseContactType(value);
    if (type !== undefined) return type;
    errors.push(`invalid type '${value}' (must be ${CONTACT_TYPE_FORMS})`);
  }
  return value;
}

/**
 * Validates one row's cells (already mapped to contact columns) and returns either the
 * normalised contact or every problem found, each naming the field. Values are trimmed;
 * lengths are counted in characters (code points), as the reference database counts them.
 */
export function validateContact(cells: Partial<Record<ContactField, string>>): RowValidation {
  const errors: string[] = [];
  if ((cells.name ?? '').trim() === '') errors.push("field 'name' is required");
  const contact = {} as Record<ContactField, string>;
  for (const field of CONTACT_FIELDS) contact[field] = checkField(field, cells[field] ?? '', errors);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, contact: contact as ContactFields };
}

/**
 * Validates only the columns given (an update leaves the others as stored): the same
 * per-field rules as `validateContact`, without requiring `name`, which the merged contact
 * is checked for.
 */
export function validateFields(cells: Partial<Record<ContactField, string>>): PartialValidation {
  const errors: string[] = [];
  const fields: Partial<Record<ContactField, string>> = {};
  for (const field of CONTACT_FIELDS) {
    const value = cells[field];
    if (value !== undefined) fields[field] = checkField(field, value, errors);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, fields: fields as Partial<ContactFields> };
}
