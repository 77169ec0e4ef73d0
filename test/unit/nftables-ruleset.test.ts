// The nftables port firewall's pure parts: what a security group, a rule, a port becomes in
// nft, and that a change renders only what changed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectionsToClose } from '../../src/agents/firewall/conntrack-closing.js';
import { collapse, FirewallState, type FirewallModel } from '../../src/agents/firewall/model.js';
import { diffTable, replaceTable } from '../../src/agents/firewall/nft-table.js';
import { readBack } from '../../src/agents/firewall/read-back.js';
import { groupChain, groupSetChain, renderTables, TABLE } from '../../src/agents/firewall/ruleset.js';
import type { SecurityGroupInfo } from '../../src/contract/security-groups.js';
import { conntrackDeleteLine } from '../../src/linux/conntrack.js';
import type { NftJsonObject } from '../../src/linux/nft.js';
import { sgRule } from '../helpers/sg-rule.js';

type Rule = SecurityGroupInfo['security_groups'][string][number] & { id?: string };
const G = 'default-group';
const W = 'web-group';

const rule = (id: string, r: Partial<Rule>): Rule => sgRule(id, r);

const port = (n: number, extra: Partial<SecurityGroupInfo['devices'][string]> & { device_owner?: string } = {}) => ({
  device: `tap${n}`,
  port_id: `port-${n}`,
  mac_address: `FA:16:3E:00:00:0${n}`,
  fixed_ips: [`10.0.0.${n}`, `fd00::${n}`],
  allowed_address_pairs: [],
  security_groups: [G],
  port_security_enabled: true,
  network_id: 'net-1234567890abc',
  ...extra,
});

const defaultGroup = (): Rule[] => [
  rule('d-in4', { remote_group_id: G }),
  rule('d-in6', { ethertype: 'IPv6', remote_group_id: G }),
  rule('d-eg4', { direction: 'egress' }),
  rule('d-eg6', { direction: 'egress', ethertype: 'IPv6' }),
];

function info(): SecurityGroupInfo {
  return {
    devices: { 'port-1': port(1), 'port-2': port(2) },
    security_groups: { [G]: defaultGroup() },
    sg_member_ips: { [G]: { IPv4: ['10.0.0.1', '10.0.0.2', '10.0.9.9'], IPv6: ['fd00::1', 'fd00::2'] } },
  };
}

function build(i: SecurityGroupInfo, state = new FirewallState()) {
  state.replace(i);
  const { model, skipped } = state.build();
  return { state, model, skipped, ...renderTables(model) };
}

const rulesOf = (t: ReturnType<typeof build>['inet'], chain: string) => t.chains.get(chain)?.rules ?? [];
const elements = (t: ReturnType<typeof build>['inet'], set: string) => [...(t.sets.get(set)?.elements.keys() ?? [])];

describe('nftables ruleset: stateless groups', () => {
  it('puts ports of stateless groups in the maps looked up before conntrack, without the invalid-state drop', () => {
    const i = info();
    i.sg_stateful = { [G]: false };
    const { inet, model } = build(i);
    assert.ok([...model.ports.values()].every((p) => p.stateless));
    assert.deepEqual(elements(inet, 'egress'), []);
    assert.equal(elements(inet, 'egress_stateless').length, 2);
    assert.equal(elements(inet, 'ingress_stateless').length, 2);
    assert.match(rulesOf(inet, 'ingress')[0], /vmap @ingress_stateless/);
    assert.match(rulesOf(inet, 'ingress')[1], /ct state established,related accept/);
    assert.ok(!rulesOf(inet, groupSetChain([G], 'ingress')).includes('ct state invalid drop'));

    const stateful = build(info());
    assert.ok([...stateful.model.ports.values()].every((p) => !p.stateless));
    assert.deepEqual(elements(stateful.inet, 'ingress_stateless'), []);
    assert.equal(rulesOf(stateful.inet, groupSetChain([G], 'ingress'))[0], 'ct state invalid drop');
  });
});

