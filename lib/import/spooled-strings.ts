import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvalidCsvError } from '../errors.js';

/**
 * A workbook's shared strings (its table of distinct texts, which sheet cells refer to by
 * index) kept on disk instead of in memory. A phonebook's texts are nearly all distinct, so
 * the table grows with the file (about 1.2 KB of V8 strings a row when exceljs caches it);
 * here memory holds only a typed array of offsets (4 bytes a string), a write buffer and a
 * cache of about 1 MiB of the file, whatever the workbook's size.
 *
 * The strings are appended, UTF-8, to a temporary file; string i is the bytes between the end
 * of string i-1 and its own end. Writers number shared strings in order of first use, so a
 * sheet read top to bottom asks for them nearly in order, the new ones at the file's
 * "frontier" and the repeated ones (a company, a city) mostly near its start. The cache holds
 * the last CACHED_BLOCKS blocks read (least recently used out), so both stay in memory: a
 * single window (tried first) was emptied by every repeated value and refilled at the next
 * new one, two reads a row. Blocks are small, so that a sheet whose rows were sorted after its
 * texts were written (look-ups at random) costs a read of a few KiB a cell, not a large one.
 *
 * The file calls are synchronous: a cell's text is looked up inside the row's cell loop
 * (`cellText` is a plain function), once per cell, and nearly every look-up is served from
 * the cache; a miss costs one read of BLOCK_BYTES from a local disk (the page cache, as the
 * file was just written), far less than a promise per cell would cost over millions of
 * cells. Writes go out WRITE_BUFFER_BYTES at a time.
 *
 * Written by hand because no kept npm library we know is a disk-backed, append-only string
 * table with offsets in a typed array; the store is small and its tests cover it.
 */

/** File name prefix of the temporary files (then the process id, then a random id). */
export const SPOOLED_STRINGS_PREFIX = 'xlsx-strings-';

const WRITE_BUFFER_BYTES = 64 * 1024;
const BLOCK_BYTES = 16 * 1024;
/** A block is read with this much of the next one, so that a short string across the boundary is served too. */
const BLOCK_TAIL_BYTES = 1024;
const CACHED_BLOCKS = 64;
const FIRST_CAPACITY = 1024;

/**
 * Bounds on what a workbook's shared strings may unpack to, against a zip bomb: a small file
 * whose deflated texts inflate to gigabytes would otherwise fill /tmp (512 MB on Lambda by
 * default, kept by a warm container) or take minutes of CPU.
 * - The shared strings of the phonebooks we tried deflate 3 to 12 times, XML tags included
 *   (names, numbers and e-mails are nearly all distinct, and the table is de-duplicated before
 *   compression); deflate's maximum is about 1,000 times, which is what bombs use. 100 times
 *   the compressed bytes read so far (the sheet before the strings included) is eight times
 *   more than any of those needs and a tenth of a bomb's ratio.
 * - A workbook of little compressed size may still hold some text whatever its ratio: 16 MiB
 *   is harmless on disk and covers small files of long repeated notes.
 * - Whatever the ratio, at most 256 MiB: half of Lambda's default /tmp, the other half left for
 *   the sheet's XML, which exceljs spools there too. 256 MiB of text is over a million
 *   contacts of ordinary length; a larger phonebook imports as CSV, which needs no disk.
 */
export const MAX_TEXT_TO_ZIP_RATIO = 100;
export const TEXT_ALLOWANCE_BYTES = 16 * 1024 * 1024;
export const MAX_SPOOLED_TEXT_BYTES = 256 * 1024 * 1024;

/** The bytes of shared strings a workbook may hold once `compressedBytes` of it are read. */
export function textBudgetOf(compressedBytes: number): number {
  return Math.min(MAX_SPOOLED_TEXT_BYTES, TEXT_ALLOWANCE_BYTES + compressedBytes * MAX_TEXT_TO_ZIP_RATIO);
}

/** The store could not use its temporary file (disk full, /tmp unwritable): our fault, not the file's. */
export class SpoolFailure extends Error {
  constructor(action: string, cause: unknown) {
    super(`the workbook's texts could not be ${action} their temporary file`, { cause });
    this.name = 'SpoolFailure';
  }
}

