import { describe, expect, it } from 'vitest';
import { completeLinesOf } from '../../lib/import/preview.js';

describe('completeLinesOf (the start of a large file, for a preview)', () => {
  const text = 'name,company\nÁgnes Kovács,Acme\nBob,Beta\nCut her';

  it('cuts UTF-8 after the last line feed, never inside a character', () => {
    const bytes = Buffer.from('name\nÁgnes\nKovác', 'utf8');
    const cut = bytes.subarray(0, bytes.length - 1); // 'ç' cut in two
    expect(completeLinesOf(cut).toString('utf8')).toBe('name\nÁgnes\n');
  });

  const kept = 'name,company\nÁgnes Kovács,Acme\nBob,Beta\n';
  const le = (value: string) => Buffer.from(value, 'utf16le');
  const be = (value: string) => Buffer.from(value, 'utf16le').swap16();
  const bom = Buffer.from([0xff, 0xfe]);

  it.each([
    ['utf-16le with a byte order mark', Buffer.concat([bom, le(text)]), Buffer.concat([bom, le(kept)])],
    ['utf-16le without one', le(text), le(kept)],
    ['utf-16be without one', be(text), be(kept)],
  ])('cuts %s after both bytes of the last line feed', (_name, bytes, expected) => {
    // Cut inside the last, unfinished line's last character.
    expect(completeLinesOf(bytes.subarray(0, bytes.length - 1))).toEqual(expected);
  });
});
