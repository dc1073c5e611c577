import type { Contact } from './contact.js';
import { CONTACT_FIELDS, type ContactFields } from './fields.js';

/** A contact with every column unset, as a create starts from. */
export function blankContact(id: string, owner: string): Contact {
  // A literal, not a loop: one object shape for every contact, which V8 handles fastest.
  return {
    id, owner, name: '', workemail: '', homeemail: '', workphone: '', homephone: '', cellphone: '', fax: '',
    title: '', company: '', notes: '', homestreet: '', homepob: '', homecity: '', homeprovince: '',
    homepostalcode: '', homecountry: '', workstreet: '', workpob: '', workcity: '', workprovince: '',
    workpostalcode: '', workcountry: '', url: '', extension: '', speeddial_num: '', type: 'private',
  };
}

/**
 * Applies an update: the columns given replace the stored ones (an empty value unsets the
 * column), the columns not given are left as they are. An unset `type` is `private`.
 */
export function mergeContact(stored: Contact, changes: Partial<ContactFields>): Contact {
  // Field by field rather than `{ ...stored, ...changes }`: spreading two 26-field objects is
  // V8's slow path and was the pipeline's largest cost (BENCHMARKS.md).
  const merged = Object.assign({}, stored);
  const target = merged as unknown as Record<string, string>;
  for (const field of CONTACT_FIELDS) {
    const value = changes[field];
    if (value !== undefined) target[field] = value;
  }
  if ((merged.type as string) === '') merged.type = 'private';
  return merged;
}

/** Whether two contacts hold the same values in every column. */
export function sameContact(a: ContactFields, b: ContactFields): boolean {
  return CONTACT_FIELDS.every((field) => a[field] === b[field]);
}
