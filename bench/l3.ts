// L3 agent benchmark on the real kernel, in one process: the API server (SQLite, RabbitMQ in a
// vhost of its own), a Linux bridge agent on a network host and on a compute host, the L3
// agent on the network host, an "internet" namespace on the external (flat) network.
//  - floating IP association → reachable: time from the API PUT (port_id) to the first ping
//    reply from the internet namespace, p50/p99 over N associations (each a fresh floating IP
//    to its own instance);
//  - full resync of the L3 agent with R routers (each with a gateway and one interface):
//    in-process agent restart with everything in place, a fresh `neutrino agent l3` process
//    (spawn → its agent.resync line), and cold (every qrouter namespace deleted first).
//
//   node dist/bench/l3.js [--associations 20] [--routers 100] [--concurrency 16] [--quick]
//
// --concurrency: routers the in-process agents process at once (the process keeps its default, 16).
//
// Needs root, RabbitMQ on 127.0.0.1:5672 with
// rabbitmqctl. A benchmark, not a test: figures are printed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { NoopFirewall } from '../src/agents/firewall/noop-firewall.js';
import { L2Agent } from '../src/agents/l2/l2-agent.js';
import { L3Agent } from '../src/agents/l3/l3-agent.js';
import { LinuxBridgeDataplane } from '../src/agents/linuxbridge/linuxbridge-dataplane.js';
import { serviceNamespacePrefix, tapName } from '../src/contract/device-names.js';
import { Config } from '../src/config/config.js';
import { addVhost, deleteVhost } from '../src/lab/rabbit.js';
import { withVhost } from '../src/lab/topology.js';
import { run } from '../src/linux/exec.js';
import { listNamespaces } from '../src/linux/netns.js';
import { RouterControl } from '../test/helpers/l3-control.js';
import { asAdmin, startTestServer, type TestServer } from '../test/helpers/server.js';
import { until } from '../test/helpers/until.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const quick = args.includes('--quick');
const ASSOCIATIONS = opt('--associations', quick ? 5 : 20);
const ROUTERS = opt('--routers', quick ? 20 : 100);
const CONCURRENCY = opt('--concurrency', 16);
const P = `bl${process.pid % 1000}`;
const UNDERLAY = `${P}u`;
const INTERNET = `${P}i`;
const HOSTS = [`${P}h1`, `${P}h2`];
const HOST_NAMES = ['network1', 'compute1'].map((h) => `${P}-${h}`);
const TUN_IF = `${P}t`;
const PUB_IF = `${P}p`;
const EXT_GW = '172.30.0.1';
const log = pino({ level: process.env.NEUTRINO_BENCH_LOG ?? 'silent' });
const ADMIN = asAdmin('admin-project');
const BASE_URL = process.env.NEUTRINO_BENCH_RABBIT ?? 'rabbit://guest:guest@127.0.0.1:5672/';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(0)} ms, p99 ${pct(xs, 99).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms (n=${xs.length})`;
const batch = (netns: string | null, lines: string[]) => run('ip', ['-batch', '-'], { netns, input: lines.join('\n') + '\n' });

/** Pings every 2 ms until the first reply; ms from call to the reply (process start included). */
async function firstReply(ns: string, to: string, timeoutS = 10): Promise<number> {
  const t0 = performance.now();
  const r = await run('ping', ['-n', '-q', '-c', '1', '-i', '0.002', '-w', String(timeoutS), to], { netns: ns, allowFailure: true, timeoutMs: (timeoutS + 5) * 1000 });
  if (r.code !== 0) throw new Error(`no reply from ${to} within ${timeoutS} s`);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-bench-l3-'));
  const vhost = `neutrino-bench-l3-${process.pid}`;
  let s: TestServer | null = null;
  const l2: L2Agent[] = [];
  let l3: L3Agent | null = null;
  const vms: string[] = [];
  let child: ReturnType<typeof spawn> | null = null;
  const cleanup = async () => {
    if (child?.pid && child.exitCode === null) child.kill('SIGKILL');
    await l3?.stop().catch(() => undefined);
    for (const a of l2) await a.stop().catch(() => undefined);
    await s?.close().catch(() => undefined);
    for (const ns of listNamespaces(`${HOSTS[0]}.`)) await run('ip', ['netns', 'delete', ns], { allowFailure: true });
    for (const ns of [...vms, ...HOSTS, UNDERLAY, INTERNET]) await run('ip', ['netns', 'delete', ns], { allowFailure: true });
    await deleteVhost(vhost).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    await addVhost(vhost, 'guest');
    const transport = withVhost(BASE_URL, vhost);
    s = await startTestServer('sqlite', {
      config: {
        DEFAULT: { transport_url: transport },
        ml2: { type_drivers: 'local,flat,vxlan', tenant_network_types: 'vxlan', mechanism_drivers: 'linuxbridge,l2population' },
        ml2_type_vxlan: { vni_ranges: '1000:1999' },
        ml2_type_flat: { flat_networks: 'public' },
        quotas: { quota_router: '-1', quota_floatingip: '-1', quota_network: '-1', quota_subnet: '-1', quota_port: '-1' },
      },
    });
    const srv = s;
    const req = async (method: string, path: string, body?: unknown): Promise<Obj> => {
      const r = await srv.req(method, path, body, ADMIN);
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body as Obj;
    };

    // topology: underlay (VXLAN) and public bridges, two hosts, the internet
    for (const ns of [UNDERLAY, INTERNET, ...HOSTS]) await run('ip', ['netns', 'add', ns]);
    const u = [`link add ${P}ub type bridge`, `link set ${P}ub up`, `link add ${P}eb type bridge`, `link set ${P}eb up`];
    HOSTS.forEach((h, i) => u.push(`link add ${P}u${i} type veth peer name ${TUN_IF} netns ${h}`, `link set ${P}u${i} master ${P}ub up`));
    u.push(`link add ${P}q0 type veth peer name ${PUB_IF} netns ${HOSTS[0]}`, `link set ${P}q0 master ${P}eb up`);
    u.push(`link add ${P}x0 type veth peer name eth0 netns ${INTERNET}`, `link set ${P}x0 master ${P}eb up`);
    await batch(UNDERLAY, u);
    for (let i = 0; i < HOSTS.length; i++)
      await batch(HOSTS[i], ['link set lo up', `addr add 192.168.77.${i + 1}/24 dev ${TUN_IF}`, `link set ${TUN_IF} up`, ...(i === 0 ? [`link set ${PUB_IF} up`] : [])]);
    await batch(INTERNET, ['link set lo up', 'link set eth0 up', `addr add ${EXT_GW}/22 dev eth0`]);
    for (let i = 0; i < HOSTS.length; i++) {
      const config = Config.load([], {
        agent: { host_namespace: HOSTS[i] },
        linux_bridge: { physical_interface_mappings: i === 0 ? `public:${PUB_IF}` : '' },
        vxlan: { enable_vxlan: 'true', local_ip: `192.168.77.${i + 1}`, l2_population: 'true' },
      });
      const dp = await LinuxBridgeDataplane.fromConfig(config, log, { supported: false, reason: 'bench' }, new NoopFirewall());
      const a = new L2Agent({ bus: s.bus, log, host: HOST_NAMES[i], reportInterval: 0, dataplane: dp });
      await a.start();
      l2.push(a);
    }
    const startL3 = async () => {
      const a = new L3Agent({ bus: srv.bus, log, host: HOST_NAMES[0], hostNamespace: HOSTS[0], reportInterval: 0, concurrency: CONCURRENCY });
      await a.start();
      return a;
    };
    l3 = await startL3();
    const ctl = new RouterControl(s);

    const network = async (name: string, cidr: string, extra: Obj = {}, subnet: Obj = {}) => {
      const net = (await req('POST', '/v2.0/networks', { network: { name, ...extra } })).network;
      const sub = (await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr, ip_version: 4, enable_dhcp: false, ...subnet } })).subnet;
      return { net, subnet: sub };
    };
    const ext = await network('public', '172.30.0.0/22', { 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'public' }, { gateway_ip: EXT_GW });

    console.log(`floating IP association → first reply from outside, ${ASSOCIATIONS} associations`);
    const r0 = await ctl.createRouter('r0', ext);
    const net0 = await network('n0', '10.200.0.0/24');
    await ctl.addInterface(r0.id, net0);
    await until('router r0 answers from outside', async () => (await run('ping', ['-c', '1', '-W', '1', r0.gatewayIp], { netns: INTERNET, allowFailure: true })).code === 0, 30_000);
    const instances: { port: Obj; ip: string }[] = [];
    for (let i = 0; i < ASSOCIATIONS; i++) {
      const addr = `10.200.0.${10 + i}`;
      const port = (
        await req('POST', '/v2.0/ports', {
          port: { network_id: net0.net.id, 'binding:host_id': HOST_NAMES[1], device_owner: 'compute:nova', fixed_ips: [{ subnet_id: net0.subnet.id, ip_address: addr }] },
        })
      ).port;
      const vm = `${P}v${i}`;
      vms.push(vm);
      await run('ip', ['netns', 'add', vm]);
      await run('ip', ['link', 'add', tapName(port.id), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', vm], { netns: HOSTS[1] });
      await batch(vm, ['link set lo up', `link set eth0 address ${port.mac_address} mtu ${net0.net.mtu} up`, `addr add ${addr}/24 dev eth0`, 'route add default via 10.200.0.1']);
      instances.push({ port, ip: addr });
    }
    await until('instances ACTIVE', async () => (await req('GET', `/v2.0/ports?network_id=${net0.net.id}&device_owner=compute:nova&status=ACTIVE&fields=id`)).ports.length === ASSOCIATIONS, 60_000);
    const fips = [];
    for (let i = 0; i < ASSOCIATIONS; i++) fips.push(await ctl.createFloatingIp());
    const assoc: number[] = [];
    const puts: number[] = [];
    for (let i = 0; i < ASSOCIATIONS; i++) {
      const t0 = performance.now();
      await ctl.associate(fips[i].id, instances[i]);
      const put = performance.now() - t0;
      const reply = await firstReply(INTERNET, fips[i].address);
      puts.push(put);
      assoc.push(put + reply);
    }
    console.log(`  PUT → first reply: ${fmt(assoc)}   (target p50 ≤ 300)`);
    console.log(`  of which the PUT itself: ${fmt(puts)}`);

    console.log(`\nL3 agent full resync with ${ROUTERS} routers (gateway + one interface each)`);
    const t0 = performance.now();
    for (let i = 1; i < ROUTERS; i++) {
      const r = await ctl.createRouter(`r${i}`, ext);
      await ctl.addInterface(r.id, await network(`n${i}`, `10.201.${i}.0/24`));
    }
    const prefix = serviceNamespacePrefix('qrouter', HOSTS[0]);
    await until(`${ROUTERS} router namespaces`, async () => listNamespaces(prefix).length >= ROUTERS, 300_000);
    await l3.idle();
    // the Linux bridge agent wires the routers' taps in this same process: let it finish first
    await until('router ports ACTIVE', async () => (await req('GET', '/v2.0/ports?device_owner=network:router_interface&status=ACTIVE&fields=id')).ports.length >= ROUTERS, 300_000);
    await l2[0].idle();
    console.log(`  ${ROUTERS} routers made through the API and built by the agent in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const warm: number[] = [];
    for (let round = 0; round < 3; round++) {
      await l3.stop();
      l3 = null;
      const t = performance.now();
      l3 = await startL3();
      warm.push(performance.now() - t);
    }
    console.log(`  in-process restart, everything in place: ${warm.map((x) => x.toFixed(0)).join(' / ')} ms`);

    // a fresh process: the real command, its own RabbitMQ connection
    await l3.stop();
    l3 = null;
    const conf = join(dir, 'l3.conf');
    writeFileSync(
      conf,
      [
        '[DEFAULT]',
        `transport_url = ${transport}`,
        'log_level = info',
        'interface_driver = linuxbridge',
        'agent_mode = legacy',
        '[agent]',
        `host_namespace = ${HOSTS[0]}`,
        'report_interval = 0',
        '',
      ].join('\n'),
    );
    const freshProcess = async (): Promise<{ wall: number; sync: number }> => {
      const t = performance.now();
      const c = spawn(process.execPath, [join(import.meta.dirname, '..', 'src', 'cli', 'main.js'), 'agent', 'l3', '--host', HOST_NAMES[0], '--config-file', conf], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = c;
      const line = await new Promise<Obj>((resolve, reject) => {
        let buf = '';
        c.stdout!.setEncoding('utf8').on('data', (d: string) => {
          buf += d;
          const hit = buf.split('\n').find((l) => l.includes('"event":"agent.resync"'));
          if (hit) resolve(JSON.parse(hit) as Obj);
        });
        c.once('exit', (code) => reject(new Error(`neutrino agent l3 exited (${code}): ${buf.slice(-2000)}`)));
      });
      const wall = performance.now() - t;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
      });
      child = null;
      return { wall, sync: line.ms as number };
    };
    const proc: { wall: number; sync: number }[] = [];
    for (let round = 0; round < 3; round++) proc.push(await freshProcess());
    console.log(`  fresh process: spawn → full sync done ${proc.map((p) => p.wall.toFixed(0)).join(' / ')} ms (the sync itself ${proc.map((p) => p.sync).join(' / ')} ms)`);

    const deleteAll = async () => {
      for (const ns of listNamespaces(prefix)) await run('ip', ['netns', 'delete', ns]);
      await new Promise((r) => setTimeout(r, 500));
      await l2[0].idle();
    };
    await deleteAll();
    const coldProc = await freshProcess();
    console.log(`  cold, fresh process (every qrouter namespace deleted first): spawn → full sync done ${coldProc.wall.toFixed(0)} ms (the sync itself ${coldProc.sync} ms)`);
    const cold: number[] = [];
    for (let round = 0; round < 2; round++) {
      await deleteAll();
      const t = performance.now();
      l3 = await startL3();
      cold.push(performance.now() - t);
      await l3.stop();
      l3 = null;
    }
    console.log(`  cold, in-process: ${cold.map((x) => x.toFixed(0)).join(' / ')} ms`);

    console.log('\nsummary');
    console.log(`  association → reachable: ${fmt(assoc)}   (target p50 ≤ 300)`);
    console.log(
      `  resync ${ROUTERS} routers: in-process restart ${pct(warm, 50).toFixed(0)} ms, fresh process ${pct(
        proc.map((p) => p.wall),
        50,
      ).toFixed(0)} ms (sync ${pct(
        proc.map((p) => p.sync),
        50,
      )} ms) (medians); cold: fresh process ${coldProc.wall.toFixed(0)} ms (sync ${coldProc.sync} ms), in-process ${pct(cold, 50).toFixed(0)} ms`,
    );
  } finally {
    await cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
