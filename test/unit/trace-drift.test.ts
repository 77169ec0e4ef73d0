// The pieces of trace and audit that need no kernel: which security group rule a packet meets,
// whether an address is a port's own, and the drift between a rendered nft table and what
// `nft -j` lists back (the two spellings meet).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tableDrift } from '../../src/agents/firewall/drift.js';
import { flowDrift } from '../../src/agents/openvswitch/flow-drift.js';
import type { Flow } from '../../src/linux/ovs.js';
import type { NftTable } from '../../src/agents/firewall/nft-table.js';
import type { NftJsonObject } from '../../src/linux/nft.js';
import { addressGroupKey, addressIn, describeRule, matchingRule, type StoredRule } from '../../src/plugins/trace/rule-match.js';
import { sgRule } from '../helpers/sg-rule.js';

const rule = (r: Partial<StoredRule>): StoredRule => ({ ...sgRule('r', r), security_group_id: 'g', ...r });
const tcp = (dport: number) => ({ version: 4 as const, protocol: 6, dport, code: null });
const none = () => false;

describe('security group rule matching (trace)', () => {
  it('port ranges, protocols, prefixes and remote groups decide; the first match wins', () => {
    const rules = [
      rule({ id: 'ssh', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '10.0.0.0/24' }),
      rule({ id: 'web', protocol: '6', port_range_min: 80, port_range_max: 90 }),
    ];
    assert.equal(matchingRule(rules, tcp(22), '10.0.0.5', none)?.id, 'ssh');
    assert.equal(matchingRule(rules, tcp(22), '10.9.0.5', none), null);
    assert.equal(matchingRule(rules, tcp(85), '10.9.0.5', none)?.id, 'web');
    assert.equal(matchingRule(rules, { version: 4, protocol: 17, dport: 85, code: null }, '10.9.0.5', none), null);
    assert.equal(matchingRule([rule({ ethertype: 'IPv6' })], tcp(1), '10.0.0.1', none), null);
    const grp = [rule({ id: 'member', remote_group_id: 'peers' })];
    assert.equal(matchingRule(grp, tcp(1), '10.0.0.7', (g, ip) => g === 'peers' && ip === '10.0.0.7')?.id, 'member');
    assert.equal(
      matchingRule(grp, tcp(1), '10.0.0.8', (g, ip) => g === 'peers' && ip === '10.0.0.7'),
      null,
    );
    const echo = [rule({ id: 'echo', protocol: 'icmp', port_range_min: 8, port_range_max: 0 })];
    assert.equal(matchingRule(echo, { version: 4, protocol: 1, dport: 8, code: 0 }, '1.2.3.4', none)?.id, 'echo');
    assert.equal(matchingRule(echo, { version: 4, protocol: 1, dport: 0, code: 0 }, '1.2.3.4', none), null);
    assert.equal(
      describeRule(rules[0], (g) => g),
      'ingress IPv4 tcp 22 from 10.0.0.0/24',
    );
  });

  it("a rule naming an address group matches the group's prefixes only", () => {
    const ag = [rule({ id: 'office', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_address_group_id: 'ag1' })];
    const prefixes = (g: string, ip: string) => g === addressGroupKey('ag1') && addressIn(ip, ['192.0.2.0/24']) !== null;
    assert.equal(matchingRule(ag, tcp(22), '192.0.2.9', prefixes)?.id, 'office');
    assert.equal(matchingRule(ag, tcp(22), '198.51.100.9', prefixes), null);
    assert.equal(
      describeRule(ag[0], (g) => g),
      'ingress IPv4 tcp 22 from address group ag1',
    );
  });

  it('addressIn: an address is a fixed IP or inside an allowed address pair prefix', () => {
    assert.equal(addressIn('10.0.0.5', ['10.0.0.5']), '10.0.0.5');
    assert.equal(addressIn('10.0.0.130', ['10.0.0.5', '10.0.0.128/28']), '10.0.0.128/28');
    assert.equal(addressIn('10.0.0.99', ['10.0.0.5', '10.0.0.128/28']), null);
    assert.equal(addressIn('not-an-ip', ['10.0.0.5']), null);
  });
});

