// Sets of IP prefixes as sorted, disjoint address ranges: what a subnet pool holds, what its
// subnets took, and what is left. Pure; the subnet allocator and the pool plugin build on it.
import { bits, cidrLast, formatCidr, parseCidr, type Cidr, type IpRange, type IpVersion } from '../common/ip-address.js';

/** Sorted, disjoint, non-adjacent ranges of one IP version. */
export type RangeSet = IpRange[];

function toRange(c: Cidr): IpRange {
  return { first: c.network, last: cidrLast(c) };
}

/** The union of the prefixes, merged (overlapping and adjacent ranges become one). */
export function rangeSetOf(cidrs: Cidr[]): RangeSet {
  const sorted = cidrs.map(toRange).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: RangeSet = [];
  for (const r of sorted) {
    const prev = out[out.length - 1];
    if (prev && r.first <= prev.last + 1n) {
      if (r.last > prev.last) prev.last = r.last;
    } else out.push({ ...r });
  }
  return out;
}

/** `a` without the addresses of `b`. */
export function difference(a: RangeSet, b: RangeSet): RangeSet {
  const out: RangeSet = [];
  let j = 0;
  for (const r of a) {
    let first = r.first;
    while (j < b.length && b[j].last < first) j++;
    let k = j;
    while (first <= r.last) {
      const cut = b[k];
      if (!cut || cut.first > r.last) {
        out.push({ first, last: r.last });
        break;
      }
      if (cut.first > first) out.push({ first, last: cut.first - 1n });
      first = cut.last + 1n;
      k++;
    }
  }
  return out;
}

export function intersects(a: RangeSet, b: RangeSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i].last < b[j].first) i++;
    else if (b[j].last < a[i].first) j++;
    else return true;
  }
  return false;
}

/** Whether every address of `inner` is in `outer`. */
export function isSubset(inner: RangeSet, outer: RangeSet): boolean {
  return difference(inner, outer).length === 0;
}

/** The largest CIDR blocks covering a range exactly, in address order. */
function rangeCidrs(version: IpVersion, r: IpRange): Cidr[] {
  const width = bits(version);
  const out: Cidr[] = [];
  let start = r.first;
  while (start <= r.last) {
    // the largest block aligned at `start` that does not pass the end
    let size = start === 0n ? 1n << BigInt(width) : start & -start;
    while (start + size - 1n > r.last) size >>= 1n;
    const prefixlen = width - (size.toString(2).length - 1);
    out.push({ version, network: start, prefixlen });
    start += size;
  }
  return out;
}

/** The set as the fewest CIDRs, in address order (netaddr's IPSet.compact + iter_cidrs). */
export function cidrsOf(version: IpVersion, set: RangeSet): Cidr[] {
  return set.flatMap((r) => rangeCidrs(version, r));
}

/** Prefixes merged as Neutron stores a pool's: overlapping and adjacent ones compacted. */
export function compactPrefixes(prefixes: string[]): string[] {
  const cidrs = prefixes.map((p) => parseCidr(p)!);
  if (!cidrs.length) return [];
  return cidrsOf(cidrs[0].version, rangeSetOf(cidrs)).map(formatCidr);
}

/**
 * The first /prefixlen block of the free space, chosen as Neutron's subnet allocator does:
 * from the smallest free block that can hold it (best fit, then lowest address), so large
 * blocks stay whole for large requests. null when no free block is big enough.
 */
export function firstFit(version: IpVersion, free: RangeSet, prefixlen: number): Cidr | null {
  let best: Cidr | null = null;
  for (const block of cidrsOf(version, free)) {
    if (block.prefixlen > prefixlen) continue;
    if (!best || block.prefixlen > best.prefixlen) best = block;
  }
  return best ? { version, network: best.network, prefixlen } : null;
}

/** Whether `wanted` lies wholly inside one free block. */
export function fitsIn(free: RangeSet, wanted: Cidr): boolean {
  const r = toRange(wanted);
  return free.some((f) => f.first <= r.first && r.last <= f.last);
}

/** How many quota units (/32 for IPv4, /64 for IPv6) a prefix is worth, as Neutron counts a pool's default_quota. */
export function quotaUnits(c: Cidr): number {
  return 2 ** ((c.version === 4 ? 32 : 64) - c.prefixlen);
}
