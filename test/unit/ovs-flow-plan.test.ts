// The Open vSwitch agent's flow plan (pure) and the parsers of src/linux/ovs.ts: what goes
// on br-int, br-tun and the physical bridges for VLAN, flat and VXLAN networks, that a
// restarted agent reads l2population's picture back from br-tun, and that tables compare
// equal however OVS orders a match.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arpReplyActions, COOKIE_BASE, type FlowPlanInput, freeLocalVlan, networkCookie, planFlows, recoverFdb, STATIC_COOKIE } from '../../src/agents/openvswitch/flow-plan.js';
import { intPatchName, phyPatchName, tunnelPortName } from '../../src/agents/openvswitch/names.js';
import { type Flow, flowsEqual, ovsdbRows, parseFlowDump, parseInterfaceMonitorLine, renderFlow } from '../../src/linux/ovs.js';

const NET_V = '11111111-1111-1111-1111-111111111111';
const NET_F = '22222222-2222-2222-2222-222222222222';
const NET_X = '33333333-3333-3333-3333-333333333333';

function input(over: Partial<FlowPlanInput> = {}): FlowPlanInput {
  return {
    integrationBridge: 'br-int',
    tunnelBridge: 'br-tun',
    bridgeMappings: { physnet1: 'br-eth1' },
    networks: [
      { networkId: NET_V, lvid: 1, networkType: 'vlan', physnet: 'physnet1', segmentationId: 100 },
      { networkId: NET_F, lvid: 2, networkType: 'flat', physnet: 'physnet1', segmentationId: null },
      { networkId: NET_X, lvid: 3, networkType: 'vxlan', physnet: null, segmentationId: 1001 },
    ],
    fdb: new Map([[NET_X, { flood: new Set(['10.0.0.2', '10.0.0.3']), macs: new Map([['fa:16:3e:00:00:02', '10.0.0.2']]) }]]),
    ofports: { patchTun: 1, patchInt: 1, intPhys: { 'br-eth1': 2 }, physInt: { 'br-eth1': 5 }, tunnels: { '10.0.0.3': 7, '10.0.0.2': 6 }, dead: [9] },
    ...over,
  };
}

const find = (flows: Flow[], pred: (f: Flow) => boolean) => flows.filter(pred);

