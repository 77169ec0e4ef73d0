import type { IpRange } from '../common/ip-address.js';

/**
 * The free addresses of one subnet as sorted, disjoint, non-adjacent ranges.
 * take() is O(1), takeSpecific()/release() are a binary search plus one splice,
 * so a /16 never costs a scan of its 65k addresses.
 */
export class FreeRanges {
  private ranges: IpRange[] = [];
  private free = 0n;

  constructor(pools: IpRange[], used: Iterable<bigint> = []) {
    const sorted = pools
      .filter((p) => p.first <= p.last)
      .map((p) => ({ first: p.first, last: p.last }))
      .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    for (const p of sorted) {
      const prev = this.ranges[this.ranges.length - 1];
      if (prev && p.first <= prev.last + 1n) {
        if (p.last > prev.last) prev.last = p.last;
      } else {
        this.ranges.push(p);
      }
    }
    for (const r of this.ranges) this.free += r.last - r.first + 1n;
    for (const ip of used) this.takeSpecific(ip);
  }

  get size(): bigint {
    return this.free;
  }

  get rangeCount(): number {
    return this.ranges.length;
  }

  /** Lowest free address, or null when the pools are exhausted. */
  take(): bigint | null {
    const r = this.ranges[0];
    if (!r) return null;
    const ip = r.first;
    if (r.first === r.last) this.ranges.shift();
    else r.first += 1n;
    this.free -= 1n;
    return ip;
  }

  /**
   * The n-th lowest free address (0-based), taken; null when fewer are free. Walks at most
   * n ranges, so a small n stays cheap.
   */
  takeNth(n: number): bigint | null {
    let left = BigInt(n);
    for (const r of this.ranges) {
      const size = r.last - r.first + 1n;
      if (left < size) {
        const ip = r.first + left;
        this.takeSpecific(ip);
        return ip;
      }
      left -= size;
    }
    return null;
  }

  /** Index of the range containing ip, or -(insertion point) - 1. */
  private find(ip: bigint): number {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ranges[mid];
      if (ip < r.first) hi = mid - 1;
      else if (ip > r.last) lo = mid + 1;
      else return mid;
    }
    return -lo - 1;
  }

  has(ip: bigint): boolean {
    return this.find(ip) >= 0;
  }

  /** Removes ip from the free set; false when it was not free (or not in a pool). */
  takeSpecific(ip: bigint): boolean {
    const i = this.find(ip);
    if (i < 0) return false;
    const r = this.ranges[i];
    if (r.first === r.last) this.ranges.splice(i, 1);
    else if (ip === r.first) r.first += 1n;
    else if (ip === r.last) r.last -= 1n;
    else {
      this.ranges.splice(i + 1, 0, { first: ip + 1n, last: r.last });
      r.last = ip - 1n;
    }
    this.free -= 1n;
    return true;
  }

  /** Gives ip back; the caller only releases addresses that lie in a pool. */
  release(ip: bigint): void {
    const at = this.find(ip);
    if (at >= 0) return;
    const i = -at - 1;
    const before = this.ranges[i - 1];
    const after = this.ranges[i];
    const joinsBefore = before !== undefined && before.last + 1n === ip;
    const joinsAfter = after !== undefined && after.first - 1n === ip;
    if (joinsBefore && joinsAfter) {
      before.last = after.last;
      this.ranges.splice(i, 1);
    } else if (joinsBefore) before.last = ip;
    else if (joinsAfter) after.first = ip;
    else this.ranges.splice(i, 0, { first: ip, last: ip });
    this.free += 1n;
  }
}
