// Address arithmetic on BigInt so IPv4 and IPv6 share one code path.
import ipaddr from 'ipaddr.js';

export type IpVersion = 4 | 6;

export interface Ip {
  version: IpVersion;
  value: bigint;
}

export interface Cidr {
  version: IpVersion;
  network: bigint;
  prefixlen: number;
}

export const bits = (v: IpVersion): number => (v === 4 ? 32 : 128);

export function parseIp(text: string): Ip | null {
  if (typeof text !== 'string') return null;
  // ipaddr.js accepts shorthand like "10.1" or octal forms; Neutron (netaddr) does not.
  if (text.includes('/') || text.includes('%')) return null;
  if (text.includes(':')) {
    if (!ipaddr.IPv6.isValid(text)) return null;
    const bytes = ipaddr.IPv6.parse(text).toByteArray();
    return { version: 6, value: bytesToBig(bytes) };
  }
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return null;
  const parts = text.split('.');
  if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return null;
  return { version: 4, value: bytesToBig(ipaddr.IPv4.parse(text).toByteArray()) };
}

function bytesToBig(bytes: number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

export function formatIp(version: IpVersion, value: bigint): string {
  if (version === 4) {
    return [24n, 16n, 8n, 0n].map((s) => Number((value >> s) & 255n)).join('.');
  }
  const bytes: number[] = [];
  for (let s = 120n; s >= 0n; s -= 8n) bytes.push(Number((value >> s) & 255n));
  return ipaddr.fromByteArray(bytes).toString();
}

export function normalizeIp(text: string): string | null {
  const ip = parseIp(text);
  return ip ? formatIp(ip.version, ip.value) : null;
}

export interface ParsedCidr extends Cidr {
  /** the address part had bits set below the prefix */
  hostBitsSet: boolean;
}

export function parseCidr(text: string): ParsedCidr | null {
  if (typeof text !== 'string') return null;
  const slash = text.indexOf('/');
  const addr = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!addr) return null;
  const lenText = slash < 0 ? String(bits(addr.version)) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return null;
  const prefixlen = Number(lenText);
  if (prefixlen > bits(addr.version)) return null;
  const network = addr.value & prefixMask(addr.version, prefixlen);
  return { version: addr.version, network, prefixlen, hostBitsSet: network !== addr.value };
}

export function prefixMask(version: IpVersion, prefixlen: number): bigint {
  const total = BigInt(bits(version));
  const all = (1n << total) - 1n;
  return (all << (total - BigInt(prefixlen))) & all;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.version, c.network)}/${c.prefixlen}`;
}

export const cidrSize = (c: Cidr): bigint => 1n << BigInt(bits(c.version) - c.prefixlen);
export const cidrLast = (c: Cidr): bigint => c.network + cidrSize(c) - 1n;

export function cidrContains(c: Cidr, ip: Ip): boolean {
  return ip.version === c.version && ip.value >= c.network && ip.value <= cidrLast(c);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.version === b.version && a.network <= cidrLast(b) && b.network <= cidrLast(a);
}

/** The addresses a subnet may hand out: IPv4 loses network and broadcast (unless /31, /32), IPv6 loses the subnet-router anycast address. */
export function usableRange(c: Cidr): { first: bigint; last: bigint } {
  const last = cidrLast(c);
  if (c.version === 4) {
    if (c.prefixlen >= 31) return { first: c.network, last };
    return { first: c.network + 1n, last: last - 1n };
  }
  if (c.prefixlen >= 127) return { first: c.network, last };
  return { first: c.network + 1n, last };
}

export interface IpRange {
  first: bigint;
  last: bigint;
}

/** Neutron's default pools: the usable range minus the gateway. */
export function defaultPools(c: Cidr, gateway: bigint | null): IpRange[] {
  const { first, last } = usableRange(c);
  if (gateway === null || gateway < first || gateway > last) return [{ first, last }];
  const pools: IpRange[] = [];
  if (gateway > first) pools.push({ first, last: gateway - 1n });
  if (gateway < last) pools.push({ first: gateway + 1n, last });
  return pools;
}

/** EUI-64 interface identifier for SLAAC, from a MAC "aa:bb:cc:dd:ee:ff". */
export function eui64Address(c: Cidr, mac: string): bigint {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  const iid = [b[0] ^ 0x02, b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]];
  return c.network | bytesToBig(iid);
}
