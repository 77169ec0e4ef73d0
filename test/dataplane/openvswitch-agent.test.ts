// The Open vSwitch agent on real OVS (userspace datapath here: this kernel has no openvswitch
// module and no 8021q). Three "hosts" are network namespaces, each with its own ovsdb-server
// and ovs-vswitchd (own run directory); hosts 1 and 2 share an underlay bridge for VXLAN and a
// trunk for physnet1. Instances are namespaces with a veth whose host end is plugged into
// br-int as os-vif does (external_ids:iface-id). Proves: VLAN 100 and 200 with the same CIDR
// reach across hosts and not each other; VXLAN and flat across hosts; a restarted agent
// re-creates no flow; a port whose host cannot wire its segment is binding_failed and is bound
// once a capable agent reports.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { L2Agent } from '../../src/agents/l2/l2-agent.js';
import { LinuxBridgeDataplane } from '../../src/agents/linuxbridge/linuxbridge-dataplane.js';
import { OvsDataplane } from '../../src/agents/openvswitch/ovs-dataplane.js';
import { networkCookie } from '../../src/agents/openvswitch/flow-plan.js';
import { NoopFirewall } from '../../src/agents/firewall/noop-firewall.js';
import { Config } from '../../src/config/config.js';
import { tapName } from '../../src/contract/device-names.js';
import { run } from '../../src/linux/exec.js';
import { probeVlanSupport } from '../../src/linux/kernel-features.js';
import { type Flow, type Ovs, plugOvsPort, startOvsDaemons, stopOvsDaemons } from '../../src/linux/ovs.js';
import { asAdmin, startTestServer, type TestServer } from '../helpers/server.js';
import { until as untilWithin } from '../helpers/until.js';

const until = <T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000) => untilWithin(what, probe, timeoutMs);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const log = pino({ level: process.env.NEUTRINO_TEST_LOG ?? 'silent' });
const ADMIN = asAdmin('admin-project');
const P = `o${process.pid % 10000}x`;
const UNDERLAY = `${P}u`;
const HOSTS = [`${P}h1`, `${P}h2`, `${P}h3`];
const OVS_DIR = (i: number) => `/tmp/neutrino-test-${P}/ovs-${i + 1}`;
const TUN_IF = `${P}t`;
const PHYS_IF = `${P}p`;
// bridges (their internal interfaces are devices in the host namespace: prefixed too)
const BR_INT = `${P}int`;
const BR_TUN = `${P}tun`;
const BR_PHYS = `${P}phy`;
const BR_UNDERLAY = `${P}ul`;
const tunnelIp = (i: number) => `192.168.${120 + (process.pid % 50)}.${i + 1}`;
const vms: string[] = [];

const ip = (netns: string | null, args: string[]) => run('ip', args, { netns });
const batch = (netns: string | null, lines: string[]) => run('ip', ['-batch', '-'], { netns, input: `${lines.join('\n')}\n` });

async function ping(fromVm: string, to: string, count = 3): Promise<boolean> {
  const r = await run('ping', ['-c', String(count), '-i', '0.2', '-W', '1', to], { netns: fromVm, allowFailure: true, timeoutMs: 15_000 });
  return r.code === 0;
}