describe('Open vSwitch flow plan', () => {
  it('br-int: NORMAL switching, provider VLAN and untagged flat frames from the physical bridge get their local VLAN, anything else from it is dropped', () => {
    const br = planFlows(input()).get('br-int')!;
    assert.deepEqual(
      find(br, (f) => f.priority === 0),
      [{ cookie: STATIC_COOKIE, table: 0, priority: 0, match: '', actions: 'NORMAL' }],
    );
    assert.deepEqual(find(br, (f) => f.match === 'in_port=2,dl_vlan=100')[0], {
      cookie: networkCookie(NET_V),
      table: 0,
      priority: 3,
      match: 'in_port=2,dl_vlan=100',
      actions: 'set_field:4097->vlan_vid,NORMAL',
    });
    assert.equal(find(br, (f) => f.match === 'in_port=2,vlan_tci=0x0000/0x1fff')[0].actions, 'push_vlan:0x8100,set_field:4098->vlan_vid,NORMAL');
    assert.equal(find(br, (f) => f.match === 'in_port=2')[0].actions, 'drop');
    // an admin-down port carries nothing
    assert.equal(find(br, (f) => f.match === 'in_port=9')[0].actions, 'drop');
    // VXLAN networks need nothing on br-int beyond NORMAL
    assert.equal(find(br, (f) => f.cookie === networkCookie(NET_X)).length, 0);
  });

  it('physical bridge: local VLANs leave as the provider VLAN (vlan) or untagged (flat); other local VLANs never leave', () => {
    const br = planFlows(input()).get('br-eth1')!;
    assert.equal(find(br, (f) => f.match === 'in_port=5,dl_vlan=1')[0].actions, 'set_field:4196->vlan_vid,NORMAL');
    assert.equal(find(br, (f) => f.match === 'in_port=5,dl_vlan=2')[0].actions, 'pop_vlan,NORMAL');
    // the VXLAN network's local VLAN 3 is not let out
    assert.equal(find(br, (f) => f.match.includes('dl_vlan=3')).length, 0);
    assert.equal(find(br, (f) => f.match === 'in_port=5')[0].actions, 'drop');
  });

  it('br-tun: VNI → local VLAN into br-int, known MACs to their host, flooding to every host of the network', () => {
    const br = planFlows(input()).get('br-tun')!;
    const at = (t: number) => find(br, (f) => f.table === t);
    assert.deepEqual(
      at(0)
        .filter((f) => f.priority === 1)
        .map((f) => `${f.match} ${f.actions}`),
      ['in_port=1 goto_table:20', 'in_port=6 goto_table:4', 'in_port=7 goto_table:4'],
    );
    assert.equal(find(at(4), (f) => f.match === 'tun_id=0x3e9')[0].actions, 'push_vlan:0x8100,set_field:4099->vlan_vid,output:1');
    assert.equal(find(at(20), (f) => f.match === 'dl_vlan=3,dl_dst=fa:16:3e:00:00:02')[0].actions, 'pop_vlan,set_field:0x3e9->tun_id,output:6');
    assert.equal(find(at(22), (f) => f.match === 'dl_vlan=3')[0].actions, 'pop_vlan,set_field:0x3e9->tun_id,output:6,output:7');
    // unknown unicast floods; what matches nothing is dropped
    assert.equal(find(at(20), (f) => f.priority === 0)[0].actions, 'goto_table:22');
    assert.equal(find(at(22), (f) => f.priority === 0)[0].actions, 'drop');
  });

  it('a VXLAN network no other host has yet floods nowhere', () => {
    const br = planFlows(input({ fdb: new Map() })).get('br-tun')!;
    assert.equal(find(br, (f) => f.table === 22 && f.priority === 1).length, 0);
    assert.equal(find(br, (f) => f.table === 20 && f.priority === 2).length, 0);
  });

  it('without tunnels there is no br-tun table; without a mapping there is no physical bridge table', () => {
    const plan = planFlows(input({ tunnelBridge: null, bridgeMappings: {} }));
    assert.deepEqual([...plan.keys()], ['br-int']);
  });

  it('cookies: every flow carries the agent prefix, a network has one stable cookie', () => {
    const all = [...planFlows(input()).values()].flat();
    for (const f of all) assert.equal((f.cookie >> 48n) << 48n, COOKIE_BASE, renderFlow(f));
    assert.equal(networkCookie(NET_V), networkCookie(NET_V));
    assert.notEqual(networkCookie(NET_V), networkCookie(NET_F));
  });

  it("a restarted agent reads l2population's picture back from br-tun's flows", () => {
    const i = input();
    const tun = planFlows(i).get('br-tun')!;
    const got = recoverFdb(
      tun,
      new Map([[3, NET_X]]),
      new Map([
        [6, '10.0.0.2'],
        [7, '10.0.0.3'],
      ]),
    );
    assert.deepEqual(got, i.fdb);
    // planned again from what was recovered, the table is the same
    assert.ok(flowsEqual(planFlows({ ...i, fdb: got }).get('br-tun')!, tun));
  });

  it('local VLANs: the lowest free one, none when all 4094 are used', () => {
    assert.equal(freeLocalVlan([]), 1);
    assert.equal(freeLocalVlan([1, 2, 4]), 3);
    assert.equal(freeLocalVlan(Array.from({ length: 4094 }, (_, k) => k + 1)), null);
  });

  it("port names are Neutron's and fit in 15 characters", () => {
    assert.equal(tunnelPortName('192.168.1.2'), 'vxlan-c0a80102');
    assert.equal(intPatchName('br-eth1'), 'int-br-eth1');
    assert.equal(phyPatchName('br-a-very-long-bridge'), 'phy-br-a-very-l');
    assert.ok(tunnelPortName('fd00::1').length <= 15);
  });
});

