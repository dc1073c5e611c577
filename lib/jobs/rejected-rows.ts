import { stringify } from 'csv-stringify/sync';
import type { FileStore } from '../storage/ports.js';
import { objectKeys } from './job.js';

/**
 * Collects the rows an import rejects and stores them in parts, one per stretch of the file
 * between two checkpoints, named by the row the stretch starts at. A rerun after a crash
 * starts at the last checkpoint and rewrites that same part, so no row is listed twice.
 */
export class RejectedRows {
  private lines: string[] = [];

  constructor(
    private readonly files: FileStore,
    private readonly owner: string,
    private readonly importId: string,
    private segmentStart: number,
  ) {}

  add(row: number, reason: string, cells: readonly string[] | undefined): void {
    this.lines.push(stringify([[String(row), reason, ...(cells ?? [])]], { record_delimiter: 'windows' }));
  }

  /** Stores the rows collected since the last flush; the next stretch starts at `nextRow`. */
  async flush(nextRow: number): Promise<void> {
    if (this.lines.length > 0) {
      await this.files.write(objectKeys.errorsPart(this.owner, this.importId, this.segmentStart), this.lines.join(''), 'text/csv');
      this.lines = [];
    }
    this.segmentStart = nextRow;
  }

  /**
   * Joins the parts into one errors.csv (header `row,error,<the file's columns>`), streaming,
   * then removes the parts. Resolves with the key, or undefined when nothing was rejected.
   */
  static async merge(files: FileStore, owner: string, importId: string, header: readonly string[]): Promise<string | undefined> {
    const parts = (await files.list(objectKeys.errorsParts(owner, importId))).sort((a, b) => a.key.localeCompare(b.key));
    if (parts.length === 0) return undefined;
    const key = objectKeys.errors(owner, importId);
    async function* content(): AsyncIterable<Uint8Array | string> {
      yield stringify([['row', 'error', ...header]], { record_delimiter: 'windows' });
      for (const part of parts) {
        const { body } = await files.read(part.key);
        yield* body;
      }
    }
    await files.write(key, content(), 'text/csv; charset=utf-8');
    await files.remove(parts.map((part) => part.key));
    return key;
  }
}
