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

/**
 * Storage an upsert needs: what is stored for a batch of ids, and writes. Reading first lets
 * the core tell created from updated from unchanged, and skip writing unchanged contacts.
 */
export interface ContactStore extends ContactWriter {
  /**
   * The owner's stored contacts among `ids` (any number; read in batches, retried). An id of
   * another owner is simply not found. Rejects when storage stays unavailable.
   */
  readContacts(owner: string, ids: readonly string[]): Promise<Map<string, Contact>>;
  /**
   * Whether the owner has any contact stored. An import into an empty phonebook need not
   * read anything back: every contact it meets is new.
   */
  hasContacts(owner: string): Promise<boolean>;
}

export interface ContactPage {
  contacts: Contact[];
  nextCursor: string | null;
}

export interface ContactReader {
  /** The owner's contacts, then other owners' public contacts, a page at a time. */
  listVisibleContacts(owner: string, options: { cursor?: string; limit: number }): Promise<ContactPage>;
}

export interface OwnContactReader {
  /** Only the owner's own contacts (no one else's public ones), a page at a time. */
  listOwnContacts(owner: string, options: { cursor?: string; limit: number }): Promise<ContactPage>;
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
