import type { Contact } from './contact.js';
import { CONTACT_FIELDS, type ContactFields } from './fields.js';

/**
 * The contact a create makes: the columns given, the others unset (an unset `type` is
 * `private`). The same result as merging into a blank contact, without copying one.
 */
export function newContact(id: string, owner: string, f: Partial<ContactFields>): Contact {
  // A literal, not a loop: one object shape for every contact, which V8 handles fastest.
  return {
    id, owner, name: f.name ?? '', workemail: f.workemail ?? '', homeemail: f.homeemail ?? '',
    workphone: f.workphone ?? '', homephone: f.homephone ?? '', cellphone: f.cellphone ?? '', fax: f.fax ?? '',
    title: f.title ?? '', company: f.company ?? '', notes: f.notes ?? '', homestreet: f.homestreet ?? '',
    homepob: f.homepob ?? '', homecity: f.homecity ?? '', homeprovince: f.homeprovince ?? '',
    homepostalcode: f.homepostalcode ?? '', homecountry: f.homecountry ?? '', workstreet: f.workstreet ?? '',
    workpob: f.workpob ?? '', workcity: f.workcity ?? '', workprovince: f.workprovince ?? '',
    workpostalcode: f.workpostalcode ?? '', workcountry: f.workcountry ?? '', url: f.url ?? '',
    extension: f.extension ?? '', speeddial_num: f.speeddial_num ?? '', type: f.type || 'private',
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
