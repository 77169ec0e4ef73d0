// The Linux bridge agent on the real kernel: two "hosts" (network namespaces) joined by an
// underlay bridge for VXLAN and a second one for physnet1, each with a real L2Agent and
// LinuxBridgeDataplane talking to an in-process server. Instances are namespaces with a veth
// whose host end is the port's tap. Proves: ports turn ACTIVE, VXLAN and flat networks carry
// traffic across hosts, VXLAN networks are isolated at L2, an agent restart leaves every
// device as it was and removes stale ones, and a bridge goes with its last tap.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { NoopFirewall } from '../../src/agents/firewall/noop-firewall.js';
import type { PortFirewall } from '../../src/agents/firewall/port-firewall.js';
import { L2Agent } from '../../src/agents/l2/l2-agent.js';
import { LinuxBridgeDataplane } from '../../src/agents/linuxbridge/linuxbridge-dataplane.js';
import { tapName } from '../../src/contract/device-names.js';
import { bridgeName, vxlanName } from '../../src/agents/linuxbridge/names.js';
import { Config } from '../../src/config/config.js';
import { run } from '../../src/linux/exec.js';
import { LinkMonitor } from '../../src/linux/link-monitor.js';
import { listLinks } from '../../src/linux/links.js';
import { asAdmin, startTestServer, type TestServer } from '../helpers/server.js';
import { until as untilWithin } from '../helpers/until.js';
const until = <T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 10_000) => untilWithin(what, probe, timeoutMs);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const log = pino({ level: process.env.NEUTRINO_TEST_LOG ?? 'silent' });
const ADMIN = asAdmin('admin-project');
const P = `t${process.pid % 10000}x`;
const UNDERLAY = `${P}u`;
const HOSTS = [`${P}h1`, `${P}h2`, `${P}h3`];
const TUN_IF = `${P}t`; // each host's underlay interface (VXLAN endpoint)
const PHYS_IF = `${P}p`; // each host's physnet1 interface
const tunnelIp = (i: number) => `192.168.${70 + (process.pid % 50)}.${i + 1}`;
const vms: string[] = [];
// NEUTRINO_TEST_FIREWALL=nftables runs the same test with the nftables port firewall
const FIREWALL = process.env.NEUTRINO_TEST_FIREWALL ?? 'noop';

const ip = (netns: string | null, args: string[]) => run('ip', args, { netns });
const batch = (netns: string | null, lines: string[]) => run('ip', ['-batch', '-'], { netns, input: lines.join('\n') + '\n' });

async function ping(fromVm: string, to: string, count = 3): Promise<boolean> {
  const r = await run('ping', ['-c', String(count), '-i', '0.2', '-W', '1', to], { netns: fromVm, allowFailure: true, timeoutMs: 15_000 });
  return r.code === 0;
}

