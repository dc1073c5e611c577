import type { SeenContacts } from '../import/pipeline.js';
import type { FileStore } from '../storage/ports.js';
import { objectKeys } from './job.js';

/**
 * The contacts a long import has met, kept in the job's folder of the upload bucket so that a
 * continuation still reports a repeat of a row an earlier invocation handled as a duplicate.
 * One part per stretch between two checkpoints, named by its first row, 12 bytes a contact:
 * a million-row file is 12 MB, which would not fit the 400 KB of the job's DynamoDB item.
 * A rerun after a crash rewrites the part of its stretch; the pipeline ignores entries at or
 * after the checkpoint it resumes from, so a part left by a run that died counts for nothing.
 */
export class SeenContactParts {
  constructor(
    private readonly files: FileStore,
    private readonly owner: string,
    private readonly importId: string,
  ) {}

  /** Stores one stretch's contacts; also when it met none, so that a part a dead run left for it is replaced. */
  async save(seen: SeenContacts): Promise<void> {
    await this.files.write(objectKeys.seenPart(this.owner, this.importId, seen.fromRow), encode(seen.entries), 'application/octet-stream');
  }

  /** Every stored stretch, for `seenBefore` of the next run. */
  async load(): Promise<SeenContacts[]> {
    const parts = await this.files.list(objectKeys.seenParts(this.owner, this.importId));
    const loaded: SeenContacts[] = [];
    for (const part of parts) {
      const fromRow = Number(/(\d+)\.bin$/.exec(part.key)?.[1] ?? Number.NaN);
      if (!Number.isInteger(fromRow)) continue;
      const { body } = await this.files.read(part.key);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(Buffer.from(chunk));
      loaded.push({ fromRow, entries: decode(Buffer.concat(chunks)) });
    }
    return loaded;
  }

  /** Removes the parts once the job has ended. */
  async remove(): Promise<void> {
    const parts = await this.files.list(objectKeys.seenParts(this.owner, this.importId));
    if (parts.length > 0) await this.files.remove(parts.map((part) => part.key));
  }
}

// Little-endian whatever the platform's byte order, so a part reads back anywhere.
function encode(entries: Uint32Array): Buffer {
  const bytes = Buffer.alloc(entries.length * 4);
  for (let i = 0; i < entries.length; i++) bytes.writeUInt32LE(entries[i] ?? 0, i * 4);
  return bytes;
}

function decode(bytes: Buffer): Uint32Array {
  const entries = new Uint32Array(Math.floor(bytes.length / 4));
  for (let i = 0; i < entries.length; i++) entries[i] = bytes.readUInt32LE(i * 4);
  return entries;
}