export interface SpooledStringsOptions {
  /** The most bytes the strings may take, asked at each string (the budget may grow as the zip is read). */
  budgetBytes: () => number;
  /** Where the temporary file goes; os.tmpdir() when absent. */
  directory?: string;
  /** Tests only: smaller buffers, to cross their edges with few strings. */
  writeBufferBytes?: number;
  blockBytes?: number;
  cachedBlocks?: number;
}

export class SpooledStrings {
  /** The temporary file's path; removed by close(). */
  readonly path: string;
  private readonly fd: number;
  private readonly budgetBytes: () => number;
  /** ends[i] is the byte offset where string i ends (it starts where string i-1 ends); 32 bits hold MAX_SPOOLED_TEXT_BYTES. */
  private ends = new Uint32Array(FIRST_CAPACITY);
  private count = 0;
  /** Bytes in the file; the `pending` bytes after them are still in the write buffer. */
  private flushed = 0;
  private pending = 0;
  private writeBuffer: Buffer;
  private readonly blockBytes: number;
  private readonly tailBytes: number;
  private readonly cachedBlocks: number;
  /** Block number → its bytes. */
  private blocks = new Map<number, CachedBlock>();
  private lastBlock: CachedBlock | undefined;
  /** Counts look-ups: a block's `used` is the count at its last use, the lowest one is evicted. */
  private uses = 0;
  private closed = false;

  constructor(options: SpooledStringsOptions) {
    this.budgetBytes = options.budgetBytes;
    this.writeBuffer = Buffer.allocUnsafe(options.writeBufferBytes ?? WRITE_BUFFER_BYTES);
    this.blockBytes = options.blockBytes ?? BLOCK_BYTES;
    this.tailBytes = Math.min(BLOCK_TAIL_BYTES, this.blockBytes);
    this.cachedBlocks = Math.max(1, options.cachedBlocks ?? CACHED_BLOCKS);
    this.path = path.join(options.directory ?? tmpdir(), `${SPOOLED_STRINGS_PREFIX}${process.pid}-${randomUUID()}`);
    try {
      // wx+: created here, never an existing file; 0600: it holds contacts' data.
      this.fd = openSync(this.path, 'wx+', 0o600);
    } catch (error) {
      throw new SpoolFailure('written to', error);
    }
  }

  /** How many strings were added. */
  get size(): number {
    return this.count;
  }

  /** Bytes of text (UTF-8) added. */
  get bytes(): number {
    return this.flushed + this.pending;
  }

