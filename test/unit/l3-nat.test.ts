// The L3 agent's NAT table: what a router's gateway, subnets and floating IPs become in nft,
// and that associating, moving and releasing a floating IP changes map elements only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { floatingChanges, floatingOfTable, renderNat } from '../../src/agents/l3/nat-table.js';
import { planRouter } from '../../src/agents/l3/router-plan.js';
import { diffTable, replaceTable } from '../../src/agents/firewall/nft-table.js';
import { conntrackDeleteLine } from '../../src/linux/conntrack.js';
import type { NftJsonObject } from '../../src/linux/nft.js';
import { syncFip, syncPort, syncRouter } from '../helpers/sync-router.js';

const GW = syncPort('gwgwgwgw-0000-4000-8000-000000000001', 'network:router_gateway', [{ subnet_id: 'ext-sub', ip_address: '203.0.113.10', cidr: '203.0.113.0/24', gateway_ip: '203.0.113.1' }]);
const IF1 = syncPort('if1if1if-0000-4000-8000-000000000002', 'network:router_interface', [{ subnet_id: 's1', ip_address: '10.0.1.1', cidr: '10.0.1.0/24' }]);
const IF2 = syncPort('if2if2if-0000-4000-8000-000000000003', 'network:router_interface', [
  { subnet_id: 's2', ip_address: '10.0.2.1', cidr: '10.0.2.0/24' },
  { subnet_id: 's6', ip_address: 'fd00:2::1', cidr: 'fd00:2::/64' },
]);

const router = (extra = {}) => syncRouter('r1', { gw_port: GW, _interfaces: [IF1, IF2], ...extra });
const nat = (extra = {}) => renderNat(planRouter(router(extra)).nat);

