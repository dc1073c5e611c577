/**
 * The phonebook columns of the reference API, with the storage limits of the reference
 * database (phones and fax varchar(25), PO boxes varchar(10), notes text, the rest varchar(255)).
 */
export const CONTACT_FIELDS = [
  'name',
  'workemail',
  'homeemail',
  'workphone',
  'homephone',
  'cellphone',
  'fax',
  'title',
  'company',
  'notes',
  'homestreet',
  'homepob',
  'homecity',
  'homeprovince',
  'homepostalcode',
  'homecountry',
  'workstreet',
  'workpob',
  'workcity',
  'workprovince',
  'workpostalcode',
  'workcountry',
  'url',
  'extension',
  'speeddial_num',
  'type',
] as const;

export type ContactField = (typeof CONTACT_FIELDS)[number];

export type ContactType = 'private' | 'public';

/** A validated contact as the core sees it: every column present, empty string when unset. */
export type ContactFields = Record<Exclude<ContactField, 'type'>, string> & { type: ContactType };

const PHONE_MAX = 25;
const PO_BOX_MAX = 10;
const NOTES_MAX = 65535;
const DEFAULT_MAX = 255;

export const FIELD_MAX_LENGTH: Readonly<Record<ContactField, number>> = Object.freeze(
  Object.fromEntries(
    CONTACT_FIELDS.map((field) => {
      switch (field) {
        case 'workphone':
        case 'homephone':
        case 'cellphone':
        case 'fax':
          return [field, PHONE_MAX];
        case 'homepob':
        case 'workpob':
          return [field, PO_BOX_MAX];
        case 'notes':
          return [field, NOTES_MAX];
        default:
          return [field, DEFAULT_MAX];
      }
    }),
  ) as Record<ContactField, number>,
);

const FIELD_SET: ReadonlySet<string> = new Set(CONTACT_FIELDS);

export function isContactField(value: string): value is ContactField {
  return FIELD_SET.has(value);
}
