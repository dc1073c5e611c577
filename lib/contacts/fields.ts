/**
 * The phonebook columns of the reference API, with the storage limits of the reference
 * database (phones and fax varchar(25), PO boxes varchar(10), notes text, the rest varchar(255)).
 * The columns after `type` came with the reference's newer schema (db/create.sql of
 * nethcti-middleware): `firstname` and `lastname` are stored as given and still build `name`
 * when a row has none.
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
  'firstname',
  'lastname',
  'job',
  'facebook',
  'instagram',
  'linkedin',
  'workphone2',
  'cellphone2',
  'otherphone',
  'otheremail',
] as const;

export type ContactField = (typeof CONTACT_FIELDS)[number];

/**
 * Who sees a contact besides its owner: nobody, everybody, or the members of the groups
 * named, stored as the reference stores them (`group:Sales,Support`).
 */
export type ContactType = 'private' | 'public' | `group:${string}`;

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
        case 'workphone2':
        case 'cellphone2':
        case 'otherphone':
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
