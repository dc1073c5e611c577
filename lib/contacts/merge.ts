import type { Contact } from './contact.js';
import { CONTACT_FIELDS, type ContactFields } from './fields.js';

/**
 * The contact a create makes: the columns given, the others unset (an unset `type` is
 * `private`). The same result as merging into a blank contact, without copying one.
 */
export function newContact(id: string, owner: string, fields: Partial<ContactFields>): Contact {
  // A literal, not a loop: one object shape for every contact, which V8 handles fastest.
  return {
    id,
    owner,
    name: fields.name ?? '',
    workemail: fields.workemail ?? '',
    homeemail: fields.homeemail ?? '',
    workphone: fields.workphone ?? '',
    homephone: fields.homephone ?? '',
    cellphone: fields.cellphone ?? '',
    fax: fields.fax ?? '',
    title: fields.title ?? '',
    company: fields.company ?? '',
    notes: fields.notes ?? '',
    homestreet: fields.homestreet ?? '',
    homepob: fields.homepob ?? '',
    homecity: fields.homecity ?? '',
    homeprovince: fields.homeprovince ?? '',
    homepostalcode: fields.homepostalcode ?? '',
    homecountry: fields.homecountry ?? '',
    workstreet: fields.workstreet ?? '',
    workpob: fields.workpob ?? '',
    workcity: fields.workcity ?? '',
    workprovince: fields.workprovince ?? '',
    workpostalcode: fields.workpostalcode ?? '',
    workcountry: fields.workcountry ?? '',
    url: fields.url ?? '',
    extension: fields.extension ?? '',
    speeddial_num: fields.speeddial_num ?? '',
    type: fields.type || 'private',
    firstname: fields.firstname ?? '',
    lastname: fields.lastname ?? '',
    job: fields.job ?? '',
    facebook: fields.facebook ?? '',
    instagram: fields.instagram ?? '',
    linkedin: fields.linkedin ?? '',
    workphone2: fields.workphone2 ?? '',
    cellphone2: fields.cellphone2 ?? '',
    otherphone: fields.otherphone ?? '',
    otheremail: fields.otheremail ?? '',
  };
}

/**
 * Applies an update: the columns given replace the stored ones (an empty value unsets the
 * column), the columns not given are left as they are. An unset `type` is `private`.
 */
export function mergeContact(stored: Contact, changes: Partial<ContactFields>): Contact {
  // Field by field rather than `{ ...stored, ...changes }`: spreading two 36-field objects is
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
