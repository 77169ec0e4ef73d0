// The linuxbridge agent's decisions, without a kernel: which `ip -batch` lines a batch of
// ports needs given what the kernel has, and which devices are stale.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fdbAddLines, fdbRemoveLines, FLOOD_MAC } from '../../src/linux/bridge-fdb.js';
import { parseMonitorLine } from '../../src/linux/link-monitor.js';
import { parseBatchErrors, parseLinks, type Link } from '../../src/linux/links.js';
import { networkWiring, planBridgeRemoval, planCleanup, planWiring, type LinuxBridgeSettings, type NetworkWiring } from '../../src/agents/linuxbridge/wiring-plan.js';
import type { DeviceDetails } from '../../src/contract/l2.js';

const NET = 'a1b2c3d4e5f6-0000-1111-2222-333344445555';
const BR = 'brqa1b2c3d4e5f';
const SETTINGS: LinuxBridgeSettings = {
  interfaceMappings: { physnet1: 'eth1', physnet2: 'eth2' },
  bridgeMappings: { physnet3: 'br-ex' },
  vxlan: { localIp: '192.0.2.1', dev: 'eth0', dstport: 4789, learning: false },
  vlanSupported: false,
};

let ifindex = 100;
function link(name: string, o: Partial<Link> = {}): Link {
  return { ifindex: ifindex++, name, mtu: 1500, up: true, master: null, kind: null, data: {}, address: null, ...o };
}
const state = (...links: Link[]) => new Map(links.map((l) => [l.name, l]));
const bridge = (name: string, o: Partial<Link> = {}) => link(name, { kind: 'bridge', mtu: 1450, data: { stp_state: 0, forward_delay: 0 }, ...o });
const vxlan = (vni: number, o: Partial<Link> = {}) =>
  link(`vxlan-${vni}`, { kind: 'vxlan', mtu: 1450, master: BR, data: { id: vni, local: '192.0.2.1', link: 'eth0', port: 4789, learning: false }, ...o });
const tap = (name: string, o: Partial<Link> = {}) => link(name, { kind: 'veth', mtu: 1450, master: BR, ...o });

const port = (o: Partial<DeviceDetails> = {}): DeviceDetails => ({
  device: 'tap11111111-22',
  port_id: '11111111-2222-3333-4444-555555555555',
  network_id: NET,
  network_type: 'vxlan',
  segmentation_id: 1001,
  physical_network: null,
  mtu: 1450,
  ...o,
});

function wiring(d: DeviceDetails): NetworkWiring {
  const w = networkWiring(d, SETTINGS);
  assert.ok(!('error' in w), JSON.stringify(w));
  return w;
}

describe('networkWiring', () => {
  it('vxlan: brq bridge with vxlan-<vni> on the local_ip interface', () => {
    assert.deepEqual(wiring(port()), {
      networkId: NET,
      bridge: BR,
      ownBridge: true,
      mtu: 1450,
      segment: { kind: 'vxlan', name: 'vxlan-1001', vni: 1001, local: '192.0.2.1', dev: 'eth0', dstport: 4789, learning: false },
    });
  });
  it('flat: the mapped interface, or the mapped bridge itself', () => {
    assert.deepEqual(wiring(port({ network_type: 'flat', physical_network: 'physnet1', segmentation_id: null })).segment, { kind: 'physical', name: 'eth1' });
    const mapped = wiring(port({ network_type: 'flat', physical_network: 'physnet3', segmentation_id: null }));
    assert.equal(mapped.bridge, 'br-ex');
    assert.equal(mapped.ownBridge, false);
  });
  it('local: a bridge and nothing else', () => {
    assert.deepEqual(wiring(port({ network_type: 'local', segmentation_id: null })).segment, { kind: 'none' });
  });
  it('refuses what this host cannot carry, saying why', () => {
    const vlan = networkWiring(port({ network_type: 'vlan', physical_network: 'physnet1', segmentation_id: 101 }), SETTINGS);
    assert.match((vlan as { error: string }).error, /802\.1Q.*eth1/);
    const unmapped = networkWiring(port({ network_type: 'flat', physical_network: 'physnet9' }), SETTINGS);
    assert.match((unmapped as { error: string }).error, /physnet9/);
    const noVxlan = networkWiring(port(), { ...SETTINGS, vxlan: null });
    assert.match((noVxlan as { error: string }).error, /VXLAN is not enabled/);
    const noAddress = networkWiring(port(), { ...SETTINGS, vxlan: { ...SETTINGS.vxlan!, dev: null } });
    assert.match((noAddress as { error: string }).error, /local_ip 192\.0\.2\.1 is not an address of any interface/);
  });
  it('vlan on a kernel with 8021q: a subinterface of the mapped interface', () => {
    const w = networkWiring(port({ network_type: 'vlan', physical_network: 'physnet1', segmentation_id: 101 }), { ...SETTINGS, vlanSupported: true }) as NetworkWiring;
    assert.deepEqual(w.segment, { kind: 'vlan', name: 'eth1.101', parent: 'eth1', vid: 101 });
  });
});

