// DHCP benchmark on the real kernel with real dnsmasq: an in-process server (SQLite, in-process
// bus), a network host (Linux bridge agent + DHCP agent) and a compute host joined by VXLAN,
// each a network namespace.
//  - boot → address: `instance boot` start until the instance has its DHCP address (udhcpc
//    done), p50/p99 over N instances booted one after another, with the share udhcpc took;
//  - the DHCP agent's full sync with 100 networks and 1,000 ports: cold (nothing on the host:
//    100 namespaces, DHCP ports and dnsmasq to make) and warm (everything in place: a restart).
//
//   node dist/bench/dhcp.js [--instances 50] [--networks 100] [--ports 1000] [--quick]
//
// Needs root, dnsmasq, dnsmasq-utils and busybox. A benchmark, not a test: figures are printed.
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { DhcpAgent } from '../src/agents/dhcp/dhcp-agent.js';
import { NoopFirewall } from '../src/agents/firewall/noop-firewall.js';
import { L2Agent } from '../src/agents/l2/l2-agent.js';
import { LinuxBridgeDataplane } from '../src/agents/linuxbridge/linuxbridge-dataplane.js';
import { NetworkApi } from '../src/compute/api-client.js';
import { removeResolvConf } from '../src/compute/dhcp-client.js';
import { InstanceStore } from '../src/compute/instance-store.js';
import { bootInstance, deleteInstance } from '../src/compute/instances.js';
import { Config } from '../src/config/config.js';
import { stopDnsmasq } from '../src/linux/dnsmasq.js';
import { run } from '../src/linux/exec.js';
import { listNamespaces } from '../src/linux/netns.js';
import * as topics from '../src/contract/topics.js';
import { startTestServer } from '../test/helpers/server.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const quick = args.includes('--quick');
const INSTANCES = opt('--instances', quick ? 10 : 50);
const NETWORKS = opt('--networks', quick ? 20 : 100);
const PORTS = opt('--ports', quick ? 200 : 1000);
const P = `bh${process.pid % 1000}`;
const HOSTS = [`${P}h1`, `${P}h2`];
const hostName = (i: number) => `${P}-host${i + 1}`;
const log = pino({ level: process.env.NEUTRINO_BENCH_LOG ?? 'silent' });

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(0)} ms, p99 ${pct(xs, 99).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms (n=${xs.length})`;
const batch = (netns: string | null, lines: string[]) => run('ip', ['-batch', '-'], { netns, input: lines.join('\n') + '\n' });

// piped into head, a closed stdout must not kill the bench before it cleans up
process.stdout.on('error', () => undefined);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-bench-dhcp-'));
  chmodSync(dir, 0o755);
  const dhcpDir = join(dir, 'dhcp');
  const s = await startTestServer('sqlite', {
    listen: true,
    config: {
      ml2: { type_drivers: 'vxlan', tenant_network_types: 'vxlan', mechanism_drivers: 'linuxbridge,l2population' },
      ml2_type_vxlan: { vni_ranges: '2000:2999' },
      quotas: { quota_network: '-1', quota_subnet: '-1', quota_port: '-1' },
    },
  });
  const l2: L2Agent[] = [];
  let dhcp: DhcpAgent | null = null;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await dhcp?.stop().catch(() => undefined);
    for (const a of l2) await a.stop().catch(() => undefined);
    await s.close().catch(() => undefined);
    try {
      for (const n of readdirSync(dhcpDir)) await stopDnsmasq(join(dhcpDir, n, 'pid'));
    } catch {
      // none started
    }
    for (const ns of listNamespaces(P)) {
      removeResolvConf(ns);
      await run('ip', ['netns', 'delete', ns], { allowFailure: true });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));
  const newDhcpAgent = () =>
    new DhcpAgent({ bus: s.bus, log, host: hostName(0), reportInterval: 0, hostNamespace: HOSTS[0], dhcpDir, leaseDuration: 86400, leaseMax: 16777216, dnsServers: [], domain: 'openstacklocal' });
  try {
    await run('ip', ['netns', 'add', `${P}u`]);
    for (const h of HOSTS) await run('ip', ['netns', 'add', h]);
    await batch(`${P}u`, [
      `link add ${P}ub type bridge`,
      `link set ${P}ub up`,
      ...HOSTS.flatMap((h, i) => [`link add ${P}u${i} type veth peer name ${P}t netns ${h}`, `link set ${P}u${i} master ${P}ub up`]),
    ]);
    for (let i = 0; i < 2; i++) {
      await batch(HOSTS[i], ['link set lo up', `addr add 192.168.199.${i + 1}/24 dev ${P}t`, `link set ${P}t up`]);
      const config = Config.load([], { agent: { host_namespace: HOSTS[i] }, vxlan: { enable_vxlan: 'true', local_ip: `192.168.199.${i + 1}`, l2_population: 'true' } });
      const agent = new L2Agent({
        bus: s.bus,
        log,
        host: hostName(i),
        reportInterval: 0,
        dataplane: await LinuxBridgeDataplane.fromConfig(config, log, { supported: false, reason: 'bench' }, new NoopFirewall()),
      });
      await agent.start();
      l2.push(agent);
    }
    const api = new NetworkApi({ url: s.url! });
    const store = new InstanceStore(join(dir, 'compute'));
    store.writeSettings({ netns_prefix: `${P}v-` });

    dhcp = newDhcpAgent();
    await dhcp.start();
    const net = (await api.post('/networks', { network: { name: 'boot' } })).network;
    await api.post('/subnets', { subnet: { network_id: net.id, cidr: '10.200.0.0/20', ip_version: 4, dns_nameservers: ['192.0.2.53'] } });
    console.log(`boot → DHCP address, ${INSTANCES} instances one after another on ${hostName(1)} (DHCP agent on ${hostName(0)}, VXLAN between)`);
    const total: number[] = [];
    const udhcpc: number[] = [];
    const wiring: number[] = [];
    for (let i = 0; i < INSTANCES; i++) {
      const r = await bootInstance(api, store, { name: `b${i}`, network: net.id, host: hostName(1), pollMs: 2 });
      if (!r.lease) throw new Error('no DHCP lease');
      total.push(r.addressMs);
      udhcpc.push(r.lease.ms);
      if (r.lease.ms > 1000) console.log(`  instance ${i}: udhcpc took ${r.lease.ms.toFixed(0)} ms (a DISCOVER went unanswered; udhcpc retries after 1 s)`);
      wiring.push(r.wiringMs);
    }
    console.log(`  boot start → address:    ${fmt(total)}   (target p50 ≤ 500)`);
    console.log(`  of which udhcpc:         ${fmt(udhcpc)}`);
    console.log(`  of which bind → ACTIVE:  ${fmt(wiring)}`);
    for (const r of store.list()) await deleteInstance(api, store, r.name);
    await api.delete(`/networks/${net.id}`);
    await dhcp.idle();

    const perNet = Math.max(1, Math.floor(PORTS / NETWORKS));
    console.log(`\nfull sync with ${NETWORKS} networks × ${perNet} ports (the agent stopped while they are made)`);
    await dhcp.stop();
    dhcp = null;
    const t0 = performance.now();
    for (let n = 0; n < NETWORKS; n++) {
      const nw = (await api.post('/networks', { network: { name: `s${n}` } })).network;
      await api.post('/subnets', { subnet: { network_id: nw.id, cidr: `10.${n >> 8}.${n & 255}.0/24`, ip_version: 4 } });
      await api.post('/ports', { ports: Array.from({ length: perNet }, () => ({ network_id: nw.id, device_owner: 'compute:nova' })) });
    }
    console.log(`  made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const count = (await s.api.dhcpRpc.activeNetworks(hostName(0))).reduce((acc, x) => acc + x.ports.length, 0);
    const colds: number[] = [];
    dhcp = newDhcpAgent();
    let c0 = performance.now();
    await dhcp.start();
    colds.push(performance.now() - c0);
    console.log(`  cold (${NETWORKS} namespaces, DHCP ports and dnsmasq made): ${colds[0].toFixed(0)} ms for ${count} ports`);
    const warm: number[] = [];
    for (let i = 0; i < 3; i++) {
      // a restarted agent: a new process knows nothing, everything is on the host already
      await dhcp.stop();
      dhcp = newDhcpAgent();
      c0 = performance.now();
      await dhcp.start();
      warm.push(performance.now() - c0);
    }
    console.log(`  warm (agent restarted, everything in place): ${warm.map((x) => x.toFixed(0)).join(' / ')} ms   (target ≤ 3000)`);
    const info0 = performance.now();
    await s.bus.call(topics.PLUGIN, 'get_active_networks_info', { host: hostName(0) });
    console.log(`  of which get_active_networks_info: ${(performance.now() - info0).toFixed(0)} ms`);

    console.log('\nsummary');
    console.log(`  boot → DHCP address: ${fmt(total)}   (target p50 ≤ 500)`);
    console.log(`  full sync ${NETWORKS} networks / ${count} ports: cold ${colds[0].toFixed(0)} ms, warm ${warm.map((x) => x.toFixed(0)).join(' / ')} ms   (target ≤ 3000)`);
  } finally {
    await cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
