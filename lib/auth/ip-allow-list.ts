import ipaddr from 'ipaddr.js';
import { ConfigError } from '../errors.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

export interface IpAllowList {
  allows(address: string): boolean;
  readonly entries: readonly string[];
}

/** Unwraps `::ffff:127.0.0.1` so that IPv4 ranges match IPv4 clients seen on a dual-stack socket. */
function normalise(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (address as ipaddr.IPv6).toIPv4Address();
  }
  return address;
}

function parseEntry(entry: string): Range {
  if (entry.includes('/')) {
    const [address, prefix] = ipaddr.parseCIDR(entry);
    const normalised = normalise(address);
    // ::ffff:10.0.0.0/104 is 10.0.0.0/8 written in IPv6.
    if (normalised !== address) return [normalised, prefix - 96];
    return [address, prefix];
  }
  const address = normalise(ipaddr.parse(entry));
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

/**
 * Parses a comma-separated list of IPs and CIDRs (IPv4 and IPv6). Throws ConfigError naming
 * the entry that is not an address, so a typo fails at start-up rather than locking out.
 */
export function parseIpAllowList(list: string, variable = 'SUPER_ADMIN_ALLOW_IPS'): IpAllowList {
  const entries = list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const ranges = entries.map((entry) => {
    try {
      return parseEntry(entry);
    } catch {
      throw new ConfigError(`${variable}: '${entry}' is not an IP address or CIDR range`);
    }
  });
  return {
    entries,
    allows(raw: string): boolean {
      if (!ipaddr.isValid(raw)) return false;
      const address = normalise(ipaddr.parse(raw));
      return ranges.some(([range, prefix]) => address.kind() === range.kind() && address.match(range, prefix));
    },
  };
}