describe('nftables ruleset: what a rule becomes', () => {
  it('renders the default group: ingress from its members as remote-group sets, all egress', () => {
    const { inet } = build(info());
    const ingress = rulesOf(inet, groupChain(G, 'ingress'));
    assert.equal(ingress.length, 2);
    assert.match(ingress[0], /^meta nfproto ipv4 ip saddr @rg-default-group-4 ct mark set ct mark & 0x0000ffff \| 0x00010000 accept comment "sgr d-in4 1"$/);
    assert.match(ingress[1], /^meta nfproto ipv6 ip6 saddr @rg-default-group-6 ct mark set .* accept comment "sgr d-in6 2"$/);
    const egress = rulesOf(inet, groupChain(G, 'egress'));
    assert.deepEqual(egress, [
      'meta nfproto ipv4 ct mark set ct mark & 0xffff0000 | 0x00000003 accept comment "sgr d-eg4 3"',
      'meta nfproto ipv6 ct mark set ct mark & 0xffff0000 | 0x00000004 accept comment "sgr d-eg6 4"',
    ]);
    assert.deepEqual(elements(inet, 'rg-default-group-4').sort(), ['10.0.0.1', '10.0.0.2', '10.0.9.9']);
    assert.deepEqual(elements(inet, 'rg-default-group-6').sort(), ['fd00::1', 'fd00::2']);
    // both ports share one chain per direction: invalid dropped, fixed rules, the group, then drop
    const gs = groupSetChain([G], 'ingress');
    assert.deepEqual(rulesOf(inet, gs), ['ct state invalid drop', 'jump fixed-i', `jump ${groupChain(G, 'ingress')}`, 'drop']);
    assert.deepEqual(
      [...inet.sets.get('ingress')!.elements],
      [
        ['0x00010000', `goto ${gs}`],
        ['0x00020000', `goto ${gs}`],
      ],
    );
    assert.deepEqual([...inet.sets.get('egress')!.elements.keys()], ['0x00000001', '0x00000002']);
    assert.deepEqual([...inet.sets.get('zones')!.elements], [['"brqnet-1234567"', '1']]);
  });

  it('renders prefixes (normalized), port ranges, icmp type/code, numbers and IPv6', () => {
    const i = info();
    i.security_groups[G] = [
      rule('p', { protocol: 'tcp', port_range_min: 22, port_range_max: 80, remote_ip_prefix: '192.168.7.1/16' }),
      rule('one', { protocol: 'udp', port_range_min: 53, port_range_max: 53 }),
      rule('all', { protocol: 'tcp', port_range_min: 1, port_range_max: 65535 }),
      rule('echo', { protocol: 'icmp', port_range_min: 8, port_range_max: 0 }),
      rule('anycode', { protocol: 'icmp', port_range_min: 3 }),
      rule('v6echo', { ethertype: 'IPv6', protocol: 'icmp', port_range_min: 128 }),
      rule('sctp6', { direction: 'egress', ethertype: 'IPv6', protocol: '132', port_range_min: 5000, port_range_max: 5000, remote_ip_prefix: 'fd00:1::/64' }),
      rule('gre', { protocol: 'gre' }),
      rule('world', { remote_ip_prefix: '0.0.0.0/0' }),
    ];
    const { inet, skipped } = build(i);
    assert.deepEqual(skipped, []);
    const strip = (r: string) => r.replace(/ ct mark set .*$/, '');
    assert.deepEqual(rulesOf(inet, groupChain(G, 'ingress')).map(strip), [
      'meta nfproto ipv4 meta l4proto 6 th dport 22-80 ip saddr 192.168.0.0/16',
      'meta nfproto ipv4 meta l4proto 17 th dport 53',
      // as in Neutron, only 0-65535 means every port
      'meta nfproto ipv4 meta l4proto 6 th dport 1-65535',
      'meta nfproto ipv4 meta l4proto 1 icmp type 8 icmp code 0',
      'meta nfproto ipv4 meta l4proto 1 icmp type 3',
      'meta nfproto ipv6 meta l4proto 58 icmpv6 type 128',
      'meta nfproto ipv4 meta l4proto 47',
      'meta nfproto ipv4',
    ]);
    assert.deepEqual(rulesOf(inet, groupChain(G, 'egress')).map(strip), ['meta nfproto ipv6 meta l4proto 132 th dport 5000 ip6 daddr fd00:1::/64']);
  });

  it('skips a rule it cannot render and says why', () => {
    const i = info();
    i.security_groups[G] = [rule('bad', { protocol: 'nonsense' }), rule('mixed', { remote_ip_prefix: 'fd00::/8' })];
    const { skipped, inet } = build(i);
    assert.deepEqual(
      skipped.map((s) => s.key),
      ['bad', 'mixed'],
    );
    assert.deepEqual(rulesOf(inet, groupChain(G, 'ingress')), []);
  });

  it('anti-spoofing: port MAC and addresses, allowed pairs with their MAC and prefixes, link-local per MAC', () => {
    const i = info();
    i.devices['port-1'] = port(1, {
      allowed_address_pairs: [
        { ip_address: '10.0.5.0/24', mac_address: 'fa:16:3e:aa:aa:aa' },
        { ip_address: '10.0.0.0/28', mac_address: '' },
      ],
    });
    const { bridge } = build(i);
    const el = (s: string) => [...bridge.sets.get(s)!.elements.keys()].filter((e) => e.startsWith('"tap1"')).sort();
    assert.deepEqual(el('port_mac'), ['"tap1" . fa:16:3e:00:00:01', '"tap1" . fa:16:3e:aa:aa:aa']);
    // 10.0.0.1 lies inside the pair 10.0.0.0/28: an interval set refuses the overlap
    assert.deepEqual(el('port_ipv4'), ['"tap1" . fa:16:3e:00:00:01 . 10.0.0.0/28', '"tap1" . fa:16:3e:aa:aa:aa . 10.0.5.0/24']);
    assert.deepEqual(el('port_ipv6'), ['"tap1" . fa:16:3e:00:00:01 . fd00::1', '"tap1" . fa:16:3e:00:00:01 . fe80::f816:3eff:fe00:1', '"tap1" . fa:16:3e:aa:aa:aa . fe80::f816:3eff:feaa:aaaa']);
    assert.deepEqual(
      [...bridge.sets.get('to_port')!.elements],
      [
        ['"tap1"', 'jump to-1'],
        ['"tap2"', 'jump to-2'],
      ],
    );
    assert.deepEqual(bridge.chains.get('to-2')!.rules, ['meta mark set meta mark | 0x00020000']);
  });

  it('a port without fixed IPs may use any address of its MAC (as in Neutron)', () => {
    const i = info();
    i.devices['port-1'] = port(1, { fixed_ips: [] });
    const { bridge } = build(i);
    assert.ok(bridge.sets.get('port_ipv4')!.elements.has('"tap1" . fa:16:3e:00:00:01 . 0.0.0.0/0'));
    assert.ok(bridge.sets.get('port_ipv6')!.elements.has('"tap1" . fa:16:3e:00:00:01 . ::/0'));
  });

  it('port security off and network-owned ports get nothing; a port without groups gets drop', () => {
    const i = info();
    i.devices['port-1'] = port(1, { port_security_enabled: false });
    i.devices['port-3'] = port(3, { device_owner: 'network:dhcp', security_groups: [] });
    i.devices['port-4'] = port(4, { security_groups: [] });
    const { bridge, inet, model } = build(i);
    assert.deepEqual([...model.ports.keys()].sort(), ['port-2', 'port-4']);
    for (const e of bridge.sets.get('secured')!.elements.keys()) assert.ok(!['"tap1"', '"tap3"'].includes(e));
    assert.deepEqual(rulesOf(inet, groupSetChain([], 'ingress')), ['ct state invalid drop', 'jump fixed-i', 'drop']);
    // the device name falls back to Neutron's tap name when the server sent a port id
    const j = info();
    j.devices['port-1'] = port(1, { device: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', port_id: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' });
    assert.ok(build(j).bridge.sets.get('secured')!.elements.has('"tap0f1e2d3c-4b"'));
  });

  it('collapses member lists so interval sets get no overlaps', () => {
    assert.deepEqual(collapse(['10.0.0.5', '10.0.0.0/24', '10.0.0.5', '10.1.0.1', '10.0.0.128/25', 'fd00::1', 'bogus'], 4), ['10.0.0.0/24', '10.1.0.1']);
    assert.deepEqual(collapse(['fd00::1', 'fd00:0::1', 'fd00::/8'], 6), ['fd00::/8']);
  });
});