describe('Open vSwitch agent on the userspace datapath', () => {
  let s: TestServer;
  const ovs: Ovs[] = [];
  const agents: (L2Agent | null)[] = [null, null, null];
  const hostName = (i: number) => `${P}-host${i + 1}`;
  const req = (method: string, path: string, body?: unknown) => s.req(method, path, body, ADMIN);

  function ovsConfig(i: number): Config {
    return Config.load([], {
      // host1 answers ARP for remote ports in br-tun; host2 does not (both must interwork)
      agent: { host_namespace: HOSTS[i], tunnel_types: i < 2 ? 'vxlan' : '', l2_population: 'true', arp_responder: i === 0 ? 'true' : 'false' },
      ovs: {
        ovsdb_connection: ovs[i].db,
        integration_bridge: BR_INT,
        tunnel_bridge: BR_TUN,
        bridge_mappings: `physnet1:${BR_PHYS}`,
        local_ip: i < 2 ? tunnelIp(i) : '',
      },
      securitygroup: { firewall_driver: 'noop' },
    });
  }

  async function startAgent(i: number): Promise<L2Agent> {
    const dp = await OvsDataplane.fromConfig(ovsConfig(i), log);
    const agent = new L2Agent({ bus: s.bus, log, host: hostName(i), reportInterval: 0, dataplane: dp });
    await agent.start();
    agents[i] = agent;
    return agent;
  }

  async function network(name: string, extra: Obj, cidr: string): Promise<{ net: Obj; subnet: Obj }> {
    const n = await req('POST', '/v2.0/networks', { network: { name, ...extra } });
    assert.equal(n.status, 201, JSON.stringify(n.body));
    const sn = await req('POST', '/v2.0/subnets', { subnet: { network_id: n.body.network.id, cidr, ip_version: 4, enable_dhcp: false } });
    assert.equal(sn.status, 201, JSON.stringify(sn.body));
    return { net: n.body.network, subnet: sn.body.subnet };
  }

  /** A port bound to host i and an instance plugged into that host's br-int as os-vif does. */
  async function instance(i: number, net: { net: Obj; subnet: Obj }, fixedIp: string): Promise<{ port: Obj; vm: string; ip: string }> {
    const r = await req('POST', '/v2.0/ports', {
      port: { network_id: net.net.id, 'binding:host_id': hostName(i), device_owner: 'compute:nova', fixed_ips: [{ subnet_id: net.subnet.id, ip_address: fixedIp }] },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const port = r.body.port;
    const vm = `${P}v${vms.length}`;
    vms.push(vm);
    const mtu = net.net.mtu;
    await ip(null, ['netns', 'add', vm]);
    await ip(HOSTS[i], ['link', 'add', tapName(port.id), 'mtu', String(mtu), 'up', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', vm]);
    await batch(vm, ['link set lo up', `link set eth0 address ${port.mac_address} mtu ${mtu} up`, `addr add ${fixedIp}/24 dev eth0`]);
    await plugOvsPort(ovs[i], BR_INT, tapName(port.id), { portId: port.id, mac: port.mac_address, instanceId: `${P}-vm-${vms.length}` });
    return { port, vm, ip: fixedIp };
  }

  const portOf = async (id: string) => (await req('GET', `/v2.0/ports/${id}`)).body.port;
  const active = (id: string) => until(`port ${id} ACTIVE`, async () => (await portOf(id)).status === 'ACTIVE');

  async function cleanupKernel(): Promise<void> {
    for (let i = 0; i < HOSTS.length; i++) await stopOvsDaemons(OVS_DIR(i), { remove: true });
    for (const ns of [...vms, ...HOSTS, UNDERLAY]) await run('ip', ['netns', 'delete', ns], { allowFailure: true });
    await run('rm', ['-rf', `/tmp/neutrino-test-${P}`], { allowFailure: true });
  }

  before(async () => {
    await cleanupKernel(); // a crashed earlier run with the same pid
    s = await startTestServer('sqlite', {
      config: {
        ml2: { type_drivers: 'local,flat,vlan,vxlan', tenant_network_types: 'vxlan', mechanism_drivers: 'openvswitch,linuxbridge,l2population' },
        ml2_type_vxlan: { vni_ranges: '1000:1099' },
        ml2_type_vlan: { network_vlan_ranges: 'physnet1:100:200' },
        ml2_type_flat: { flat_networks: 'physnet1' },
      },
    });
    await ip(null, ['netns', 'add', UNDERLAY]);
    for (const h of HOSTS) await ip(null, ['netns', 'add', h]);
    const u = [`link add ${P}ub type bridge`, `link set ${P}ub up`, `link add ${P}pb type bridge`, `link set ${P}pb up`];
    for (let i = 0; i < 3; i++) {
      u.push(`link add ${P}u${i} type veth peer name ${TUN_IF} netns ${HOSTS[i]}`, `link set ${P}u${i} master ${P}ub up`);
      u.push(`link add ${P}q${i} type veth peer name ${PHYS_IF} netns ${HOSTS[i]}`, `link set ${P}q${i} master ${P}pb up`);
    }
    await batch(UNDERLAY, u);
    for (let i = 0; i < 3; i++) {
      await batch(HOSTS[i], ['link set lo up', `link set ${TUN_IF} up`, `link set ${PHYS_IF} up`]);
      ovs[i] = await startOvsDaemons({ dir: OVS_DIR(i), netns: HOSTS[i], userspaceTso: true });
      // the operator's part, as on a real host: the physical bridge holds the physnet1 NIC, and
      // (userspace datapath) the tunnel address sits on an OVS bridge that holds the underlay NIC
      await ovs[i].vsctl([
        ['--may-exist', 'add-br', BR_PHYS],
        ['set', 'Bridge', BR_PHYS, 'datapath_type=netdev'],
        ['--may-exist', 'add-port', BR_PHYS, PHYS_IF],
        ['--may-exist', 'add-br', BR_UNDERLAY],
        ['set', 'Bridge', BR_UNDERLAY, 'datapath_type=netdev'],
        ['--may-exist', 'add-port', BR_UNDERLAY, TUN_IF],
      ]);
      await batch(HOSTS[i], [`link set ${BR_UNDERLAY} up`, `link set ${BR_PHYS} up`, `addr add ${tunnelIp(i)}/24 dev ${BR_UNDERLAY}`]);
    }
    await startAgent(0);
    await startAgent(1);
  });

  after(async () => {
    for (const a of agents) await a?.stop().catch(() => undefined);
    await s?.close().catch(() => undefined);
    await cleanupKernel();
  });

  it('reports the datapath it really has, and what it can wire', async () => {
    const r = await req('GET', `/v2.0/agents?host=${hostName(0)}`);
    const c = r.body.agents[0].configurations;
    assert.equal(r.body.agents[0].agent_type, 'Open vSwitch agent');
    // no openvswitch kernel module on this machine: the agent must not claim the kernel datapath
    const hasModule = (await run('test', ['-e', '/sys/module/openvswitch'], { allowFailure: true })).code === 0;
    assert.equal(c.datapath_type, hasModule ? 'system' : 'netdev');
    assert.ok(c.datapath_type_reason);
    assert.deepEqual(c.bridge_mappings, { physnet1: BR_PHYS });
    assert.deepEqual(c.tunnel_types, ['vxlan']);
    assert.equal(c.tunneling_ip, tunnelIp(0));
    const bridge = (await ovs[0].state()).bridges.get(BR_INT)!;
    assert.equal(bridge.datapathType, c.datapath_type);
  });

  let v100: { net: Obj; subnet: Obj };
  let v200: { net: Obj; subnet: Obj };
  it('VLAN 100 and VLAN 200 with the same CIDR: same VLAN reaches across hosts, the other VLAN does not', async () => {
    v100 = await network('v100', { 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 100 }, '10.60.0.0/24');
    v200 = await network('v200', { 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 200 }, '10.60.0.0/24');
    const a1 = await instance(0, v100, '10.60.0.11');
    const a2 = await instance(1, v100, '10.60.0.12');
    const b1 = await instance(0, v200, '10.60.0.13');
    const b2 = await instance(1, v200, '10.60.0.14');
    for (const x of [a1, a2, b1, b2]) await active(x.port.id);
    assert.equal((await portOf(a1.port.id))['binding:vif_type'], 'ovs');
    assert.ok(await ping(a1.vm, a2.ip), 'VLAN 100: host1 → host2');
    assert.ok(await ping(b2.vm, b1.ip), 'VLAN 200: host2 → host1');
    assert.equal(await ping(a1.vm, b2.ip, 2), false, 'VLAN 100 must not reach VLAN 200 across hosts');
    assert.equal(await ping(a1.vm, b1.ip, 2), false, 'VLAN 100 must not reach VLAN 200 on the same host');
    // the trunk between the hosts carries provider VLANs 100 and 200, translated from local VLANs
    const phys = await ovs[0].dumpFlows(BR_PHYS);
    assert.ok(
      phys.some((f) => f.cookie === networkCookie(v100.net.id) && f.actions.startsWith(`set_field:${4096 + 100}->vlan_vid`)),
      JSON.stringify(phys.map(String)),
    );
    assert.ok(phys.some((f) => f.cookie === networkCookie(v200.net.id) && f.actions.startsWith(`set_field:${4096 + 200}->vlan_vid`)));
  });

  it('a VXLAN network carries traffic across hosts through br-tun (l2population, no flooding to strangers)', async () => {
    const vx = await network('vx1', {}, '10.61.0.0/24');
    const a = await instance(0, vx, '10.61.0.11');
    const b = await instance(1, vx, '10.61.0.12');
    await active(a.port.id);
    await active(b.port.id);
    assert.equal((await portOf(a.port.id))['binding:vif_type'], 'ovs');
    // both hosts learn the other's endpoint and MAC (add_fdb_entries) before traffic can flow
    await until('VXLAN port on host1', async () =>
      (await ovs[0].state()).interfaces.get(
        `vxlan-${tunnelIp(1)
          .split('.')
          .map((x) => Number(x).toString(16).padStart(2, '0'))
          .join('')}`,
      ),
    );
    await until('ping across VXLAN', () => ping(a.vm, b.ip, 1), 15_000);
    assert.ok(await ping(b.vm, a.ip));
    const tun = await ovs[0].dumpFlows(BR_TUN);
    assert.ok(
      tun.some((f) => f.table === 20 && f.match.includes(`dl_dst=${b.port.mac_address}`)),
      'a unicast flow for the remote MAC',
    );
    // a VXLAN instance does not reach the VLAN networks of the same hosts
    assert.equal(await ping(a.vm, '10.60.0.12', 1), false);
  });

  it('[agent] arp_responder: br-tun answers an ARP request for a remote port itself; the request never enters a tunnel', async () => {
    const c = (await req('GET', `/v2.0/agents?host=${hostName(0)}`)).body.agents[0].configurations;
    assert.equal(c.arp_responder_enabled, true);
    const vx = (await req('GET', '/v2.0/networks?name=vx1')).body.networks[0];
    const ports = (await req('GET', `/v2.0/ports?network_id=${vx.id}`)).body.ports as Obj[];
    const local = ports.find((p) => p['binding:host_id'] === hostName(0))!;
    const remote = ports.find((p) => p['binding:host_id'] === hostName(1))!;
    const remoteIp = remote.fixed_ips[0].ip_address;
    await until('ARP responder flow for the remote port', async () =>
      (await ovs[0].dumpFlows(BR_TUN)).some((f) => f.table === 21 && f.match.includes(`arp_tpa=${remoteIp}`) && f.actions.includes(`${remote.mac_address}->eth_src`)),
    );
    const st = await ovs[0].state();
    const ofport = st.interfaces.get(tapName(local.id))!.ofport;
    const flow = `in_port=${ofport},arp,dl_src=${local.mac_address},dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_sha=${local.mac_address},arp_spa=${local.fixed_ips[0].ip_address},arp_tpa=${remoteIp}`;
    const out = await ovs[0].traceFlow(BR_INT, flow);
    const actions = /Datapath actions: (.*)/.exec(out)?.[1] ?? '';
    assert.doesNotMatch(actions, /tnl_push|tunnel\(/, `the request must not be tunnelled: ${actions}`);
    // the reply goes back out of the asking port with the remote port's MAC as its sender
    assert.match(out, new RegExp(`set_field:${remote.mac_address}->arp_sha`), out);
    // the reply (datapath port numbers are not OpenFlow ones: the reply is an output after the rewrite)
    assert.match(
      actions,
      new RegExp(`set\\(arp\\(sip=${remoteIp.replace(/\./g, '\\.')},tip=[0-9.]+,op=2,sha=${remote.mac_address}[^)]*\\)\\),(pop_vlan,)?\\d+`),
      `the reply leaves towards the asking port: ${actions}`,
    );
    // and the kernel of the instance learns the remote MAC from the reply (the ping of the test before worked; its neighbour entry is from a reply)
    const vm = vms[ports.indexOf(local) >= 0 ? vms.length - 2 : 0];
    await run('ip', ['neigh', 'flush', 'all'], { netns: vm, allowFailure: true });
    assert.ok(await ping(vm, remoteIp, 1), 'ping still works with ARP answered by host1');
  });

  it('a flat network on physnet1 carries untagged traffic across hosts', async () => {
    const flat = await network('flat1', { 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' }, '10.62.0.0/24');
    const a = await instance(0, flat, '10.62.0.11');
    const b = await instance(1, flat, '10.62.0.12');
    await active(a.port.id);
    await active(b.port.id);
    assert.ok(await ping(a.vm, b.ip));
  });

  it('a restarted agent changes nothing: every flow keeps its cookie and its age', async () => {
    const bridges = [BR_INT, BR_TUN, BR_PHYS];
    const snapshot = async () => {
      const out = new Map<string, Flow>();
      for (const b of bridges) for (const f of await ovs[0].dumpFlows(b)) out.set(`${b}/${f.table}/${f.priority}/${f.match}`, f);
      return out;
    };
    await agents[0]!.stop();
    agents[0] = null;
    const before = await snapshot();
    await new Promise((r) => setTimeout(r, 1100));
    await startAgent(0);
    await agents[0]!.idle();
    // let the l2population refresh the restart asks for arrive and be applied
    await new Promise((r) => setTimeout(r, 500));
    await agents[0]!.idle();
    const after = await snapshot();
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'the same flows');
    for (const [k, f] of after) {
      const was = before.get(k)!;
      assert.equal(f.cookie, was.cookie, `${k}: cookie`);
      assert.ok(f.durationSec! >= was.durationSec! + 1, `${k}: re-created (age ${was.durationSec} s → ${f.durationSec} s)`);
    }
    // and traffic still flows
    assert.ok(await ping(vms[0], '10.60.0.12', 1));
  });

  it('a VLAN port on a host whose agent cannot wire VLANs is binding_failed, and is bound once a capable agent reports', async () => {
    // host 3 first runs a Linux bridge agent: on this kernel it cannot make VLAN subinterfaces
    const vlan = await probeVlanSupport();
    const lbConfig = Config.load([], {
      agent: { host_namespace: HOSTS[2] },
      linux_bridge: { physical_interface_mappings: `physnet1:${PHYS_IF}` },
      vxlan: { enable_vxlan: 'false' },
    });
    const lbDp = await LinuxBridgeDataplane.fromConfig(lbConfig, log, vlan, new NoopFirewall());
    const lb = new L2Agent({ bus: s.bus, log, host: hostName(2), reportInterval: 0, dataplane: lbDp });
    await lb.start();
    let port: Obj;
    try {
      const r = await req('POST', '/v2.0/ports', { port: { network_id: v100.net.id, 'binding:host_id': hostName(2), device_owner: 'compute:nova' } });
      assert.equal(r.status, 201);
      port = r.body.port;
      if (vlan.supported) {
        assert.equal(port['binding:vif_type'], 'bridge', 'a kernel with 8021q: the Linux bridge agent may take it');
        return;
      }
      assert.equal(port['binding:vif_type'], 'binding_failed');
      assert.match(JSON.stringify(port['binding:vif_details']), /802\.1Q|8021q/);
    } finally {
      await lb.stop();
    }
    // now an Open vSwitch agent on host 3, with physnet1 on its physical bridge
    await startAgent(2);
    const vm = `${P}v${vms.length}`;
    vms.push(vm);
    await ip(null, ['netns', 'add', vm]);
    await ip(HOSTS[2], ['link', 'add', tapName(port.id), 'up', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', vm]);
    await batch(vm, ['link set lo up', `link set eth0 address ${port.mac_address} up`, `addr add ${port.fixed_ips[0].ip_address}/24 dev eth0`]);
    await plugOvsPort(ovs[2], BR_INT, tapName(port.id), { portId: port.id, mac: port.mac_address, instanceId: `${P}-vm3` });
    await active(port.id);
    const bound = await portOf(port.id);
    assert.equal(bound['binding:vif_type'], 'ovs');
    assert.ok(await ping(vm, '10.60.0.11'), 'host 3 reaches VLAN 100 on host 1');
  });
});