describe('Linux bridge agent on the kernel', () => {
  let s: TestServer;
  const agents: (L2Agent | null)[] = [null, null, null];
  const hostName = (i: number) => `${P}-host${i + 1}`;

  async function firewallFor(netns: string): Promise<PortFirewall> {
    if (FIREWALL === 'noop') return new NoopFirewall();
    const { createFirewall } = await import('../../src/agents/firewall/index.js');
    return createFirewall(FIREWALL, true, { netns, log });
  }

  async function startAgent(i: number): Promise<L2Agent> {
    const config = Config.load([], {
      agent: { host_namespace: HOSTS[i] },
      linux_bridge: { physical_interface_mappings: `physnet1:${PHYS_IF}` },
      vxlan: { enable_vxlan: 'true', local_ip: tunnelIp(i), l2_population: 'true' },
    });
    const dp = await LinuxBridgeDataplane.fromConfig(config, log, { supported: false, reason: 'no 8021q (test)' }, await firewallFor(HOSTS[i]));
    const agent = new L2Agent({ bus: s.bus, log, host: hostName(i), reportInterval: 0, dataplane: dp });
    await agent.start();
    agents[i] = agent;
    return agent;
  }

  const req = (method: string, path: string, body?: unknown) => s.req(method, path, body, ADMIN);

  async function network(name: string, extra: Obj = {}, cidr = '10.50.0.0/24'): Promise<{ net: Obj; subnet: Obj }> {
    const n = await req('POST', '/v2.0/networks', { network: { name, ...extra } });
    assert.equal(n.status, 201, JSON.stringify(n.body));
    const sn = await req('POST', '/v2.0/subnets', { subnet: { network_id: n.body.network.id, cidr, ip_version: 4, enable_dhcp: false } });
    assert.equal(sn.status, 201, JSON.stringify(sn.body));
    return { net: n.body.network, subnet: sn.body.subnet };
  }

  /** A bound port and an "instance" on host i: a netns whose eth0 is the veth peer of the port's tap. */
  async function instance(i: number, net: { net: Obj; subnet: Obj }, fixedIp?: string): Promise<{ port: Obj; vm: string; ip: string }> {
    const body: Obj = { network_id: net.net.id, 'binding:host_id': hostName(i), device_owner: 'compute:nova' };
    if (fixedIp) body.fixed_ips = [{ subnet_id: net.subnet.id, ip_address: fixedIp }];
    const r = await req('POST', '/v2.0/ports', { port: body });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const port = r.body.port;
    const vm = `${P}v${vms.length}`;
    vms.push(vm);
    const addr = port.fixed_ips[0].ip_address;
    const mtu = net.net.mtu;
    await ip(null, ['netns', 'add', vm]);
    await ip(HOSTS[i], ['link', 'add', tapName(port.id), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', vm]);
    await batch(vm, ['link set lo up', `link set eth0 address ${port.mac_address} mtu ${mtu} up`, `addr add ${addr}/24 dev eth0`]);
    return { port, vm, ip: addr };
  }

  async function portStatus(id: string): Promise<string> {
    const r = await req('GET', `/v2.0/ports/${id}`);
    return r.body.port.status;
  }

  const active = (id: string) => until(`port ${id} ACTIVE`, async () => (await portStatus(id)) === 'ACTIVE');

  before(async () => {
    await cleanupKernel(); // a crashed earlier run with the same pid
    s = await startTestServer('sqlite', {
      config: {
        ml2: { type_drivers: 'local,flat,vxlan', tenant_network_types: 'vxlan', mechanism_drivers: 'linuxbridge,l2population' },
        ml2_type_vxlan: { vni_ranges: '1000:1099' },
        ml2_type_flat: { flat_networks: 'physnet1' },
      },
    });
    await ip(null, ['netns', 'add', UNDERLAY]);
    for (const h of HOSTS) await ip(null, ['netns', 'add', h]);
    const u = [`link add ${P}ub type bridge`, `link set ${P}ub up`, `link add ${P}pb type bridge`, `link set ${P}pb up`];
    for (let i = 0; i < 2; i++) {
      u.push(`link add ${P}u${i} type veth peer name ${TUN_IF} netns ${HOSTS[i]}`, `link set ${P}u${i} master ${P}ub up`);
      u.push(`link add ${P}q${i} type veth peer name ${PHYS_IF} netns ${HOSTS[i]}`, `link set ${P}q${i} master ${P}pb up`);
    }
    await batch(UNDERLAY, u);
    for (let i = 0; i < 2; i++) {
      await batch(HOSTS[i], ['link set lo up', `addr add ${tunnelIp(i)}/24 dev ${TUN_IF}`, `link set ${TUN_IF} up`, `link set ${PHYS_IF} up`]);
    }
    // host 3 stands alone: its tunnel interface is a veth with both ends at home
    await batch(HOSTS[2], ['link set lo up', `link add ${TUN_IF} type veth peer name ${P}t2`, `addr add ${tunnelIp(2)}/24 dev ${TUN_IF}`, `link set ${TUN_IF} up`, `link set ${P}t2 up`]);
    await startAgent(0);
    await startAgent(1);
  });

  async function cleanupKernel(): Promise<void> {
    for (const ns of [...vms, ...HOSTS, UNDERLAY]) await run('ip', ['netns', 'delete', ns], { allowFailure: true });
  }

  after(async () => {
    for (const a of agents) await a?.stop().catch(() => undefined);
    await s?.close().catch(() => undefined);
    await cleanupKernel();
  });

  let vx1: { net: Obj; subnet: Obj };
  let vx2: { net: Obj; subnet: Obj };
  let flat: { net: Obj; subnet: Obj };
  const inst: Record<string, { port: Obj; vm: string; ip: string }> = {};

  it('the agent refuses a host namespace that does not exist, saying what to do', async () => {
    const config = Config.load([], { agent: { host_namespace: `${P}nohost` }, vxlan: { enable_vxlan: 'false' } });
    await assert.rejects(LinuxBridgeDataplane.fromConfig(config, log, { supported: false, reason: null }, new NoopFirewall()), /no such network namespace.*ip netns add/);
  });

  it('sets bridge-nf-call-iptables/ip6tables in the host namespace', async () => {
    for (const key of ['net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-ip6tables']) {
      const r = await run('sysctl', ['-n', key], { netns: HOSTS[0] });
      assert.equal(r.stdout.trim(), '1');
    }
  });

  it('ports on a VXLAN network turn ACTIVE and reach each other across hosts', async () => {
    vx1 = await network('vx1');
    inst.a1 = await instance(0, vx1);
    inst.a2 = await instance(1, vx1);
    await active(inst.a1.port.id);
    await active(inst.a2.port.id);
    const vni = vx1.net['provider:segmentation_id'];
    const links = await listLinks(HOSTS[0]);
    const br = links.get(bridgeName(vx1.net.id));
    const vx = links.get(vxlanName(vni));
    const tap = links.get(tapName(inst.a1.port.id));
    assert.equal(br?.kind, 'bridge');
    assert.equal(br?.data.stp_state, 0);
    assert.equal(br?.mtu, vx1.net.mtu);
    assert.equal(vx?.master, bridgeName(vx1.net.id));
    assert.equal(vx?.data.id, vni);
    assert.equal(vx?.data.local, tunnelIp(0));
    assert.equal(vx?.data.learning, false);
    assert.equal(tap?.master, bridgeName(vx1.net.id));
    assert.equal(tap?.up, true);
    // l2population: host 1 floods to host 2 and knows the port's MAC there
    const fdb = await until('host 2 in the fdb of host 1', async () => {
      const r = await run('bridge', ['-j', 'fdb', 'show', 'dev', vxlanName(vni)], { netns: HOSTS[0] });
      const entries = JSON.parse(r.stdout || '[]') as { mac: string; dst?: string }[];
      return entries.some((e) => e.mac === inst.a2.port.mac_address && e.dst === tunnelIp(1)) ? entries : null;
    });
    assert.ok(fdb.some((e) => e.mac === '00:00:00:00:00:00' && e.dst === tunnelIp(1)));
    assert.ok(!fdb.some((e) => e.dst === tunnelIp(0)), 'no entry points at the host itself');
    assert.ok(await ping(inst.a1.vm, inst.a2.ip), 'a1 → a2 across VXLAN');
  });

  it('a second VXLAN network with the same CIDR is isolated from the first', async () => {
    vx2 = await network('vx2');
    inst.b1 = await instance(0, vx2, '10.50.0.20');
    inst.b2 = await instance(1, vx2, '10.50.0.21');
    await active(inst.b1.port.id);
    await active(inst.b2.port.id);
    assert.notEqual(vx2.net['provider:segmentation_id'], vx1.net['provider:segmentation_id']);
    assert.ok(await ping(inst.b1.vm, inst.b2.ip), 'b1 → b2 on their own network');
    assert.equal(await ping(inst.a1.vm, inst.b2.ip, 2), false, 'a1 must not reach b2 (other VNI, other host)');
    assert.equal(await ping(inst.a1.vm, inst.b1.ip, 2), false, 'a1 must not reach b1 (other bridge, same host)');
  });

  it('a flat network on physnet1 carries traffic across hosts', async () => {
    flat = await network('flat1', { 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' }, '10.60.0.0/24');
    inst.f1 = await instance(0, flat);
    inst.f2 = await instance(1, flat);
    await active(inst.f1.port.id);
    await active(inst.f2.port.id);
    const links = await listLinks(HOSTS[1]);
    assert.equal(links.get(PHYS_IF)?.master, bridgeName(flat.net.id));
    assert.ok(await ping(inst.f1.vm, inst.f2.ip), 'f1 → f2 over physnet1');
  });

  it('admin_state_up = false takes the tap down (port DOWN, no traffic); true brings it back', async () => {
    const id = inst.a2.port.id;
    const tap = tapName(id);
    assert.equal((await req('PUT', `/v2.0/ports/${id}`, { port: { admin_state_up: false } })).status, 200);
    await until('tap down', async () => (await listLinks(HOSTS[1])).get(tap)?.up === false);
    await until('port DOWN', async () => (await portStatus(id)) === 'DOWN');
    assert.equal(await ping(inst.a1.vm, inst.a2.ip, 2), false, 'a1 must not reach a port that is administratively down');
    assert.equal((await req('PUT', `/v2.0/ports/${id}`, { port: { admin_state_up: true } })).status, 200);
    await active(id);
    assert.equal((await listLinks(HOSTS[1])).get(tap)?.up, true);
    assert.ok(await ping(inst.a1.vm, inst.a2.ip), 'a1 → a2 again');
  });

  it('a new agent on the same host touches no device, and removes stale ones', async () => {
    const before = await listLinks(HOSTS[0]);
    const watched = [bridgeName(vx1.net.id), vxlanName(vx1.net['provider:segmentation_id']), tapName(inst.a1.port.id), bridgeName(flat.net.id), tapName(inst.f1.port.id), PHYS_IF];
    await agents[0]!.stop();
    agents[0] = null;
    // leftovers of a network that is gone: a bridge with its vxlan device, and a loose vxlan device
    await batch(HOSTS[0], [
      'link add brqdeadbeef-00 type bridge',
      `link add vxlan-1098 type vxlan id 1098 local ${tunnelIp(0)} dev ${TUN_IF} dstport 4789 nolearning`,
      'link set vxlan-1098 master brqdeadbeef-00 up',
      `link add vxlan-1097 type vxlan id 1097 local ${tunnelIp(0)} dev ${TUN_IF} dstport 4789 nolearning`,
    ]);
    // fdb entries that went stale while the agent was away: a host and a port that are gone
    const vx = vxlanName(vx1.net['provider:segmentation_id']);
    await run('bridge', ['-batch', '-'], { netns: HOSTS[0], input: `fdb append 00:00:00:00:00:00 dev ${vx} dst 10.99.99.99\nfdb replace fa:16:3e:de:ad:01 dev ${vx} dst 10.99.99.98\n` });
    await startAgent(0);
    const fdbOf = async () => JSON.parse((await run('bridge', ['-j', 'fdb', 'show', 'dev', vx], { netns: HOSTS[0] })).stdout || '[]') as { mac: string; dst?: string }[];
    await until('stale fdb entries removed after the refresh', async () => !(await fdbOf()).some((e) => e.dst?.startsWith('10.99.99.')));
    assert.ok(
      (await fdbOf()).some((e) => e.mac === inst.a2.port.mac_address && e.dst === tunnelIp(1)),
      'the live entry of a2 stays',
    );
    const now = await listLinks(HOSTS[0]);
    for (const name of watched) {
      assert.equal(now.get(name)?.ifindex, before.get(name)?.ifindex, `${name} kept its ifindex`);
      assert.equal(now.get(name)?.up, before.get(name)?.up, `${name} kept its state`);
      assert.equal(now.get(name)?.master, before.get(name)?.master, `${name} kept its bridge`);
    }
    assert.equal(now.has('brqdeadbeef-00'), false, 'stale bridge removed');
    assert.equal(now.has('vxlan-1098'), false, 'its vxlan device removed');
    assert.equal(now.has('vxlan-1097'), false, 'loose vxlan device removed');
    assert.equal(await portStatus(inst.a1.port.id), 'ACTIVE');
    assert.ok(await ping(inst.a1.vm, inst.a2.ip), 'a1 → a2 still');
    // the new agent's monitor sees new devices
    inst.a3 = await instance(0, vx1);
    await active(inst.a3.port.id);
    assert.ok(await ping(inst.a3.vm, inst.a2.ip), 'a3 (wired by the new agent) → a2');
  });

  it("deleting an instance's veth removes the bridge it leaves empty (not the mapped interface)", async () => {
    const h = HOSTS[1];
    await ip(h, ['link', 'del', tapName(inst.f2.port.id)]);
    await until('flat bridge removed on host 2', async () => !(await listLinks(h)).has(bridgeName(flat.net.id)));
    const links = await listLinks(h);
    assert.equal(links.get(PHYS_IF)?.master, null, 'physnet interface released, not deleted');
    await until('flat port DOWN', async () => (await portStatus(inst.f2.port.id)) === 'DOWN');

    const vni2 = vx2.net['provider:segmentation_id'];
    await ip(h, ['link', 'del', tapName(inst.b2.port.id)]);
    await until('vx2 bridge removed on host 2', async () => !(await listLinks(h)).has(bridgeName(vx2.net.id)));
    assert.equal((await listLinks(h)).has(vxlanName(vni2)), false, 'its vxlan device went with it');
    // the other networks on that host are untouched
    assert.equal((await listLinks(h)).get(tapName(inst.a2.port.id))?.master, bridgeName(vx1.net.id));
    assert.ok(await ping(inst.a2.vm, inst.a1.ip), 'a2 → a1 still');
  });

  it('the link monitor comes back after its ip process dies, and reports what it missed', async () => {
    const mon = new LinkMonitor({ netns: HOSTS[2], log, match: (n) => n.startsWith('tap') });
    const changes: { added: string[]; removed: string[] }[] = [];
    mon.onChange((c) => changes.push(c));
    await mon.start();
    try {
      await mon.list();
      await ip(HOSTS[2], ['link', 'add', 'tapmon0000001', 'type', 'veth', 'peer', 'name', `${P}m1`]);
      await until('tap added', async () => changes.some((c) => c.added.includes('tapmon0000001')));
      const pid = mon.pid!;
      process.kill(pid, 'SIGKILL'); // our own child
      await ip(HOSTS[2], ['link', 'add', 'tapmon0000002', 'type', 'veth', 'peer', 'name', `${P}m2`]);
      await ip(HOSTS[2], ['link', 'del', 'tapmon0000001']);
      await until('missed changes reported after restart', async () => changes.some((c) => c.added.includes('tapmon0000002')) && changes.some((c) => c.removed.includes('tapmon0000001')));
      assert.notEqual(mon.pid, pid);
      await ip(HOSTS[2], ['link', 'del', 'tapmon0000002']);
      await until('events flow again', async () => changes.some((c) => c.removed.includes('tapmon0000002')));

      // a burst that outruns the monitor's socket buffer (ENOBUFS) loses events: it lists again
      const burst = Array.from({ length: 1000 }, (_, i) => `tapmb${String(i).padStart(8, '0')}`);
      process.kill(mon.pid!, 'SIGSTOP');
      try {
        await batch(
          HOSTS[2],
          burst.map((t, i) => `link add ${t} type veth peer name ${P}b${i}`),
        );
      } finally {
        process.kill(mon.pid!, 'SIGCONT');
      }
      const seen = () => new Set(changes.flatMap((c) => c.added));
      await until('every tap of the burst reported', async () => burst.every((t) => seen().has(t)));
      // left for the namespace's deletion in after(): deleting veths one by one is slow
    } finally {
      await mon.close();
    }
    assert.equal(mon.pid, undefined);
  });

  it('fdb entries told before the vxlan device exists are loaded when it is made; own endpoint skipped', async () => {
    const config = Config.load([], { agent: { host_namespace: HOSTS[2] }, vxlan: { enable_vxlan: 'true', local_ip: tunnelIp(2) } });
    const dp = await LinuxBridgeDataplane.fromConfig(config, log, { supported: false, reason: null }, new NoopFirewall());
    try {
      const netId = 'fdbfdbfd-0000-4000-8000-000000000001';
      await dp.fdbAdd({
        [netId]: {
          segment_id: 1090,
          network_type: 'vxlan',
          ports: {
            '198.51.100.7': [
              ['00:00:00:00:00:00', '0.0.0.0'],
              ['fa:16:3e:00:00:07', '10.9.0.7'],
            ],
            [tunnelIp(2)]: [['00:00:00:00:00:00', '0.0.0.0']],
          },
        },
      });
      assert.equal((await listLinks(HOSTS[2])).has('vxlan-1090'), false);
      await ip(HOSTS[2], ['link', 'add', 'tapfdb0000000', 'type', 'veth', 'peer', 'name', `${P}fp`]);
      await dp.plug([{ device: 'tapfdb0000000', port_id: 'fdb00000-0000-4000-8000-000000000002', network_id: netId, network_type: 'vxlan', segmentation_id: 1090, mtu: 1450 }]);
      const fdb = () => run('bridge', ['-j', 'fdb', 'show', 'dev', 'vxlan-1090'], { netns: HOSTS[2] }).then((r) => JSON.parse(r.stdout || '[]') as { mac: string; dst?: string }[]);
      let entries = await fdb();
      assert.ok(entries.some((e) => e.mac === '00:00:00:00:00:00' && e.dst === '198.51.100.7'));
      assert.ok(entries.some((e) => e.mac === 'fa:16:3e:00:00:07' && e.dst === '198.51.100.7'));
      assert.ok(!entries.some((e) => e.dst === tunnelIp(2)));
      // a vxlan device deleted behind the agent's back is made again with its entries
      await ip(HOSTS[2], ['link', 'del', 'vxlan-1090']);
      await dp.plug([{ device: 'tapfdb0000000', port_id: 'fdb00000-0000-4000-8000-000000000002', network_id: netId, network_type: 'vxlan', segmentation_id: 1090, mtu: 1450 }]);
      entries = await fdb();
      assert.ok(
        entries.some((e) => e.mac === 'fa:16:3e:00:00:07' && e.dst === '198.51.100.7'),
        JSON.stringify(entries),
      );
      // the same entries again change nothing and do not fail
      await dp.fdbAdd({ [netId]: { segment_id: 1090, network_type: 'vxlan', ports: { '198.51.100.7': [['00:00:00:00:00:00', '0.0.0.0']] } } });
      await dp.fdbRemove({
        [netId]: {
          segment_id: 1090,
          network_type: 'vxlan',
          ports: {
            '198.51.100.7': [
              ['00:00:00:00:00:00', '0.0.0.0'],
              ['fa:16:3e:00:00:07', '10.9.0.7'],
            ],
          },
        },
      });
      entries = await fdb();
      assert.ok(!entries.some((e) => e.dst === '198.51.100.7'), JSON.stringify(entries));
    } finally {
      await dp.close();
    }
  });
});