describe('nft table drift (audit)', () => {
  const wanted: NftTable = {
    family: 'bridge',
    name: 'neutrino-sg',
    sets: new Map([
      [
        'port_ipv4',
        {
          kind: 'set',
          spec: '',
          elements: new Map([
            ['"tap1" . fa:16:3e:00:00:01 . 10.0.0.5/32', null],
            ['"tap1" . fa:16:3e:00:00:01 . 10.0.0.128/28', null],
          ]),
        },
      ],
      ['port_index', { kind: 'map', spec: '', elements: new Map([['"tap1"', '0x00000003']]) }],
    ]),
    chains: new Map([['prerouting', { hook: 'x', rules: ['a', 'b'] }]]),
  };
  const listed = (ipv4: unknown[], rules = 2): NftJsonObject[] => [
    { set: { name: 'port_ipv4', elem: ipv4 } },
    { map: { name: 'port_index', elem: [['tap1', 3]] } },
    { chain: { name: 'prerouting' } },
    ...Array.from({ length: rules }, () => ({ rule: { chain: 'prerouting' } })),
  ];
  const both = [{ concat: ['tap1', 'fa:16:3e:00:00:01', '10.0.0.5'] }, { concat: ['tap1', 'fa:16:3e:00:00:01', { prefix: { addr: '10.0.0.128', len: 28 } }] }];

  it('the same table in both spellings is no drift', () => {
    const counted = { elements: 0, chains: 0 };
    assert.deepEqual(tableDrift(wanted, listed(both), counted), []);
    assert.deepEqual(counted, { elements: 3, chains: 1 });
  });

  it('a flushed set, an extra element, a rule short and a missing table are named', () => {
    const c = { elements: 0, chains: 0 };
    const flushed = tableDrift(wanted, listed([]), c);
    assert.deepEqual(
      flushed.map((d) => `${d.kind} ${d.object}`),
      ['nft_set bridge neutrino-sg port_ipv4'],
    );
    assert.match(flushed[0].detail, /2 element\(s\) missing/);
    const extra = tableDrift(wanted, listed([...both, { concat: ['tap9', 'fa:16:3e:00:00:09', '10.0.0.9'] }], 1), c);
    assert.deepEqual(
      extra.map((d) => d.detail),
      ['1 rule(s) where 2 were applied', '1 element(s) nobody applied (tap9.fa:16:3e:00:00:09.10.0.0.9)'],
    );
    assert.equal(tableDrift(wanted, null, c)[0].kind, 'nft_table');
  });
});

describe('Open vSwitch flow drift (audit)', () => {
  const f = (table: number, priority: number, match: string, actions: string, cookie = 0x4e54000000000001n): Flow => ({ cookie, table, priority, match, actions });
  it('names flows missing, changed and sent by nobody; the same table in another match order is no drift', () => {
    const sent = [f(0, 1, 'in_port=1', 'goto_table:20'), f(20, 2, 'dl_vlan=1,dl_dst=fa:16:3e:00:00:02', 'pop_vlan,set_field:0x3e8->tun_id,output:3'), f(22, 1, 'dl_vlan=1', 'output:3,output:4')];
    const same = [f(0, 1, 'in_port=1', 'goto_table:20'), f(20, 2, 'dl_dst=fa:16:3e:00:00:02,dl_vlan=1', 'pop_vlan,set_field:0x3e8->tun_id,output:3'), f(22, 1, 'dl_vlan=1', 'output:3,output:4')];
    assert.deepEqual(flowDrift('br-tun', sent, same), []);
    const have = [f(0, 1, 'in_port=1', 'goto_table:20'), f(22, 1, 'dl_vlan=1', 'output:3'), f(0, 5, 'in_port=9', 'drop', 0x99n)];
    const d = flowDrift('br-tun', sent, have);
    assert.deepEqual(
      d.map((x) => `${x.kind} ${x.object}`),
      ['ovs_flow br-tun table=20,priority=2,dl_dst=fa:16:3e:00:00:02,dl_vlan=1', 'ovs_flow br-tun table=22,priority=1,dl_vlan=1', 'ovs_flow br-tun table=0,priority=5,in_port=9'],
    );
    assert.match(d[0].detail, /^missing \(cookie 0x4e54000000000001, actions=pop_vlan/);
    assert.match(d[1].detail, /actions=output:3 where cookie 0x4e54000000000001 actions=output:3,output:4 was sent/);
    assert.match(d[2].detail, /^a flow nobody sent \(cookie 0x99/);
    assert.ok(d.every((x) => !x.repaired));
  });
});
