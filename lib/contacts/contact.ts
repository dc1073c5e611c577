import type { ContactFields } from './fields.js';

/** A stored contact: the CSV columns plus its identity and owner. */
export interface Contact extends ContactFields {
  id: string;
  owner: string;
}
