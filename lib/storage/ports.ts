import type { Contact } from '../contacts/contact.js';

/** Which import wrote a contact, and for scheduled re-imports which source. */
export interface ContactOrigin {
  importId: string;
  sourceId?: string;
}

/** One contact on its way to storage, with the spreadsheet row it came from. */
export interface ContactWrite {
  rowNumber: number;
  contact: Contact;
  origin?: ContactOrigin;
}

/** A row storage gave up on after its retries. */
export interface ContactWriteFailure {
  rowNumber: number;
  reason: string;
}

/** Where the import pipeline puts contacts. */
export interface ContactWriter {
  /** How many contacts one `writeContacts` call takes at most. */
  readonly maxBatchSize: number;
  /**
   * Stores (creates or replaces) the contacts; resolves with the ones that could not be
   * stored after retries. Never rejects for a per-item failure.
   */
  writeContacts(batch: readonly ContactWrite[]): Promise<ContactWriteFailure[]>;
}

export interface ContactPage {
  contacts: Contact[];
  nextCursor: string | null;
}

export interface ContactReader {
  /** The owner's contacts, then other owners' public contacts, a page at a time. */
  listVisibleContacts(owner: string, options: { cursor?: string; limit: number }): Promise<ContactPage>;
}

export interface User {
  username: string;
  createdAt: string;
}

export interface UserRepository {
  findUser(username: string): Promise<User | undefined>;
  /** Creates the user, or keeps the existing record; resolves with whether it was new. */
  registerUser(username: string): Promise<{ user: User; created: boolean }>;
}
