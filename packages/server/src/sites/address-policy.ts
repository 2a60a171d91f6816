import { isIPv4, isIPv6 } from 'node:net';

/**
 * What kind of address an IP is, for the SSRF guard of site verification.
 * Only `public` may be fetched (unless `ALLOW_PRIVATE_FETCH`); everything
 * else names the server's own machine, its private network, or nothing.
 */
export type AddressKind =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'unspecified'
  | 'shared'
  | 'reserved'
  | 'invalid';

/**
 * Classifies an IP address as `dns.lookup` or the WHATWG URL parser spell it
 * (dotted-decimal IPv4, RFC 4291 IPv6, optionally `[bracketed]`, optionally
 * with an embedded dotted quad). Other spellings (`2130706433`, `0177.0.0.1`,
 * `0x7f.1`) are `invalid` here — and so refused: the URL parser has already
 * turned them into dotted quads before we see a host, and failing closed is
 * the right answer for anything we cannot read.
 */
export function classifyAddress(input: string): AddressKind {
  let address = input.trim();
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  // A zone index (fe80::1%eth0) names an interface; the address itself decides.
  const zone = address.indexOf('%');
  if (zone !== -1) {
    const bare = address.slice(0, zone);
    if (!isIPv6(bare) || zone === address.length - 1) return 'invalid';
    address = bare;
  }
  if (isIPv4(address)) return classifyIPv4(parseIPv4(address));
  if (isIPv6(address)) return classifyIPv6(parseIPv6(address));
  return 'invalid';
}

export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === 'public';
}

/** 32-bit value of a strict dotted quad (isIPv4 has checked it). */
function parseIPv4(address: string): number {
  return address.split('.').reduce((value, part) => value * 256 + Number(part), 0);
}

function inV4(value: number, base: string, bits: number): boolean {
  const size = 2 ** (32 - bits);
  const start = parseIPv4(base);
  return value >= start && value < start + size;
}

function classifyIPv4(v: number): AddressKind {
  if (inV4(v, '0.0.0.0', 8)) return 'unspecified'; // "this network"; 0.0.0.0 reaches localhost on Linux
  if (inV4(v, '127.0.0.0', 8)) return 'loopback';
  if (inV4(v, '10.0.0.0', 8) || inV4(v, '172.16.0.0', 12) || inV4(v, '192.168.0.0', 16)) return 'private';
  if (inV4(v, '169.254.0.0', 16)) return 'link-local'; // includes cloud metadata 169.254.169.254
  if (inV4(v, '100.64.0.0', 10)) return 'shared'; // carrier-grade NAT, RFC 6598
  if (inV4(v, '224.0.0.0', 4)) return 'multicast';
  if (
    inV4(v, '192.0.0.0', 24) // IETF protocol assignments
    || inV4(v, '192.0.2.0', 24) || inV4(v, '198.51.100.0', 24) || inV4(v, '203.0.113.0', 24) // documentation
    || inV4(v, '198.18.0.0', 15) // benchmarking
    || inV4(v, '192.88.99.0', 24) // deprecated 6to4 relay anycast
    || inV4(v, '240.0.0.0', 4) // reserved, and 255.255.255.255 broadcast
  ) return 'reserved';
  return 'public';
}

/** Eight 16-bit groups; handles `::` and a trailing dotted quad (isIPv6 has checked the syntax). */
function parseIPv6(address: string): number[] {
  let text = address.toLowerCase();
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIPv4(tail);
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const missing = 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array(rest !== undefined ? missing : 0).fill('0'), ...restGroups];
  return groups.map((g) => parseInt(g, 16));
}

function embeddedIPv4(groups: number[], from: number): number {
  return groups[from]! * 65536 + groups[from + 1]!;
}

function classifyIPv6(g: number[]): AddressKind {
  const allZeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (allZeroUpTo(8)) return 'unspecified';
  if (allZeroUpTo(7) && g[7] === 1) return 'loopback';
  // ::ffff:a.b.c.d (IPv4-mapped): the kernel connects to the IPv4 address itself.
  if (allZeroUpTo(5) && g[5] === 0xffff) return classifyIPv4(embeddedIPv4(g, 6));
  // ::a.b.c.d (IPv4-compatible, deprecated) and ::ffff:0:a.b.c.d (SIIT): never legitimately public.
  if (allZeroUpTo(6) || (allZeroUpTo(4) && g[4] === 0xffff && g[5] === 0)) return 'reserved';
  // 64:ff9b::/96 (NAT64 well-known prefix) reaches the embedded IPv4 address.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return classifyIPv4(embeddedIPv4(g, 6));
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return 'private'; // local-use NAT64, RFC 8215
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return 'unique-local'; // fc00::/7
  if ((first & 0xffc0) === 0xfe80) return 'link-local'; // fe80::/10
  if ((first & 0xffc0) === 0xfec0) return 'private'; // fec0::/10, deprecated site-local
  if ((first & 0xff00) === 0xff00) return 'multicast'; // ff00::/8
  // 2002::/16 (6to4) routes to the IPv4 address in bits 16–47.
  if (first === 0x2002) return classifyIPv4(embeddedIPv4(g, 1));
  if (first === 0x2001 && g[1] === 0) return 'reserved'; // Teredo: hides an IPv4 address
  if (first === 0x2001 && g[1] === 0x0db8) return 'reserved'; // documentation
  if (first === 0x2001 && g[1]! < 0x0200) return 'reserved'; // 2001::/23 IETF protocol assignments
  if (first === 0x0100 && g.slice(1, 4).every((x) => x === 0)) return 'reserved'; // discard-only 100::/64
  // Only global unicast (2000::/3) is public; the rest of the space is unassigned.
  if ((first & 0xe000) === 0x2000) return 'public';
  return 'reserved';
}
