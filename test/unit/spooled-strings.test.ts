import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidCsvError } from '../../lib/errors.js';
import {
  MAX_SPOOLED_TEXT_BYTES,
  MAX_TEXT_TO_ZIP_RATIO,
  SpooledStrings,
  TEXT_ALLOWANCE_BYTES,
  textBudgetOf,
} from '../../lib/import/spooled-strings.js';

// Each test's files in a directory of this file's own, so that what is left behind is seen.
const directory = mkdtempSync(path.join(tmpdir(), 'spooled-strings-test-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const unlimited = () => Number.MAX_SAFE_INTEGER;

/** A store with small buffers, so that a few hundred strings cross the write buffer, the blocks and the cache size many times. */
function smallStore(budgetBytes = unlimited): SpooledStrings {
  return new SpooledStrings({ budgetBytes, directory, writeBufferBytes: 64, blockBytes: 128, cachedBlocks: 3 });
}

/** Texts of a phonebook's kinds: non-ASCII names, empty cells, long notes (longer than the window). */
function sampleTexts(count: number): string[] {
  const kinds = [
    (i: number) => `Łukasz Żółć ${i}`,
    () => '',
    (i: number) => `Дмитрий Иванов ${i}`,
    (i: number) => `+49 30 ${1_000_000 + i}`,
    (i: number) => `山田太郎 ${i} 😀`,
    (i: number) => `note ${i}: ${'é'.repeat(i % 200)}`,
    (i: number) => `p${i}@example.com`,
  ];
  return Array.from({ length: count }, (_, i) => (kinds[i % kinds.length] as (i: number) => string)(i));
}

describe('spooled strings', () => {
  it('give back every string added, in order, non-ASCII and empty ones included', () => {
    const texts = sampleTexts(2000);
    const store = smallStore();
    try {
      for (const text of texts) store.add(text);
      expect(store.size).toBe(texts.length);
      expect(store.bytes).toBe(texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0));
      expect(texts.map((_, index) => store.get(index))).toEqual(texts);
    } finally {
      store.close();
    }
  });

  it('give back any string in any order of look-ups, also while strings are still being added', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { minLength: 1, maxLength: 150 }),
        fc.array(fc.nat(), { maxLength: 300 }),
        (texts, picks) => {
          const store = smallStore();
          try {
            // Half added, looked up at random (some still in the write buffer), then the rest.
            const half = Math.ceil(texts.length / 2);
            for (const text of texts.slice(0, half)) store.add(text);
            for (const pick of picks) expect(store.get(pick % half)).toBe(texts[pick % half]);
            for (const text of texts.slice(half)) store.add(text);
            for (const pick of picks) expect(store.get(pick % texts.length)).toBe(texts[pick % texts.length]);
          } finally {
            store.close();
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('answer undefined for an index they have no string for', () => {
    const store = smallStore();
    try {
      store.add('a');
      expect([store.get(1), store.get(-1), store.get(0.5), store.get(Number.NaN)]).toEqual([undefined, undefined, undefined, undefined]);
    } finally {
      store.close();
    }
  });

  it('keep their texts in a temporary file that close() removes, and are unusable after it', () => {
    const store = smallStore();
    for (const text of sampleTexts(500)) store.add(text);
    expect(path.dirname(store.path)).toBe(directory);
    expect(existsSync(store.path)).toBe(true);
    store.close();
    expect(existsSync(store.path)).toBe(false);
    expect(() => store.get(0)).toThrow(/closed/);
    expect(() => store.add('x')).toThrow(/closed/);
    store.close();
    expect(readdirSync(directory)).toEqual([]);
  });

  it('refuse a string past their budget with a 400 that says to save as CSV, writing nothing of it', () => {
    const store = smallStore(() => 100);
    try {
      store.add('x'.repeat(60));
      const error = (() => {
        try {
          store.add('y'.repeat(41));
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(InvalidCsvError);
      expect((error as InvalidCsvError).status).toBe(400);
      expect(String((error as InvalidCsvError).body.error)).toMatch(/too large to read .*zip bomb.*save the sheet as CSV/);
      expect(store.size).toBe(1);
      expect(store.bytes).toBe(60);
      store.add('z'.repeat(40));
      expect(store.get(1)).toBe('z'.repeat(40));
    } finally {
      store.close();
    }
  });
});

describe('the budget of a workbook’s texts', () => {
  it('is an allowance plus a ratio of the compressed bytes read, never above the cap', () => {
    expect(textBudgetOf(0)).toBe(TEXT_ALLOWANCE_BYTES);
    expect(textBudgetOf(1_000_000)).toBe(TEXT_ALLOWANCE_BYTES + MAX_TEXT_TO_ZIP_RATIO * 1_000_000);
    expect(textBudgetOf(1024 ** 3)).toBe(MAX_SPOOLED_TEXT_BYTES);
  });
});
