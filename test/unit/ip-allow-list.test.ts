import { describe, expect, it } from 'vitest';
import { parseIpAllowList } from '../../lib/auth/ip-allow-list.js';
import { ConfigError } from '../../lib/errors.js';

// ipaddr.js reads IPv4 the way inet_aton does: `010` is octal, `0x7f` hex, `127.1` and a bare
// integer are shorthand. An allow-list is refused rather than read that way.
describe('SUPER_ADMIN_ALLOW_IPS entries that are not four decimal parts', () => {
  it.each([
    '010.0.0.0/8',
    '127.0.0.010',
    '127.0.0.01/32',
    '0x7f.0.0.1',
    '0x7f000001',
    '127.1',
    '127.0.1/24',
    '2130706433',
    '017700000001',
    '::ffff:010.0.0.1',
    '10.0.0.0/08',
  ])('refuses %s at start, naming it', (entry) => {
    expect(() => parseIpAllowList(`127.0.0.0/8, ${entry}`)).toThrow(ConfigError);
    expect(() => parseIpAllowList(`127.0.0.0/8, ${entry}`)).toThrow(`SUPER_ADMIN_ALLOW_IPS: '${entry}'`);
  });

  it('says why a leading-zero entry is refused', () => {
    expect(() => parseIpAllowList('010.0.0.0/8')).toThrow(/ambiguous: write IPv4 as four decimal parts without leading zeros/);
  });

  it.each(['0.0.0.0/0', '10.0.0.0/8', '192.168.100.200', '255.255.255.255/32', '::ffff:10.0.0.0/104', '2001:db8::/32', '::1'])(
    'accepts %s',
    (entry) => {
      expect(parseIpAllowList(entry).entries).toEqual([entry]);
    },
  );
});

describe('allows() of a source IP not written in dotted decimal', () => {
  const list = parseIpAllowList('127.0.0.0/8, 8.0.0.0/8, 10.0.0.0/8');

  it.each(['010.0.0.1', '127.0.0.010', '0x7f.0.0.1', '127.1', '2130706433', '::ffff:010.0.0.1'])('is false for %s', (address) => {
    expect(list.allows(address)).toBe(false);
  });

  it('is true for the same addresses written canonically', () => {
    expect(['8.0.0.1', '127.0.0.8', '127.0.0.1', '10.0.0.1', '::ffff:10.0.0.1'].map((a) => list.allows(a))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
  });
});
