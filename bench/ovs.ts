// Open vSwitch benchmark, on a real lab (`--mechanism openvswitch`: both computes run the OVS
// agent on the datapath this kernel has, each with its own ovsdb-server and ovs-vswitchd;
// server, agents and RabbitMQ as processes):
//  - port wiring latency on an OVS host: binding:host_id set → port ACTIVE, p50/p99, for
//    instances booted one after another (os-vif's ovs plug into br-int);
//  - the OVS agent's full resync with N ports on its host (restart, its agent.resync line);
//  - iperf3 TCP instance → instance across the two OVS hosts on VXLAN and on VLAN, next to a
//    direct veth pair in the same run (the Linux bridge figure: bench/dataplane.ts).
//
//   node dist/bench/ovs.js [--instances 200] [--resync-ports 500] [--quick]
//
// Needs root, RabbitMQ on 127.0.0.1:5672, openvswitch-switch and iperf3. Figures are printed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetworkApi } from '../src/compute/api-client.js';
import { InstanceStore } from '../src/compute/instance-store.js';
import { bootInstance } from '../src/compute/instances.js';
import { labDown, labUp, restartAgent } from '../src/lab/lab.js';
import { run } from '../src/linux/exec.js';
import { detectDatapathType } from '../src/linux/ovs.js';
import { freePort } from '../test/helpers/free-port.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const quick = args.includes('--quick');
const INSTANCES = opt('--instances', quick ? 40 : 200);
const RESYNC_PORTS = opt('--resync-ports', quick ? 100 : 500);
const PREFIX = `bo${process.pid % 1000}-`;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(0)} ms, p99 ${pct(xs, 99).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms (n=${xs.length})`;

/** iperf3 client → server, receiver Gbit/s of a 4 s TCP run. */
async function iperf(serverNs: string, clientNs: string, serverIp: string, dir: string): Promise<number> {
  const pidFile = join(dir, `iperf-${serverNs}.pid`);
  await run('ip', ['netns', 'exec', serverNs, 'iperf3', '-s', '-1', '-D', '-I', pidFile]);
  await new Promise((r) => setTimeout(r, 300));
  try {
    const r = await run('ip', ['netns', 'exec', clientNs, 'iperf3', '-c', serverIp, '-t', '4', '-J', '--connect-timeout', '3000'], { timeoutMs: 15_000 });
    const j = JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } };
    return j.end.sum_received.bits_per_second / 1e9;
  } finally {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(pidFile)) process.kill(pid, 'SIGTERM');
    } catch {
      /* iperf3 -1 exits by itself after one test */
    }
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-bench-ovs-'));
  const progress = (l: string) => console.log(`  ${l}`);
  const dp = detectDatapathType();
  console.log(`lab ${PREFIX} (--mechanism openvswitch, 2 computes, datapath ${dp.type}: ${dp.reason}) in ${dir}`);
  const lab = await labUp({ prefix: PREFIX, computes: 2, dir, port: await freePort(), mechanism: 'openvswitch', external: false, onProgress: () => undefined });
  const veth = [`${PREFIX}va`, `${PREFIX}vb`];
  try {
    const api = new NetworkApi({ url: lab.url });
    const store = new InstanceStore(dir);
    const net = (await api.post('/networks', { network: { name: 'bench' } })).network;
    await api.put(`/quotas/${net.project_id}`, { quota: { port: -1 } });
    // no DHCP: the figure is the OVS agent's wiring, not the network host's DHCP agent
    await api.post('/subnets', { subnet: { network_id: net.id, cidr: '10.100.0.0/20', ip_version: 4, name: 'bench-v4', enable_dhcp: false } });
    let n = 0;
    const boot = async (host: string, network = net.id) => (await bootInstance(api, store, { name: `b${++n}`, network, host, timeoutMs: 30_000, pollMs: 2 })).wiringMs;

    console.log(`\nwiring latency on an OVS host, ${INSTANCES} instances booted one after another on compute1`);
    const one: number[] = [];
    for (let i = 0; i < INSTANCES; i++) one.push(await boot('compute1'));
    console.log(`  binding:host_id → ACTIVE: ${fmt(one)}`);

    const onCompute1 = store.list().filter((r) => r.host === 'compute1').length;
    console.log(`\nOVS agent full resync with ${RESYNC_PORTS} ports on compute1 (now ${onCompute1}; booting the rest)`);
    for (let i = onCompute1; i < RESYNC_PORTS; i++) await boot('compute1');
    const logFile = join(dir, 'logs', 'ovs-agent-compute1.log');
    const resyncs: number[] = [];
    for (let round = 0; round < 3; round++) {
      const before = readFileSync(logFile, 'utf8').length;
      const r = await restartAgent(dir, 'compute1', 60);
      let line: { ms: number } | undefined;
      for (let t = 0; t < 600 && !line; t++) {
        const hit = readFileSync(logFile, 'utf8')
          .slice(before)
          .split('\n')
          .find((l) => l.includes('"event":"agent.resync"'));
        if (hit) line = JSON.parse(hit) as { ms: number };
        else await new Promise((res) => setTimeout(res, 100));
      }
      if (!line) throw new Error('the restarted agent logged no agent.resync line');
      resyncs.push(line.ms);
      console.log(`  restart ${round + 1}: full sync ${line.ms} ms (process start → alive ${r.ms} ms)`);
    }
    const active = (await api.get('/ports?binding:host_id=compute1&status=ACTIVE&fields=id')).ports.length;
    console.log(`  ${active} ACTIVE ports on compute1 after the restarts`);

    console.log('\niperf3 TCP, 4 s runs (Gbit/s, receiver)');
    const ip = async (name: string) => (await api.get(`/ports/${store.read(name)!.port_id}`)).port.fixed_ips[0].ip_address as string;
    const a = store.list().find((r) => r.host === 'compute1')!;
    await boot('compute2');
    const b = `b${n}`;
    // OVS 3.1's userspace TSO does not reach tunnel ports: TCP with the instances' default
    // offloads may not pass VXLAN at all; then again with checksum offload off in the instances
    const tryIperf = (s: string, c: string, to: string) => iperf(s, c, to, dir).catch(() => Number.NaN);
    const vx: number[] = [];
    for (let i = 0; i < 2; i++) vx.push(await tryIperf(store.read(b)!.netns, a.netns, await ip(b)));
    for (const ns of [store.read(b)!.netns, a.netns]) await run('ethtool', ['-K', 'eth0', 'tx', 'off'], { netns: ns });
    const vxOff: number[] = [];
    for (let i = 0; i < 3; i++) vxOff.push(await tryIperf(store.read(b)!.netns, a.netns, await ip(b)));
    const vlan = (await api.post('/networks', { network: { name: 'bench-vlan', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 120 } })).network;
    await api.post('/subnets', { subnet: { network_id: vlan.id, cidr: '10.101.0.0/24', ip_version: 4, enable_dhcp: false } });
    await boot('compute1', vlan.id);
    const va = `b${n}`;
    await boot('compute2', vlan.id);
    const vb = `b${n}`;
    const vl: number[] = [];
    for (let i = 0; i < 3; i++) vl.push(await tryIperf(store.read(vb)!.netns, store.read(va)!.netns, await ip(vb)));
    for (const ns of veth) await run('ip', ['netns', 'add', ns]);
    await run('ip', ['-n', veth[0], '-batch', '-'], {
      input: `${[`link add eth0 netns ${veth[1]} type veth peer name eth0p`, 'link set lo up', 'link set eth0p up', 'addr add 10.99.0.1/24 dev eth0p'].join('\n')}\n`,
    });
    await run('ip', ['-n', veth[1], '-batch', '-'], { input: `${['link set lo up', 'link set eth0 up', 'addr add 10.99.0.2/24 dev eth0'].join('\n')}\n` });
    const direct: number[] = [];
    for (let i = 0; i < 3; i++) direct.push(await iperf(veth[1], veth[0], '10.99.0.2', dir));
    console.log(`  OVS VXLAN across hosts: ${vx.map((x) => (Number.isNaN(x) ? 'no TCP' : x.toFixed(2))).join(' ')}`);
    console.log(`  OVS VXLAN across hosts, instances with tx checksum offload off: ${vxOff.map((x) => x.toFixed(2)).join(' ')}`);
    console.log(`  OVS VLAN 120 across hosts: ${vl.map((x) => x.toFixed(2)).join(' ')}`);
    console.log(`  direct veth pair, same run: ${direct.map((x) => x.toFixed(2)).join(' ')}`);

    console.log('\nsummary');
    console.log(`  datapath:           ${dp.type}`);
    console.log(`  wiring one host:    ${fmt(one)}   (target p50 ≤ 100, p99 ≤ 500)`);
    console.log(`  resync ${RESYNC_PORTS} ports: ${resyncs.join(' / ')} ms   (target ≤ 2000)`);
    console.log(`  iperf3 VXLAN ${pct(vx, 50).toFixed(2)} (tx off ${pct(vxOff, 50).toFixed(2)}), VLAN ${pct(vl, 50).toFixed(2)}, direct veth ${pct(direct, 50).toFixed(2)} Gbit/s (medians)`);
  } finally {
    for (const ns of veth) await run('ip', ['netns', 'delete', ns], { allowFailure: true });
    console.log('\nlab down…');
    await labDown(PREFIX, dir, progress);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
