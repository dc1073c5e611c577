const INITIAL_CAPACITY = 1 << 12;
/** Grow when the table is this full: linear probing stays short below it. */
const MAX_LOAD = 0.7;
const HEX_KEY = /^[0-9a-f]{16}/i;

/**
 * The row each contact id was first seen at, for in-file de-duplication, in 12 bytes an id
 * (about 17 MB for a million ids with the table's slack) where a Map of id strings takes over
 * 100: the import's memory must not grow with the file.
 *
 * An id is kept as 64 bits: the first 16 hex digits of a contact id (a SHA-256, so already
 * uniform), or a 64-bit FNV-1a of any other string. Two different ids share 64 bits with
 * probability about n²/2⁶⁵ (3 in a million for 10 million rows); the later row would then be
 * reported as a duplicate of the earlier one. Open addressing with linear probing over typed
 * arrays: no object per entry, nothing for the garbage collector to walk.
 *
 * `get` and `set` keep the Map's meaning, for the subset the pipeline uses.
 */
export class FirstRowIndex {
  private high = new Uint32Array(INITIAL_CAPACITY);
  private low = new Uint32Array(INITIAL_CAPACITY);
  /** 0 marks an empty slot, so rows are stored as given and must be 1 or more. */
  private rows = new Uint32Array(INITIAL_CAPACITY);
  private count = 0;
  private keyHigh = 0;
  private keyLow = 0;

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table (its typed arrays). */
  get byteLength(): number {
    return this.high.byteLength + this.low.byteLength + this.rows.byteLength;
  }

  /** The row `id` was first seen at, or undefined. */
  get(id: string): number | undefined {
    this.keyOf(id);
    const row = this.rows[this.slotOf(this.keyHigh, this.keyLow)] ?? 0;
    return row === 0 ? undefined : row;
  }

  /** Records `row` (a whole number from 1 to 2³²-1) as where `id` was seen; replaces an earlier row. */
  set(id: string, row: number): this {
    if (!Number.isInteger(row) || row < 1 || row > 0xffffffff) throw new RangeError(`row must be from 1 to 2^32-1, got ${row}`);
    this.keyOf(id);
    const slot = this.slotOf(this.keyHigh, this.keyLow);
    if (this.rows[slot] === 0) {
      this.high[slot] = this.keyHigh;
      this.low[slot] = this.keyLow;
      this.count++;
    }
    this.rows[slot] = row;
    if (this.count > this.rows.length * MAX_LOAD) this.grow();
    return this;
  }

  /**
   * The entries whose row is from `fromRow` to `toRow` (both included), as [high, low, row]
   * triples: what a long import keeps between invocations, 12 bytes an id.
   */
  entriesBetween(fromRow: number, toRow: number): Uint32Array {
    const found: number[] = [];
    for (let i = 0; i < this.rows.length; i++) {
      const row = this.rows[i] ?? 0;
      if (row !== 0 && row >= fromRow && row <= toRow) found.push(this.high[i] ?? 0, this.low[i] ?? 0, row);
    }
    return Uint32Array.from(found);
  }

  /** Adds `entriesBetween` triples back; the first row seen wins over a later one. */
  addEntries(entries: Uint32Array): void {
    for (let i = 0; i + 2 < entries.length; i += 3) {
      const high = entries[i] ?? 0;
      const low = entries[i + 1] ?? 0;
      const row = entries[i + 2] ?? 0;
      if (row === 0) continue;
      const slot = this.slotOf(high, low);
      const stored = this.rows[slot] ?? 0;
      if (stored !== 0 && stored <= row) continue;
      if (stored === 0) {
        this.high[slot] = high;
        this.low[slot] = low;
        this.count++;
      }
      this.rows[slot] = row;
      if (this.count > this.rows.length * MAX_LOAD) this.grow();
    }
  }

  /** The 64 bits that stand for `id`, as [high, low] (exposed for tests). */
  static keyOf(id: string): [number, number] {
    const index = new FirstRowIndex();
    index.keyOf(id);
    return [index.keyHigh, index.keyLow];
  }

  /** Sets keyHigh and keyLow to the 64 bits that stand for `id`. */
  private keyOf(id: string): void {
    if (HEX_KEY.test(id)) {
      this.keyHigh = Number.parseInt(id.slice(0, 8), 16) >>> 0;
      this.keyLow = Number.parseInt(id.slice(8, 16), 16) >>> 0;
      return;
    }
    // FNV-1a, 64-bit, over UTF-16 code units, in two 32-bit halves.
    let high = 0xcbf29ce4;
    let low = 0x84222325;
    for (let i = 0; i < id.length; i++) {
      low = (low ^ id.charCodeAt(i)) >>> 0;
      // Multiply by the 64-bit FNV prime 0x100000001b3 = 2^40 + 0x1b3.
      const lowProduct = low * 0x1b3;
      const carry = Math.floor(lowProduct / 0x100000000);
      high = (Math.imul(high, 0x1b3) + Math.imul(low, 0x100) + carry) >>> 0;
      low = lowProduct >>> 0;
    }
    this.keyHigh = high;
    this.keyLow = low;
  }

  /** The slot holding the key, or the empty slot where it belongs. */
  private slotOf(high: number, low: number): number {
    const mask = this.rows.length - 1;
    // The low bits are as random as the key; mixing in the high half guards non-hex keys.
    let slot = (low ^ Math.imul(high, 0x9e3779b1)) & mask;
    while (this.rows[slot] !== 0 && (this.high[slot] !== high || this.low[slot] !== low)) slot = (slot + 1) & mask;
    return slot;
  }

  private grow(): void {
    const { high, low, rows } = this;
    const capacity = rows.length * 2;
    this.high = new Uint32Array(capacity);
    this.low = new Uint32Array(capacity);
    this.rows = new Uint32Array(capacity);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] ?? 0;
      if (row === 0) continue;
      const slot = this.slotOf(high[i] ?? 0, low[i] ?? 0);
      this.high[slot] = high[i] ?? 0;
      this.low[slot] = low[i] ?? 0;
      this.rows[slot] = row;
    }
  }
}
