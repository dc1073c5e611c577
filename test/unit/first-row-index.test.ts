import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FirstRowIndex } from '../../lib/import/first-row-index.js';

const idOf = (n: number): string => createHash('sha256').update(String(n)).digest('hex').slice(0, 32);

/** FNV-1a 64 over UTF-16 code units, with BigInt: the reference for the non-hex path. */
function fnv1a64(text: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash;
}

describe('FirstRowIndex', () => {
  it('answers undefined for an id it has not seen', () => {
    const index = new FirstRowIndex();
    index.set(idOf(1), 2);
    expect(index.get(idOf(2))).toBeUndefined();
  });

  it('answers the row an id was first recorded at', () => {
    const index = new FirstRowIndex();
    index.set(idOf(1), 2).set(idOf(2), 3);
    expect([index.get(idOf(1)), index.get(idOf(2)), index.size]).toEqual([2, 3, 2]);
  });

  it('keeps every id as it grows far past its first capacity, in 12 bytes a slot', () => {
    const index = new FirstRowIndex();
    const ids = Array.from({ length: 30_000 }, (_, n) => idOf(n));
    for (const [n, id] of ids.entries()) index.set(id, n + 2);
    const wrong = ids.filter((id, n) => index.get(id) !== n + 2);
    // 30,000 ids at most 70% full: 65,536 slots.
    expect([wrong, index.size, index.get(idOf(30_000)), index.byteLength]).toEqual([[], 30_000, undefined, 65_536 * 12]);
  });

  it('takes ids that are not hex, by their 64-bit FNV-1a', () => {
    const ids = ['john.smith', 'Zoë', '山田', ''];
    const keys = ids.map((id) => FirstRowIndex.keyOf(id));
    expect(keys.map(([high, low]) => (BigInt(high) << 32n) | BigInt(low))).toEqual(ids.map(fnv1a64));
    const index = new FirstRowIndex();
    for (const [i, id] of ids.entries()) index.set(id, i + 1);
    expect(ids.map((id) => index.get(id))).toEqual([1, 2, 3, 4]);
  });

  it('keys a contact id by its first 64 bits', () => {
    expect(FirstRowIndex.keyOf('81ac2277c12dfe1179bf98ca050efba5')).toEqual([0x81ac2277, 0xc12dfe11]);
  });

  it('refuses row 0, which marks an empty slot', () => {
    expect(() => new FirstRowIndex().set(idOf(1), 0)).toThrow(RangeError);
  });
});
