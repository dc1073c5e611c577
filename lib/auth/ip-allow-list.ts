import ipaddr from 'ipaddr.js';
import { ConfigError } from '../errors.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

export interface IpAllowList {
  allows(address: string): boolean;
  readonly entries: readonly string[];
}

/**
 * Four decimal parts from 0 to 255, without leading zeros. ipaddr.js (like inet_aton) also
 * reads `010.0.0.1` as octal (8.0.0.1), `0x7f.0.0.1` as hex, `127.1` and `2130706433` as
 * 127.0.0.1; such input is ambiguous (the writer of `010` most likely meant ten), so it is
 * refused rather than guessed.
 */
const DECIMAL_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)';
const DOTTED_DECIMAL = new RegExp(`^${DECIMAL_OCTET}(?:\\.${DECIMAL_OCTET}){3}$`);
const PREFIX_LENGTH = /^(?:0|[1-9]\d{0,2})$/;

/** True when an address is IPv6 (an embedded IPv4 part in dotted decimal) or dotted-decimal IPv4. */
function isUnambiguous(address: string): boolean {
  if (address.includes(':')) {
    const last = address.slice(address.lastIndexOf(':') + 1);
    return !last.includes('.') || DOTTED_DECIMAL.test(last);
  }
  return DOTTED_DECIMAL.test(address);
}

/** Unwraps `::ffff:127.0.0.1` so that IPv4 ranges match IPv4 clients seen on a dual-stack socket. */
function normalise(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (address as ipaddr.IPv6).toIPv4Address();
  }
  return address;
}

class AmbiguousAddressError extends Error {}

function parseEntry(entry: string): Range {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  if (ipaddr.isValid(address) && !isUnambiguous(address)) throw new AmbiguousAddressError();
  if (slash !== -1) {
    if (!PREFIX_LENGTH.test(entry.slice(slash + 1))) throw new Error('not a prefix length');
    const [parsed, prefix] = ipaddr.parseCIDR(entry);
    const normalised = normalise(parsed);
    // ::ffff:10.0.0.0/104 is 10.0.0.0/8 written in IPv6.
    if (normalised !== parsed) return [normalised, prefix - 96];
    return [parsed, prefix];
  }
  const parsed = normalise(ipaddr.parse(entry));
  return [parsed, parsed.kind() === 'ipv4' ? 32 : 128];
}

/**
 * Parses a comma-separated list of IPs and CIDRs (IPv4 and IPv6). Throws ConfigError naming
 * the entry that is not an address, so a typo fails at start-up rather than locking out.
 * IPv4 must be written as four decimal parts without leading zeros (`10.0.0.0/8`, not
 * `010.0.0.0/8`, `0xa.0.0.0/8` or `10.0/8`).
 */
export function parseIpAllowList(list: string, variable = 'SUPER_ADMIN_ALLOW_IPS'): IpAllowList {
  const entries = list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const ranges = entries.map((entry) => {
    try {
      return parseEntry(entry);
    } catch (error) {
      if (error instanceof AmbiguousAddressError) {
        throw new ConfigError(
          `${variable}: '${entry}' is ambiguous: write IPv4 as four decimal parts without leading zeros (10.0.0.0/8, not 010.0.0.0/8)`,
        );
      }
      throw new ConfigError(`${variable}: '${entry}' is not an IP address or CIDR range`);
    }
  });
  return {
    entries,
    allows(raw: string): boolean {
      // The same strictness for the client's address: a source IP written in octal or hex is
      // no address of ours, whatever ipaddr.js would read it as.
      if (!isUnambiguous(raw) || !ipaddr.isValid(raw)) return false;
      const address = normalise(ipaddr.parse(raw));
      return ranges.some(([range, prefix]) => address.kind() === range.kind() && address.match(range, prefix));
    },
  };
}