  /**
   * Appends the next string (its index is `size` before the call).
   * @throws InvalidCsvError (400) when the strings would exceed the budget; nothing is written then.
   */
  add(text: string): void {
    if (this.closed) throw new Error('the spooled strings are closed');
    const length = Buffer.byteLength(text, 'utf8');
    const end = this.bytes + length;
    const budget = this.budgetBytes();
    if (end > budget) {
      throw new InvalidCsvError(
        `the workbook's texts are too large to read (over ${mebibytes(MAX_SPOOLED_TEXT_BYTES)} MiB, or over ${MAX_TEXT_TO_ZIP_RATIO} times the compressed size read, as in a zip bomb); save the sheet as CSV and upload that`,
        `xlsx shared strings over budget: ${end} bytes of text after ${this.count} strings, budget ${budget}`,
      );
    }
    if (length > this.writeBuffer.length - this.pending) this.flush();
    if (length > this.writeBuffer.length) {
      this.writeAt(Buffer.from(text, 'utf8'), this.flushed);
      this.flushed += length;
    } else {
      this.writeBuffer.write(text, this.pending, 'utf8');
      this.pending += length;
    }
    if (this.count === this.ends.length) {
      const grown = new Uint32Array(this.ends.length * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
    this.ends[this.count++] = end;
  }

  /** String `index`, or undefined when there is no such string. */
  get(index: number): string | undefined {
    if (this.closed) throw new Error('the spooled strings are closed');
    if (!Number.isInteger(index) || index < 0 || index >= this.count) return undefined;
    const start = index === 0 ? 0 : (this.ends[index - 1] as number);
    const end = this.ends[index] as number;
    if (start === end) return '';
    // Still in the write buffer: read from there. (add() never splits a string between the
    // file and the buffer, so a string is either wholly here or wholly in the file.)
    if (start >= this.flushed) return this.writeBuffer.toString('utf8', start - this.flushed, end - this.flushed);
    const block = this.blockOf(Math.floor(start / this.blockBytes), end);
    if (block !== undefined) return block.bytes.toString('utf8', start - block.start, end - block.start);
    // Longer than a block's tail past the boundary (a long note): read on its own, the cache kept.
    const alone = Buffer.allocUnsafe(end - start);
    this.readAt(alone, alone.length, start);
    return alone.toString('utf8');
  }

  /**
   * Block `number` from the cache or the file, when it holds the bytes up to `end`; undefined
   * when they reach past its tail. A block read while strings were still being added holds
   * the file as it was then: asked for a later string, it is read again.
   */
  private blockOf(number: number, end: number): CachedBlock | undefined {
    const start = number * this.blockBytes;
    const reach = start + this.blockBytes + this.tailBytes;
    if (end > reach) return undefined;
    const last = this.lastBlock;
    if (last !== undefined && last.start === start && end <= last.start + last.length) return last;
    let block = this.blocks.get(number);
    if (block === undefined) {
      // The least recently used block makes room, its buffer taken over. A scan of the few
      // cached blocks, on a miss only: a hit then costs one Map look-up, not a reordering.
      let oldest: CachedBlock | undefined;
      if (this.blocks.size >= this.cachedBlocks) {
        for (const cached of this.blocks.values()) {
          if (oldest === undefined || cached.used < oldest.used) oldest = cached;
        }
      }
      if (oldest !== undefined) this.blocks.delete(oldest.start / this.blockBytes);
      block = oldest ?? { start, length: 0, used: 0, bytes: Buffer.allocUnsafe(this.blockBytes + this.tailBytes) };
      block.start = start;
      block.length = 0;
      this.blocks.set(number, block);
    }
    block.used = ++this.uses;
    if (end > block.start + block.length) {
      block.length = Math.min(reach, this.flushed) - start;
      this.readAt(block.bytes, block.length, start);
    }
    this.lastBlock = block;
    return block;
  }

  /** Closes and removes the temporary file; later calls do nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.writeBuffer = Buffer.alloc(0);
    this.blocks = new Map();
    this.lastBlock = undefined;
    this.ends = new Uint32Array(0);
    try {
      closeSync(this.fd);
    } catch {
      // Already closed by the system; the file is removed below all the same.
    }
    try {
      unlinkSync(this.path);
    } catch {
      // Removed already (a cleaner of /tmp): nothing is left.
    }
  }

  private flush(): void {
    if (this.pending === 0) return;
    this.writeAt(this.writeBuffer.subarray(0, this.pending), this.flushed);
    this.flushed += this.pending;
    this.pending = 0;
  }

  private writeAt(bytes: Buffer, position: number): void {
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done, bytes.length - done, position + done);
    } catch (error) {
      throw new SpoolFailure('written to', error);
    }
  }

  private readAt(into: Buffer, length: number, position: number): void {
    let done = 0;
    try {
      while (done < length) {
        const read = readSync(this.fd, into, done, length - done, position + done);
        if (read === 0) break;
        done += read;
      }
    } catch (error) {
      throw new SpoolFailure('read from', error);
    }
    if (done < length) throw new SpoolFailure('read from', new Error(`the file ended ${length - done} bytes early`));
  }
}

function mebibytes(bytes: number): number {
  return Math.round(bytes / (1024 * 1024));
}

interface CachedBlock {
  /** Offset of the block's first byte in the file. */
  start: number;
  /** Bytes of the file it holds. */
  length: number;
  /** SpooledStrings.uses when it was last used. */
  used: number;
  bytes: Buffer;
}
