import { randomBytes } from 'node:crypto';
import type { Contact } from '../contacts/contact.js';
import { CONTACT_FIELDS } from '../contacts/fields.js';
import { newContact } from '../contacts/merge.js';
import type { ContactFields } from '../contacts/fields.js';
import type { ChangeEntry, ChangeRecorder, ContactOrigin, FileStore } from '../storage/ports.js';
import { objectKeys } from './job.js';

/** The line of a change log part: the contact's non-empty fields only, as the table stores them. */
interface ChangeLine {
  op: ChangeEntry['op'];
  id: string;
  before?: Record<string, string>;
  origin?: ContactOrigin;
}

function lineOf(entry: ChangeEntry): string {
  const line: ChangeLine = { op: entry.op, id: entry.id };
  if (entry.op !== 'create') {
    const fields: Record<string, string> = {};
    for (const field of CONTACT_FIELDS) {
      const value = entry.before.contact[field];
      if (value !== '') fields[field] = value;
    }
    line.before = fields;
    if (entry.before.origin) line.origin = entry.before.origin;
  }
  return `${JSON.stringify(line)}\n`;
}

function entryOf(owner: string, text: string): ChangeEntry {
  const line = JSON.parse(text) as ChangeLine;
  if (line.op === 'create') return { op: 'create', id: line.id };
  const contact: Contact = newContact(line.id, owner, (line.before ?? {}) as Partial<ContactFields>);
  return { op: line.op, id: line.id, before: { contact, ...(line.origin ? { origin: line.origin } : {}) } };
}

/** Small parts joined into one by a background compaction. */
const COMPACT_EVERY_PARTS = 100;

/**
 * The change log of one import: what it created, and for what it changed or removed the value
 * before, stored beside the job's files in the upload bucket (never in the contacts table) as
 * numbered part objects, `changes/<run>-<n>.jsonl`, `<run>` sorting by time.
 *
 * Written ahead: `record` resolves once the entries are stored, and the writer sends a batch
 * only then. So whatever an invocation wrote before it died is in the log, and a
 * continuation appends its own parts beside the dead run's. Entries of writes that never
 * happened are harmless: the undo finds the contact as it was and counts it unchanged.
 *
 * Group commit: entries recorded while a part is being written go into the next part, so
 * batches in flight share one PUT and the log never holds more than they do.
 */
export class ChangeLog implements ChangeRecorder {
  private pending: string[] = [];
  private waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private writing = false;
  private nextPart = 0;
  private readonly run: string;
  /** The parts written since the last compaction. */
  private written: string[] = [];
  private compacting: Promise<void> | undefined;

  constructor(
    private readonly files: FileStore,
    readonly owner: string,
    readonly importId: string,
    now = new Date(),
  ) {
    // Milliseconds then randomness: the runs of one import sort in the order they ran.
    this.run = `${now.getTime().toString(36).padStart(9, '0')}-${randomBytes(4).toString('hex')}`;
  }

  /** Stores the entries; resolves when they are durable, rejects when the bucket refused them. */
  record(entries: readonly ChangeEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    for (const entry of entries) this.pending.push(lineOf(entry));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.writeNext();
    });
  }

  /**
   * Joins the parts written so far into one, streaming, then removes them; resolves when no
   * compaction is running. Called where no write is in flight (a checkpoint, the end of a run),
   * and by itself every COMPACT_EVERY_PARTS parts: a 100,000-row job would otherwise leave
   * thousands of small parts (one per group commit), slow to list and read back. A crash
   * between the write and the removal leaves entries twice; undoing an entry a second time
   * finds it undone and changes nothing.
   */
  async compact(): Promise<void> {
    while (this.compacting) await this.compacting;
    this.compacting = this.compactWritten().finally(() => {
      this.compacting = undefined;
    });
    await this.compacting;
  }

  /** Resolves once no compaction is running; starts none. */
  async settled(): Promise<void> {
    while (this.compacting) await this.compacting.catch(() => undefined);
  }

  private async compactWritten(): Promise<void> {
    if (this.written.length < 2) return;
    const parts = this.written;
    this.written = [];
    const files = this.files;
    const key = objectKeys.changesPart(this.owner, this.importId, `${this.run}-${String(this.nextPart++).padStart(6, '0')}`);
    async function* content(): AsyncIterable<Uint8Array | string> {
      for (const part of parts) {
        const { body } = await files.read(part);
        yield* body;
      }
    }
    try {
      await files.write(key, content(), 'application/x-ndjson');
    } catch (error) {
      // The small parts are still whole: they are joined next time.
      this.written = [...parts, ...this.written];
      throw error;
    }
    await files.remove(parts);
  }

  /** Compacts in the background once enough parts piled up; a failure waits for the next call. */
  private compactWhenDue(): void {
    if (this.compacting || this.written.length < COMPACT_EVERY_PARTS) return;
    this.compact().catch(() => undefined);
  }

  private writeNext(): void {
    if (this.writing || this.pending.length === 0) return;
    const lines = this.pending;
    const waiting = this.waiting;
    this.pending = [];
    this.waiting = [];
    this.writing = true;
    const key = objectKeys.changesPart(this.owner, this.importId, `${this.run}-${String(this.nextPart++).padStart(6, '0')}`);
    this.files
      .write(key, lines.join(''), 'application/x-ndjson')
      .then(
        () => {
          this.written.push(key);
          for (const waiter of waiting) waiter.resolve();
        },
        (error: unknown) => {
          for (const waiter of waiting) waiter.reject(error);
        },
      )
      .finally(() => {
        this.writing = false;
        this.writeNext();
        this.compactWhenDue();
      });
  }
}

/** The keys of an import's change log parts, newest first: an undo walks the log backwards. */
export async function changeLogParts(files: FileStore, owner: string, importId: string): Promise<string[]> {
  const parts = await files.list(objectKeys.changesParts(owner, importId));
  return parts.map((part) => part.key).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
}

/** The entries of one part, in the order they were recorded. */
export async function readChangeLogPart(files: FileStore, owner: string, key: string): Promise<ChangeEntry[]> {
  const text = await files.readText(key);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => entryOf(owner, line));
}
