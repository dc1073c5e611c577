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
  recovered?: true;
}

function lineOf(entry: ChangeEntry): string {
  const line: ChangeLine = { op: entry.op, id: entry.id };
  if (entry.op === 'create' && entry.recovered) line.recovered = true;
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
  if (line.op === 'create') return { op: 'create', id: line.id, ...(line.recovered ? { recovered: true as const } : {}) };
  const contact: Contact = newContact(line.id, owner, (line.before ?? {}) as Partial<ContactFields>);
  return { op: line.op, id: line.id, before: { contact, ...(line.origin ? { origin: line.origin } : {}) } };
}

/** Small parts joined into one by a background compaction. */
const COMPACT_EVERY_PARTS = 100;
/** Creations held in memory before they are stored without waiting for a flush (bounds memory). */
const HOLD_AT_MOST = 10_000;

export interface ChangeLogOptions {
  /** When the run started (its parts' names sort by it); now when absent. */
  now?: Date;
  /** A later run of a job: see ChangeRecorder.recovering. */
  recovering?: boolean;
}

/**
 * The change log of one import: what it created, and for what it changed or removed the value
 * before, stored beside the job's files in the upload bucket (never in the contacts table) as
 * numbered part objects, `changes/<run>-<n>.jsonl`, `<run>` sorting by time.
 *
 * Previous values are written ahead: `record` resolves once they are stored, and the writer
 * sends a batch only then, so a value an import overwrote is never lost, whenever it dies.
 * Group commit: entries recorded while a part is being written go into the next part, so
 * batches in flight share one PUT.
 *
 * Creations are not: a created contact carries the import's stamp, which is enough to find it
 * again. They are held here and stored by `flush` (at each checkpoint of a job and at the end
 * of a run; a synchronous import that dies is never recorded, so cannot be undone anyway).
 * Waiting for a PUT before each batch of a first import halved its rate (BENCHMARKS.md). A job
 * run that dies loses the creations since its last checkpoint from the log; the next run
 * imports those rows again from that checkpoint, finds the contacts stamped, and logs them as
 * `recovered` creations in `recovered/<run>-<n>.jsonl`, which the undo applies after every
 * other entry (a recovered contact that was in fact changed is restored by then, and no
 * longer the import's to delete).
 *
 * Entries of writes that never happened are harmless: the undo finds the contact as it was.
 */
export class ChangeLog implements ChangeRecorder {
  private pending: string[] = [];
  private waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private writing = false;
  private created: string[] = [];
  private recovered: string[] = [];
  private flushing: Promise<void> | undefined;
  private flushFailure: unknown;
  private nextPart = 0;
  private readonly run: string;
  readonly recovering: boolean;
  /** The parts written since the last compaction. */
  private written: string[] = [];
  private compacting: Promise<void> | undefined;

  constructor(
    private readonly files: FileStore,
    readonly owner: string,
    readonly importId: string,
    options: ChangeLogOptions = {},
  ) {
    const now = options.now ?? new Date();
    this.recovering = options.recovering ?? false;
    // Milliseconds then randomness: the runs of one import sort in the order they ran.
    this.run = `${now.getTime().toString(36).padStart(9, '0')}-${randomBytes(4).toString('hex')}`;
  }

  /** Resolves when a write of the entries may be sent: once their previous values are stored. */
  record(entries: readonly ChangeEntry[]): Promise<void> {
    let ahead = 0;
    for (const entry of entries) {
      if (entry.op !== 'create') {
        this.pending.push(lineOf(entry));
        ahead++;
      } else (entry.recovered ? this.recovered : this.created).push(lineOf(entry));
    }
    if (this.created.length + this.recovered.length >= HOLD_AT_MOST && !this.flushing) this.startFlush();
    if (ahead === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.writeNext();
    });
  }

  /**
   * Stores the creations held; resolves when every creation recorded so far is stored.
   * Rejects when the bucket refused them (they stay held for the next call).
   */
  async flush(): Promise<void> {
    for (;;) {
      if (this.flushing) {
        await this.flushing;
        continue;
      }
      if (this.flushFailure !== undefined) {
        const failure = this.flushFailure;
        this.flushFailure = undefined;
        throw failure;
      }
      if (this.created.length === 0 && this.recovered.length === 0) return;
      this.startFlush();
    }
  }

  private startFlush(): void {
    const created = this.created;
    const recovered = this.recovered;
    this.created = [];
    this.recovered = [];
    const store = async (lines: string[], key: string, onStored: () => void, putBack: (lines: string[]) => void) => {
      if (lines.length === 0) return;
      try {
        await this.files.write(key, lines.join(''), 'application/x-ndjson');
        onStored();
      } catch (error) {
        putBack(lines);
        this.flushFailure ??= error;
      }
    };
    const part = () => `${this.run}-${String(this.nextPart++).padStart(6, '0')}`;
    const createdKey = objectKeys.changesPart(this.owner, this.importId, part());
    this.flushing = Promise.all([
      store(
        created,
        createdKey,
        () => this.written.push(createdKey),
        (lines) => this.created.unshift(...lines),
      ),
      store(
        recovered,
        objectKeys.recoveredPart(this.owner, this.importId, part()),
        () => undefined,
        (lines) => this.recovered.unshift(...lines),
      ),
    ]).then(() => {
      this.flushing = undefined;
      this.compactWhenDue();
    });
  }

  /**
   * Joins the parts written so far into one, streaming, then removes them; resolves when no
   * compaction is running. Called where no write is in flight (the end of a run), and by
   * itself every COMPACT_EVERY_PARTS parts: a 100,000-row job would otherwise leave
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

const newestFirst = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

/**
 * The keys of an import's change log parts in the order an undo applies them: the log
 * backwards, newest part first, then the parts of recovered creations (see ChangeLog).
 */
export async function changeLogParts(files: FileStore, owner: string, importId: string): Promise<string[]> {
  const [parts, recovered] = await Promise.all([
    files.list(objectKeys.changesParts(owner, importId)),
    files.list(objectKeys.recoveredParts(owner, importId)),
  ]);
  return [...parts.map((part) => part.key).sort(newestFirst), ...recovered.map((part) => part.key).sort(newestFirst)];
}

/** The entries of one part, in the order they were recorded. */
export async function readChangeLogPart(files: FileStore, owner: string, key: string): Promise<ChangeEntry[]> {
  const text = await files.readText(key);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => entryOf(owner, line));
}
