// A destination port range as OpenFlow matches: OVS matches tp_dst by value and bit mask, so a
// range is cut into aligned power-of-two blocks (1024-2047 is one block, 1000-1999 is several).
// Spelt as ovs-ofctl prints them back: a single port in decimal, a block as 0xVALUE/0xMASK.

export function portRangeMatches(min: number, max: number): string[] {
  const out: string[] = [];
  let lo = min;
  while (lo <= max) {
    // the largest block that starts at lo and stays within max
    let size = 1;
    while (size < 0x10000 && lo % (size * 2) === 0 && lo + size * 2 - 1 <= max) size *= 2;
    if (size === 1) out.push(`tp_dst=${lo}`);
    else out.push(`tp_dst=0x${lo.toString(16)}/0x${((0xffff & ~(size - 1)) >>> 0).toString(16)}`);
    lo += size;
  }
  return out;
}