describe('L3 NAT renderer', () => {
  it('SNAT to the gateway address for traffic leaving by qg-, after the floating IPs; hairpin per IPv4 subnet', () => {
    const t = nat({ _floatingips: [syncFip('f1', '203.0.113.50', '10.0.1.5')] });
    const post = t.chains.get('postrouting')!;
    assert.match(post.hook!, /type nat hook postrouting priority srcnat/);
    assert.deepEqual(post.rules, [
      'oifname "qg-gwgwgwgw-00" snat to ip saddr map @fixed_to_floating',
      'ct status dnat oifname "qr-if1if1if-00" ip saddr 10.0.1.0/24 snat to 10.0.1.1',
      'ct status dnat oifname "qr-if2if2if-00" ip saddr 10.0.2.0/24 snat to 10.0.2.1',
      'oifname "qg-gwgwgwgw-00" iifname != "qg-gwgwgwgw-00" snat to 203.0.113.10',
    ]);
    assert.deepEqual(t.chains.get('prerouting')!.rules, ['dnat to ip daddr map @floating_to_fixed']);
    assert.deepEqual(t.chains.get('output')!.rules, ['dnat to ip daddr map @floating_to_fixed']);
    assert.deepEqual([...t.sets.get('floating_to_fixed')!.elements], [['203.0.113.50', '10.0.1.5']]);
    assert.deepEqual([...t.sets.get('fixed_to_floating')!.elements], [['10.0.1.5', '203.0.113.50']]);
  });

  it('no rule rewrites traffic between internal subnets (only DNATed traffic leaving by a qr- of its own subnet)', () => {
    const t = nat();
    for (const r of t.chains.get('postrouting')!.rules) {
      if (r.includes('qr-')) assert.match(r, /^ct status dnat oifname "qr-[^"]+" ip saddr \S+ snat to /);
    }
    // the IPv6 subnet gets no NAT at all
    assert.ok(!t.chains.get('postrouting')!.rules.some((r) => r.includes('fd00')));
  });

  it('enable_snat = false keeps floating IPs but drops the generic SNAT', () => {
    const rules = nat({ enable_snat: false, _floatingips: [syncFip('f1', '203.0.113.50', '10.0.1.5')] }).chains.get('postrouting')!.rules;
    assert.ok(!rules.some((r) => r.includes('snat to 203.0.113.10')));
    assert.ok(rules.some((r) => r.includes('@fixed_to_floating')));
  });

  it('a router without gateway has no NAT and no floating IPs', () => {
    const t = renderNat(planRouter(syncRouter('r2', { _interfaces: [IF1], _floatingips: [syncFip('f1', '203.0.113.50', '10.0.1.5')] })).nat);
    assert.deepEqual(t.chains.get('postrouting')!.rules, []);
    assert.deepEqual(t.chains.get('prerouting')!.rules, []);
    assert.equal(t.sets.get('floating_to_fixed')!.elements.size, 0);
  });

  it('associating, moving and releasing a floating IP changes map elements only', () => {
    const a = nat();
    const b = nat({ _floatingips: [syncFip('f1', '203.0.113.50', '10.0.1.5')] });
    assert.deepEqual(diffTable(a, b), ['add element ip neutrino-nat floating_to_fixed { 203.0.113.50 : 10.0.1.5 }', 'add element ip neutrino-nat fixed_to_floating { 10.0.1.5 : 203.0.113.50 }']);
    const moved = nat({ _floatingips: [syncFip('f1', '203.0.113.50', '10.0.2.7')] });
    assert.deepEqual(diffTable(b, moved), [
      'delete element ip neutrino-nat floating_to_fixed { 203.0.113.50 }',
      'delete element ip neutrino-nat fixed_to_floating { 10.0.1.5 }',
      'add element ip neutrino-nat floating_to_fixed { 203.0.113.50 : 10.0.2.7 }',
      'add element ip neutrino-nat fixed_to_floating { 10.0.2.7 : 203.0.113.50 }',
    ]);
    assert.deepEqual(diffTable(moved, a), ['delete element ip neutrino-nat floating_to_fixed { 203.0.113.50 }', 'delete element ip neutrino-nat fixed_to_floating { 10.0.2.7 }']);
    assert.deepEqual(diffTable(b, b), []);
    assert.deepEqual(
      floatingChanges(
        new Map([
          ['203.0.113.50', '10.0.1.5'],
          ['203.0.113.51', '10.0.1.6'],
        ]),
        new Map([
          ['203.0.113.50', '10.0.2.7'],
          ['203.0.113.52', '10.0.1.8'],
        ]),
      ),
      {
        added: ['203.0.113.52'],
        moved: ['203.0.113.50'],
        removed: ['203.0.113.51'],
      },
    );
  });

  it('a released or moved floating IP: conntrack entries to it and SNATed to it are deleted', () => {
    assert.equal(conntrackDeleteLine({ family: 'ipv4', dst: '203.0.113.50' }), '-D -f ipv4 -d 203.0.113.50');
    assert.equal(conntrackDeleteLine({ family: 'ipv4', replyDst: '203.0.113.50' }), '-D -f ipv4 -q 203.0.113.50');
  });

  it('the first apply replaces the table atomically; a previous process is read back from nft -j', () => {
    const lines = replaceTable(nat());
    assert.deepEqual(lines.slice(0, 3), ['add table ip neutrino-nat', 'delete table ip neutrino-nat', 'add table ip neutrino-nat']);
    assert.ok(lines.some((l) => l === 'add chain ip neutrino-nat prerouting { type nat hook prerouting priority dstnat; policy accept; }'));
    const objects: NftJsonObject[] = [
      { table: { family: 'ip', name: 'neutrino-nat' } },
      { map: { family: 'ip', name: 'floating_to_fixed', table: 'neutrino-nat', type: 'ipv4_addr', map: 'ipv4_addr', elem: [['203.0.113.50', '10.0.1.5']] } },
      { map: { family: 'ip', name: 'fixed_to_floating', table: 'neutrino-nat', type: 'ipv4_addr', map: 'ipv4_addr', elem: [['10.0.1.5', '203.0.113.50']] } },
    ];
    assert.deepEqual([...floatingOfTable(objects)], [['203.0.113.50', '10.0.1.5']]);
    assert.equal(floatingOfTable([{ map: { name: 'floating_to_fixed' } }]).size, 0);
  });
});