describe('nftables ruleset: changes touch only what changed', () => {
  function change(mutate: (i: SecurityGroupInfo) => void) {
    const state = new FirewallState();
    const i = info();
    const before = build(i, state);
    state.prune(before.model);
    mutate(i);
    const after = build(i, state);
    return { before, after, lines: [...diffTable(before.bridge, after.bridge), ...diffTable(before.inet, after.inet)] };
  }

  it('nothing changed: no line at all', () => {
    assert.deepEqual(change(() => undefined).lines, []);
  });

  it('a rule added to a group refills that group chain only; rule numbers of others stay', () => {
    const { lines, before, after } = change((i) => i.security_groups[G].push(rule('ssh', { protocol: 'tcp', port_range_min: 22, port_range_max: 22 })));
    const chain = groupChain(G, 'ingress');
    assert.deepEqual(
      lines.filter((l) => !l.startsWith(`add rule inet ${TABLE} ${chain} `)),
      [`flush chain inet ${TABLE} ${chain}`],
    );
    assert.equal(lines.length, 1 + 3);
    assert.match(lines.at(-1)!, /comment "sgr ssh 5"$/);
    assert.deepEqual(rulesOf(after.inet, chain).slice(0, 2), rulesOf(before.inet, chain));
  });

  it('a remote-group member added or removed is one element line', () => {
    assert.deepEqual(change((i) => i.sg_member_ips[G].IPv4.push('10.0.0.77')).lines, [`add element inet ${TABLE} rg-${G}-4 { 10.0.0.77 }`]);
    assert.deepEqual(change((i) => (i.sg_member_ips[G].IPv4 = ['10.0.0.1', '10.0.0.2'])).lines, [`delete element inet ${TABLE} rg-${G}-4 { 10.0.9.9 }`]);
  });

  it('a new port is set elements and its own receiver chain, nothing else', () => {
    const { lines } = change((i) => (i.devices['port-3'] = port(3)));
    assert.ok(
      lines.every((l) => l.startsWith('add element') || l.includes(' to-3')),
      lines.join('\n'),
    );
    assert.ok(lines.includes(`add chain bridge ${TABLE} to-3`));
    assert.ok(lines.some((l) => l.startsWith(`add element inet ${TABLE} ingress { 0x00030000 : goto gs-`)));
  });

  it('a port that goes loses its elements first, then its chain', () => {
    const { lines } = change((i) => delete i.devices['port-2']);
    const flush = lines.indexOf(`flush chain bridge ${TABLE} to-2`);
    const del = lines.indexOf(`delete chain bridge ${TABLE} to-2`);
    const unmap = lines.indexOf(`delete element bridge ${TABLE} to_port { "tap2" }`);
    assert.ok(unmap >= 0 && flush > unmap && del > flush, lines.join('\n'));
    assert.ok(!lines.some((l) => l.startsWith('add ')), 'nothing is added');
  });

  it('a port changing groups moves its map elements and creates the new shared chain', () => {
    const { lines } = change((i) => {
      i.devices['port-2'] = port(2, { security_groups: [G, W] });
      i.security_groups[W] = [rule('http', { protocol: 'tcp', port_range_min: 80, port_range_max: 80 })];
    });
    const gs = groupSetChain([G, W], 'ingress');
    assert.ok(lines.includes(`add chain inet ${TABLE} ${gs}`));
    assert.ok(lines.includes(`delete element inet ${TABLE} ingress { 0x00020000 }`));
    assert.ok(lines.includes(`add element inet ${TABLE} ingress { 0x00020000 : goto ${gs} }`));
    assert.ok(lines.indexOf(`delete element inet ${TABLE} ingress { 0x00020000 }`) < lines.indexOf(`add element inet ${TABLE} ingress { 0x00020000 : goto ${gs} }`));
    const dflt = groupChain(G, 'ingress');
    assert.ok(!lines.some((l) => l.startsWith(`flush chain inet ${TABLE} ${dflt}`) || l.startsWith(`add rule inet ${TABLE} ${dflt} `)), 'the default group chain is untouched');
  });

  it('the first apply replaces the table in one go', () => {
    const { inet } = build(info());
    const lines = replaceTable(inet);
    assert.deepEqual(lines.slice(0, 3), [`add table inet ${TABLE}`, `delete table inet ${TABLE}`, `add table inet ${TABLE}`]);
  });
});