describe('planWiring', () => {
  it('creates bridge, vxlan device and enslaves the tap on an empty host', () => {
    const p = planWiring(state(link('eth0'), tap('tap11111111-22', { master: null, up: false, mtu: 1500 })), [{ net: wiring(port()), taps: ['tap11111111-22'] }]);
    assert.deepEqual(
      p.lines.map((l) => l.line),
      [
        `link add name ${BR} mtu 1450 up type bridge stp_state 0 forward_delay 0`,
        `link add vxlan-1001 mtu 1450 master ${BR} up type vxlan id 1001 local 192.0.2.1 dev eth0 dstport 4789 nolearning`,
        `link set dev tap11111111-22 mtu 1450 master ${BR} up`,
      ],
    );
    assert.deepEqual(p.createdVxlan, ['vxlan-1001']);
    assert.deepEqual(p.problems, []);
  });

  it('emits nothing when everything is already right (an agent restart changes nothing)', () => {
    const p = planWiring(state(link('eth0'), bridge(BR), vxlan(1001), tap('tap11111111-22')), [{ net: wiring(port()), taps: ['tap11111111-22'] }]);
    assert.deepEqual(p.lines, []);
    assert.deepEqual(p.createdVxlan, []);
  });

  it('fixes only what differs', () => {
    const p = planWiring(state(link('eth0'), bridge(BR, { up: false, data: { stp_state: 1, forward_delay: 1500 } }), vxlan(1001, { master: null }), tap('tap11111111-22', { mtu: 1500 })), [
      { net: wiring(port()), taps: ['tap11111111-22', 'tapgone'] },
    ]);
    assert.deepEqual(
      p.lines.map((l) => l.line),
      [`link set dev ${BR} type bridge stp_state 0 forward_delay 0`, `link set dev ${BR} up`, `link set dev vxlan-1001 master ${BR} up`, `link set dev tap11111111-22 mtu 1450 master ${BR} up`],
    );
  });

  it('a port with admin_state_up = false is enslaved but kept down', () => {
    const p = planWiring(state(link('eth0'), bridge(BR), vxlan(1001), tap('tap11111111-22'), tap('tapdown', { master: null })), [
      { net: wiring(port()), taps: ['tap11111111-22', 'tapdown'], down: new Set(['tap11111111-22', 'tapdown']) },
    ]);
    assert.deepEqual(
      p.lines.map((l) => l.line),
      [`link set dev tap11111111-22 master ${BR} down`, `link set dev tapdown master ${BR} down`],
    );
  });

  it('recreates a vxlan device made with another local address', () => {
    const p = planWiring(state(link('eth0'), bridge(BR), vxlan(1001, { data: { id: 1001, local: '198.51.100.1', port: 4789, learning: false } })), [{ net: wiring(port()), taps: [] }]);
    assert.deepEqual(
      p.lines.map((l) => l.line),
      ['link del dev vxlan-1001', `link add vxlan-1001 mtu 1450 master ${BR} up type vxlan id 1001 local 192.0.2.1 dev eth0 dstport 4789 nolearning`],
    );
  });

  it('flat: enslaves the mapped interface; a missing one is a problem, not a command', () => {
    const flat = wiring(port({ network_type: 'flat', physical_network: 'physnet1', segmentation_id: null, mtu: 1500 }));
    const ok = planWiring(state(link('eth1', { up: false }), bridge(BR, { mtu: 1500 })), [{ net: flat, taps: [] }]);
    assert.deepEqual(
      ok.lines.map((l) => l.line),
      [`link set dev eth1 master ${BR} up`],
    );
    const missing = planWiring(state(), [{ net: flat, taps: ['tapx'] }]);
    assert.deepEqual(missing.lines, []);
    assert.match(missing.problems[0].error, /eth1.*does not exist/);
    assert.deepEqual(missing.problems[0].taps, ['tapx']);
  });

  it('a mapped bridge is used as it is, and must exist', () => {
    const mapped = wiring(port({ network_type: 'flat', physical_network: 'physnet3', segmentation_id: null, mtu: 1500 }));
    const p = planWiring(state(bridge('br-ex', { mtu: 9000, data: { stp_state: 1 } }), tap('tapa', { master: null, mtu: 1500 })), [{ net: mapped, taps: ['tapa'] }]);
    assert.deepEqual(
      p.lines.map((l) => l.line),
      ['link set dev tapa master br-ex up'],
    );
    assert.match(planWiring(state(), [{ net: mapped, taps: [] }]).problems[0].error, /br-ex.*does not exist/);
  });

  it('a device with the bridge name that is no bridge is refused', () => {
    const p = planWiring(state(link(BR, { kind: 'veth' })), [{ net: wiring(port()), taps: [] }]);
    assert.deepEqual(p.lines, []);
    assert.match(p.problems[0].error, /not a bridge/);
  });
});