describe('ovs.ts parsers', () => {
  const dump = `OFPST_FLOW reply (OF1.3) (xid=0x2):
 cookie=0x4e5400000000001, duration=2.791s, table=0, n_packets=7, n_bytes=566, priority=1,in_port=1 actions=goto_table:20
 cookie=0x4e54000012345678, duration=12.5s, table=22, n_packets=0, n_bytes=0, idle_age=3, priority=1,dl_vlan=5 actions=pop_vlan,set_field:0x64->tun_id,output:2,output:3
 cookie=0x0, duration=1s, table=0, n_packets=0, n_bytes=0, priority=0 actions=NORMAL
`;

  it('dump-flows: cookie, age, table, priority, match and actions', () => {
    const f = parseFlowDump(dump);
    assert.equal(f.length, 3);
    assert.deepEqual(f[1], {
      cookie: 0x4e54000012345678n,
      table: 22,
      priority: 1,
      match: 'dl_vlan=5',
      actions: 'pop_vlan,set_field:0x64->tun_id,output:2,output:3',
      durationSec: 12.5,
      packets: 0,
    });
    assert.equal(f[2].match, '');
  });

  it('tables compare equal whatever the order of match fields; a different cookie or action is a difference', () => {
    const a: Flow = { cookie: 1n, table: 20, priority: 2, match: 'dl_vlan=3,dl_dst=fa:16:3e:00:00:02', actions: 'output:1' };
    const b: Flow = { ...a, match: 'dl_dst=fa:16:3e:00:00:02,dl_vlan=3' };
    assert.ok(flowsEqual([a], [b]));
    assert.equal(flowsEqual([a], [{ ...b, cookie: 2n }]), false);
    assert.equal(flowsEqual([a], [{ ...b, actions: 'output:2' }]), false);
    assert.equal(flowsEqual([a], []), false);
    assert.equal(renderFlow(a), 'cookie=0x1,table=20,priority=2,dl_vlan=3,dl_dst=fa:16:3e:00:00:02,actions=output:1');
  });

  it('OVSDB JSON: maps, sets and uuids made plain', () => {
    const rows = ovsdbRows({
      headings: ['name', 'tag', 'external_ids', 'ports'],
      data: [
        [
          'tap1',
          ['set', []],
          ['map', [['iface-id', 'p1']]],
          [
            'set',
            [
              ['uuid', 'u1'],
              ['uuid', 'u2'],
            ],
          ],
        ],
      ],
    });
    assert.deepEqual(rows, [{ name: 'tap1', tag: null, external_ids: { 'iface-id': 'p1' }, ports: ['u1', 'u2'] }]);
  });

  it('ovsdb-client monitor lines: the initial table and later inserts/deletes', () => {
    const line = '{"data":[["10c1","initial","tapa",2,["map",[["iface-id","x1"]]]],["9acd","delete","br-tp",65534,["map",[]]]],"headings":["row","action","name","ofport","external_ids"]}';
    assert.deepEqual(parseInterfaceMonitorLine(line), [
      { action: 'initial', row: { name: 'tapa', ofport: 2, externalIds: { 'iface-id': 'x1' } } },
      { action: 'delete', row: { name: 'br-tp', ofport: 65534, externalIds: {} } },
    ]);
    assert.deepEqual(parseInterfaceMonitorLine(''), []);
  });

  it('[agent] arp_responder: broadcast ARP from br-int goes to table 21, which answers for remote IPs l2population named and floods the rest; read back after a restart', () => {
    const fdb = new Map([[NET_X, { flood: new Set(['10.0.0.2']), macs: new Map([['fa:16:3e:00:00:02', '10.0.0.2']]), arp: new Map([['10.61.0.12', 'fa:16:3e:00:00:02']]) }]]);
    const off = planFlows(input({ fdb })).get('br-tun')!;
    assert.equal(off.filter((f) => f.table === 21).length, 0, 'no responder unless asked');
    const tun = planFlows(input({ fdb, arpResponder: true })).get('br-tun')!;
    assert.equal(tun.find((f) => f.table === 20 && f.priority === 1)?.match, 'arp,dl_dst=ff:ff:ff:ff:ff:ff');
    assert.equal(tun.find((f) => f.table === 20 && f.priority === 1)?.actions, 'goto_table:21');
    assert.equal(tun.find((f) => f.table === 21 && f.priority === 0)?.actions, 'goto_table:22');
    const answer = tun.find((f) => f.table === 21 && f.priority === 1)!;
    assert.equal(answer.match, 'arp,dl_vlan=3,arp_tpa=10.61.0.12');
    assert.equal(answer.cookie, networkCookie(NET_X));
    assert.equal(answer.actions, arpReplyActions('fa:16:3e:00:00:02', '10.61.0.12'));
    assert.match(answer.actions, /set_field:2->arp_op/);
    assert.match(answer.actions, /IN_PORT$/);
    const back = recoverFdb(tun, new Map([[3, NET_X]]), new Map([[6, '10.0.0.2']]));
    assert.deepEqual([...(back.get(NET_X)?.arp ?? [])], [['10.61.0.12', 'fa:16:3e:00:00:02']]);
  });
});
