import type { Contact } from '../../lib/contacts/contact.js';
import type { ContactOrigin, ContactStore, ContactWrite, ContactWriteFailure, StoredContact } from '../../lib/storage/ports.js';

/**
 * A ContactStore port that keeps contacts in memory, for unit tests of the pipeline (the
 * DynamoDB adapter is covered by integration tests against the real local server).
 * `failRows` makes chosen rows fail as storage would after its retries.
 */
export class MemoryWriter implements ContactStore {
  readonly writes: ContactWrite[] = [];
  readonly batchSizes: number[] = [];
  /** What is stored, by owner and id: the last write of each contact. */
  readonly stored = new Map<string, Contact>();
  /** The origin of each stored contact's last write, by owner and id. */
  readonly origins = new Map<string, ContactOrigin>();
  /** How many times the pipeline asked for stored contacts. */
  reads = 0;
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    readonly maxBatchSize = 25,
    private readonly failRows: ReadonlySet<number> = new Set(),
    private readonly delayMs = 0,
  ) {}

  async writeContacts(batch: readonly ContactWrite[]): Promise<ContactWriteFailure[]> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.batchSizes.push(batch.length);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.inFlight--;
    const failures: ContactWriteFailure[] = [];
    for (const write of batch) {
      if (this.failRows.has(write.rowNumber)) failures.push({ rowNumber: write.rowNumber, reason: 'storage error: test failure' });
      else {
        this.writes.push(write);
        const key = `${write.contact.owner}#${write.contact.id}`;
        this.stored.set(key, write.contact);
        if (write.origin) this.origins.set(key, write.origin);
        else this.origins.delete(key);
      }
    }
    return failures;
  }

  async readContacts(owner: string, ids: readonly string[]): Promise<Map<string, Contact>> {
    this.reads++;
    const found = new Map<string, Contact>();
    for (const id of ids) {
      const contact = this.stored.get(`${owner}#${id}`);
      if (contact) found.set(id, { ...contact });
    }
    return found;
  }

  async readStoredContacts(owner: string, ids: readonly string[]): Promise<Map<string, StoredContact>> {
    const found = new Map<string, StoredContact>();
    for (const [id, contact] of await this.readContacts(owner, ids)) {
      const origin = this.origins.get(`${owner}#${id}`);
      found.set(id, origin ? { contact, origin } : { contact });
    }
    return found;
  }

  async hasContacts(owner: string): Promise<boolean> {
    for (const contact of this.stored.values()) if (contact.owner === owner) return true;
    return false;
  }

  names(): string[] {
    return this.writes.map((w) => w.contact.name);
  }
}

export async function* chunksOf(text: string | Buffer, chunkSize = Number.POSITIVE_INFINITY): AsyncIterable<Uint8Array> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  if (!Number.isFinite(chunkSize)) {
    yield bytes;
    return;
  }
  for (let offset = 0; offset < bytes.length; offset += chunkSize) yield bytes.subarray(offset, offset + chunkSize);
}
