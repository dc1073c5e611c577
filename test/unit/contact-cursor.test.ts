import { describe, expect, it } from 'vitest';
import { decodeContactCursor, encodeContactCursor } from '../../lib/adapters/contact-cursor.js';

describe('group cursors', () => {
  const SHARDS = 16;

  it('round-trips a group phase position with its share partition key', () => {
    const cursor = { s: 2 * SHARDS + 3, g: 'Sales', k: { pk: 'group#Sales#3', id: 'a'.repeat(32) } };
    expect(decodeContactCursor(encodeContactCursor(cursor), 'bob', SHARDS)).toEqual(cursor);
  });

  it('refuses a group phase without a group, with a key of another partition, or past the last phase', () => {
    const bad = [
      { s: 2 * SHARDS },
      { s: 2 * SHARDS, g: 'public' },
      { s: 2 * SHARDS + 1, g: 'Sales', k: { pk: 'group#Sales#2', id: 'a'.repeat(32) } },
      { s: 2 * SHARDS, g: 'Sales', k: { pk: 'alice#0', id: 'a'.repeat(32) } },
      { s: 2 * SHARDS, g: 'Sales', k: { pk: 'group#Other#0', id: 'a'.repeat(32) } },
      { s: 3 * SHARDS, g: 'Sales' },
      { s: 1, g: 'Sales' },
    ];
    for (const cursor of bad)
      expect(() => decodeContactCursor(encodeContactCursor(cursor as never), 'bob', SHARDS), JSON.stringify(cursor)).toThrow(
        'invalid cursor',
      );
  });
});
