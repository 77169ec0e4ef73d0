// The prefix arithmetic subnet pools stand on: compaction as Neutron stores a pool's prefixes,
// set difference, and the allocator's choice (best fit, then lowest address).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCidr, parseCidr } from '../../src/common/ip-address.js';
import { cidrsOf, compactPrefixes, difference, firstFit, fitsIn, intersects, isSubset, quotaUnits, rangeSetOf } from '../../src/ipam/prefix-set.js';

const set = (...cidrs: string[]) => rangeSetOf(cidrs.map((c) => parseCidr(c)!));
const text = (version: 4 | 6, s: ReturnType<typeof set>) => cidrsOf(version, s).map(formatCidr);

describe('prefix sets', () => {
  it('compacts overlapping and adjacent prefixes into the fewest CIDRs, as Neutron stores a pool', () => {
    assert.deepEqual(compactPrefixes(['10.0.0.128/25', '10.0.0.0/25', '10.0.4.0/24', '10.0.4.0/23']), ['10.0.0.0/24', '10.0.4.0/23']);
    assert.deepEqual(compactPrefixes(['10.0.1.0/24', '10.0.2.0/24']), ['10.0.1.0/24', '10.0.2.0/24']);
    assert.deepEqual(compactPrefixes(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/23']), ['10.0.0.0/22']);
    assert.deepEqual(compactPrefixes(['2001:db8::/49', '2001:db8:0:8000::/49']), ['2001:db8::/48']);
    assert.deepEqual(compactPrefixes(['0.0.0.0/0', '10.0.0.0/8']), ['0.0.0.0/0']);
    assert.deepEqual(compactPrefixes(['::/0']), ['::/0']);
  });

  it('takes one set from another and splits what is left into CIDRs', () => {
    assert.deepEqual(text(4, difference(set('10.0.0.0/24'), set('10.0.0.64/26'))), ['10.0.0.0/26', '10.0.0.128/25']);
    assert.deepEqual(text(4, difference(set('10.0.0.0/24'), set('10.0.0.0/24'))), []);
    assert.deepEqual(text(4, difference(set('10.0.0.0/24', '10.0.2.0/24'), set('10.0.0.0/25', '10.0.2.128/25', '192.168.0.0/16'))), ['10.0.0.128/25', '10.0.2.0/25']);
    assert.deepEqual(text(4, difference(set('10.0.0.0/30'), set('10.0.0.1/32'))), ['10.0.0.0/32', '10.0.0.2/31']);
  });

  it('answers overlap and containment', () => {
    assert.equal(intersects(set('10.0.0.0/24'), set('10.0.0.255/32')), true);
    assert.equal(intersects(set('10.0.0.0/24'), set('10.0.1.0/24')), false);
    assert.equal(isSubset(set('10.0.0.0/25'), set('10.0.0.0/24')), true);
    assert.equal(isSubset(set('10.0.0.0/23'), set('10.0.0.0/24')), false);
    assert.equal(fitsIn(set('10.0.0.0/24'), parseCidr('10.0.0.128/25')!), true);
    assert.equal(fitsIn(set('10.0.0.0/25', '10.0.0.128/25'), parseCidr('10.0.0.0/24')!), true, 'adjacent free blocks are one range');
    assert.equal(fitsIn(set('10.0.0.0/25'), parseCidr('10.0.0.0/24')!), false);
  });

  it('allocates from the smallest free block that fits, lowest address first (Neutron’s order)', () => {
    const free = set('10.20.0.0/24', '10.21.0.0/26');
    assert.equal(formatCidr(firstFit(4, free, 26)!), '10.21.0.0/26');
    assert.equal(formatCidr(firstFit(4, free, 28)!), '10.21.0.0/28');
    assert.equal(formatCidr(firstFit(4, free, 25)!), '10.20.0.0/25');
    assert.equal(firstFit(4, free, 23), null);
    const ragged = difference(set('10.0.0.0/24'), set('10.0.0.0/28'));
    assert.equal(formatCidr(firstFit(4, ragged, 28)!), '10.0.0.16/28');
    assert.equal(formatCidr(firstFit(4, ragged, 26)!), '10.0.0.64/26');
    assert.equal(formatCidr(firstFit(6, set('2001:db8::/48'), 64)!), '2001:db8::/64');
  });

  it('counts quota units as Neutron: /32s for IPv4, /64s for IPv6', () => {
    assert.equal(quotaUnits(parseCidr('10.0.0.0/24')!), 256);
    assert.equal(quotaUnits(parseCidr('10.0.0.1/32')!), 1);
    assert.equal(quotaUnits(parseCidr('2001:db8::/64')!), 1);
    assert.equal(quotaUnits(parseCidr('2001:db8::/56')!), 256);
  });
});