describe('nftables firewall: which flows a change ends', () => {
  function models(mutate: (i: SecurityGroupInfo) => void): [FirewallModel, FirewallModel] {
    const state = new FirewallState();
    const i = info();
    const a = build(i, state).model;
    mutate(i);
    return [a, build(i, state).model];
  }

  it('a removed rule: every flow carrying its number, and nothing else', () => {
    const [a, b] = models((i) => (i.security_groups[G] = i.security_groups[G].filter((r) => (r as Rule).id !== 'd-in4')));
    assert.deepEqual(connectionsToClose(a, b), [{ family: 'ipv4', mark: { value: 0x10000, mask: 0xffff0000 } }]);
  });

  it('a removed member: flows of the rules naming the group, from that address', () => {
    const [a, b] = models((i) => (i.sg_member_ips[G].IPv4 = ['10.0.0.1', '10.0.0.2']));
    assert.deepEqual(connectionsToClose(a, b), [{ family: 'ipv4', mark: { value: 0x10000, mask: 0xffff0000 }, src: '10.0.9.9' }]);
    // still inside a prefix that stays: nothing to end
    const [c, d] = models((i) => (i.sg_member_ips[G].IPv4 = ['10.0.0.0/8']));
    assert.deepEqual(connectionsToClose(c, d), []);
  });

  it('a port leaving a group: that group rules, that port addresses only', () => {
    const [a, b] = models((i) => (i.devices['port-2'] = port(2, { security_groups: [] })));
    const closing = connectionsToClose(a, b);
    assert.deepEqual(closing, [
      { family: 'ipv4', mark: { value: 0x10000, mask: 0xffff0000 }, dst: '10.0.0.2' },
      { family: 'ipv6', mark: { value: 0x20000, mask: 0xffff0000 }, dst: 'fd00::2' },
      { family: 'ipv4', mark: { value: 3, mask: 0xffff }, src: '10.0.0.2' },
      { family: 'ipv6', mark: { value: 4, mask: 0xffff }, src: 'fd00::2' },
    ]);
  });

  it('conntrack lines carry mark/mask and prefixes as masks', () => {
    assert.equal(conntrackDeleteLine({ family: 'ipv4', mark: { value: 0x50000, mask: 0xffff0000 }, src: '10.1.0.0/16' }), '-D -f ipv4 --mark 327680/0xffff0000 -s 10.1.0.0 --mask-src 255.255.0.0');
    assert.equal(
      conntrackDeleteLine({ family: 'ipv6', mark: { value: 7, mask: 0xffff }, dst: 'fd00::/20', zone: 3 }),
      '-D -f ipv6 --mark 7/0xffff --zone 3 -d fd00:: --mask-dst ffff:f000:0:0:0:0:0:0',
    );
  });
});