describe('bridge removal and cleanup', () => {
  it('removes a bridge with no tap left, with its vxlan device; a mapped interface is only released', () => {
    const links = state(bridge(BR), vxlan(1001), tap('tapgone'), bridge('brqother'), link('eth1', { master: 'brqother' }));
    const p = planBridgeRemoval(links, [BR, 'brqother'], new Set(['tapgone']));
    assert.deepEqual(p.lines, ['link del dev vxlan-1001', `link del dev ${BR}`, 'link del dev brqother']);
    assert.deepEqual(p.released, ['eth1']);
  });
  it('keeps a bridge while any tap (instance, DHCP, router) is on it', () => {
    const p = planBridgeRemoval(state(bridge(BR), vxlan(1001), tap('tapdhcp')), [BR], new Set(['tapgone']));
    assert.deepEqual(p.lines, []);
  });
  it('cleanup: stale brq bridges and loose vxlan devices go, present networks and other devices stay', () => {
    const links = state(
      bridge(BR),
      vxlan(1001),
      tap('tap11111111-22'),
      bridge('brqstale'),
      vxlan(1002, { master: 'brqstale' }),
      bridge('brqkept'), // a present network's bridge is never removed
      bridge('br-ex'),
      link('eth1', { master: 'br-ex' }),
      vxlan(1003, { master: null }),
      link('tapalone'),
    );
    const p = planCleanup(links, new Set([BR, 'brqkept']));
    assert.deepEqual(p.lines, ['link del dev vxlan-1002', 'link del dev brqstale', 'link del dev vxlan-1003']);
    assert.deepEqual(p.bridges, ['brqstale']);
  });
});

describe('kernel output parsing', () => {
  it('ip -d -json link show', () => {
    const [l] = parseLinks(JSON.stringify([{ ifindex: 7, ifname: 'vxlan-5', mtu: 1450, flags: ['BROADCAST', 'UP'], master: 'brqx', linkinfo: { info_kind: 'vxlan', info_data: { id: 5 } } }]));
    assert.deepEqual(l, { ifindex: 7, name: 'vxlan-5', mtu: 1450, up: true, master: 'brqx', kind: 'vxlan', data: { id: 5 }, address: null });
  });
  it('ip monitor lines: link messages count, bridge-port messages do not', () => {
    assert.deepEqual(parseMonitorLine('3: tapabc@vm0: <BROADCAST,MULTICAST,M-DOWN> mtu 1450 qdisc noop state DOWN group default \\    link/ether fa:19:40:15:88:33 brd ff:ff:ff:ff:ff:ff'), {
      kind: 'new',
      name: 'tapabc',
    });
    assert.deepEqual(parseMonitorLine('Deleted 3: tapabc@NONE: <BROADCAST,MULTICAST> mtu 1450 qdisc noop state DOWN group default \\    link/ether fa:19:40:15:88:33 brd ff:ff:ff:ff:ff:ff'), {
      kind: 'deleted',
      name: 'tapabc',
    });
    assert.equal(parseMonitorLine('Deleted 3: tapabc@vm0: <BROADCAST,MULTICAST,UP> mtu 1450 master brq1 state LOWERLAYERDOWN \\    link/ether fa:19:40:15:88:33'), null);
    assert.equal(parseMonitorLine('garbage'), null);
  });
  it('ip -force -batch errors map to their lines', () => {
    const lines = ['link add a type bridge', 'link set dev nosuch up', 'link set dev b up', 'link add a type bridge'];
    assert.deepEqual(parseBatchErrors('Cannot find device "nosuch"\nCommand failed -:2\nRTNETLINK answers: File exists\nCommand failed -:4\n', lines), [
      { line: 1, command: 'link set dev nosuch up', error: 'Cannot find device "nosuch"' },
      { line: 3, command: 'link add a type bridge', error: 'RTNETLINK answers: File exists' },
    ]);
  });
  it('fdb lines: flood entries are appended, MACs replaced, removals name their remote', () => {
    assert.deepEqual(fdbAddLines('vxlan-7', [{ dst: '192.0.2.2', macs: [FLOOD_MAC, 'fa:16:3e:00:00:01', 'fa:16:3e:00:00:01'] }]), [
      'fdb append 00:00:00:00:00:00 dev vxlan-7 dst 192.0.2.2',
      'fdb replace fa:16:3e:00:00:01 dev vxlan-7 dst 192.0.2.2',
    ]);
    assert.deepEqual(fdbRemoveLines('vxlan-7', [{ dst: '192.0.2.2', macs: [FLOOD_MAC] }]), ['fdb del 00:00:00:00:00:00 dev vxlan-7 dst 192.0.2.2']);
  });
});