describe('nftables firewall: numbers survive a restart', () => {
  it('reads rule numbers and zones back and reuses them; new rules get free numbers', () => {
    const listed: NftJsonObject[] = [
      { rule: { family: 'inet', table: TABLE, chain: groupChain(G, 'ingress'), comment: 'sgr d-in4 7' } },
      { rule: { family: 'inet', table: TABLE, chain: groupChain(G, 'egress'), comment: 'sgr gone-rule 9' } },
      { rule: { family: 'inet', table: TABLE, chain: 'fixed-i' } },
      { map: { name: 'zones', elem: [['brqnet-1234567', 12]] } },
    ];
    const found = readBack(listed);
    assert.deepEqual(
      [...found.ruleNumbers],
      [
        ['d-in4', 7],
        ['gone-rule', 9],
      ],
    );
    assert.equal(found.directions.get('gone-rule'), 'egress');
    const state = new FirewallState();
    state.recover(found);
    const { model } = build(info(), state);
    const numbers = Object.fromEntries([...model.groups.get(G)!].map((r) => [r.key, r.number]));
    assert.deepEqual(numbers, { 'd-in4': 7, 'd-in6': 1, 'd-eg4': 2, 'd-eg6': 3 });
    assert.equal(model.zones.get('brqnet-1234567'), 12);
    // a rule deleted while the agent was away is given back at the next full sync
    assert.deepEqual([...state.dropUnseen()], [['gone-rule', 9]]);
  });
});
