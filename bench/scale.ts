// Scale simulator: a real `neutrino server` (api_workers N) on PostgreSQL + RabbitMQ, and H
// simulated hosts in this process. Each host is the real L2 agent logic (src/agents/l2) with
// its kernel side kept in memory, speaking the real agent RPC over RabbitMQ: report_state on
// its interval, get_devices_details_list + security_group_info, update_device_list, and the
// port / security-group / l2population fanouts. P ports are created with binding:host_id and
// their devices "appear" on their hosts, as Nova's os-vif would plug them.
//
//   node dist/bench/scale.js [--hosts 100] [--ports 2000] [--workers 2] [--report-interval 5]
//                            [--resync-ports 1000] [--hosts-per-connection 25] [--check] [--json]
//
// It prints API latency while the agents run, server CPU per agent report and per port bound,
// messages the agents receive per port event, server RSS per 10,000 ports and the time of one
// agent's full resync. A benchmark, not a test: figures are printed, never judged — except with
// --check, which exits 1 when any host never converges (every port it should wire, wired and
// ACTIVE). Exit 2: bad arguments; 1: the server or a host failed.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { L2Agent } from '../src/agents/l2/l2-agent.js';
import { addVhost, deleteVhost } from '../src/lab/rabbit.js';
import { type Bus, type Endpoints, openBus } from '../src/rpc/index.js';
import { startCli } from '../test/helpers/cli-process.js';
import { FakeDataplane, tapName } from '../test/helpers/fake-dataplane.js';
import { freePort } from '../test/helpers/free-port.js';
import { pgProblem, scratchDatabase } from '../test/helpers/postgres.js';
import { childrenOf, rssKb } from '../test/helpers/proc.js';
import { httpClient, procCpuSeconds } from './bench-client.js';

const USAGE = `usage: node dist/bench/scale.js [options]
  --hosts H                 simulated hosts, each a real L2 agent over RabbitMQ (default 100)
  --ports P                 ports created and bound across the hosts (default 2000)
  --workers N               the server's api_workers (default 2)
  --report-interval S       the agents' report_interval in seconds (default 5; Neutron's is 30)
  --report-window S         seconds of agents only reporting, to measure a report's cost (default 2 intervals)
  --resync-ports K          ports on one more host whose full resync is timed (default min(1000, P/2))
  --hosts-per-connection C  simulated hosts sharing one RabbitMQ connection (default 25)
  --networks K              VXLAN networks the ports spread over (default 20)
  --hosts-per-network M     hosts each network's ports land on (default 10)
  --converge-timeout S      how long a host may take to converge after the last create (default 120)
  --check                   exit 1 if any host never converges
  --json                    also print the figures as one JSON line (last line of output)
env: NEUTRINO_BENCH_PG_URL (else NEUTRINO_TEST_PG_URL, else postgresql://postgres@127.0.0.1:5432/test)
     NEUTRINO_BENCH_RABBIT (default rabbit://guest:guest@127.0.0.1:5672); a vhost is made for the run
example: node dist/bench/scale.js --hosts 1000 --ports 20000 --workers 2`;

interface Options {
  hosts: number;
  ports: number;
  workers: number;
  reportInterval: number;
  reportWindow: number;
  resyncPorts: number;
  perConnection: number;
  networks: number;
  hostsPerNetwork: number;
  convergeTimeout: number;
  check: boolean;
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const num = new Map<string, number>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (a === '--check' || a === '--json') {
      flags.add(a);
      continue;
    }
    const known = ['--hosts', '--ports', '--workers', '--report-interval', '--report-window', '--resync-ports', '--hosts-per-connection', '--networks', '--hosts-per-network', '--converge-timeout'];
    if (!known.includes(a)) bad(`unknown argument ${a}`);
    const v = Number(argv[++i]);
    if (!Number.isFinite(v) || v < 0) bad(`${a} needs a number ≥ 0`);
    num.set(a, v);
  }
  const ports = num.get('--ports') ?? 2000;
  const reportInterval = num.get('--report-interval') ?? 5;
  const o: Options = {
    hosts: num.get('--hosts') ?? 100,
    ports,
    workers: num.get('--workers') ?? 2,
    reportInterval,
    reportWindow: num.get('--report-window') ?? reportInterval * 2,
    resyncPorts: num.get('--resync-ports') ?? Math.min(1000, Math.floor(ports / 2)),
    perConnection: num.get('--hosts-per-connection') ?? 25,
    networks: num.get('--networks') ?? 20,
    hostsPerNetwork: Math.min(num.get('--hosts-per-network') ?? 10, num.get('--hosts') ?? 100),
    convergeTimeout: num.get('--converge-timeout') ?? 120,
    check: flags.has('--check'),
    json: flags.has('--json'),
  };
  if (o.hosts < 1 || o.workers < 1 || o.perConnection < 1 || o.networks < 1 || o.hostsPerNetwork < 1) bad('--hosts, --workers, --hosts-per-connection, --networks and --hosts-per-network must be ≥ 1');
  if (o.resyncPorts > o.ports) bad('--resync-ports cannot be more than --ports');
  if (o.reportInterval < 1) bad('--report-interval must be ≥ 1 s');
  return o;
}

function bad(msg: string): never {
  console.error(`bench/scale: ${msg}\n${USAGE}`);
  process.exit(2);
}

const log = pino({ level: 'silent' });
const say = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pct(xs: number[], p: number): number {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const ms = (x: number) => (Number.isNaN(x) ? 'n/a' : `${x.toFixed(1)} ms`);

/** What the simulated hosts send and receive, counted on their side of the bus. */
class Traffic {
  readonly calls = new Map<string, number>();
  readonly deliveries = new Map<string, number>();
  /** device → when the server took it as up (update_device_list answered) */
  readonly upAt = new Map<string, number>();
  bump(m: Map<string, number>, k: string): void {
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  snapshot(): { calls: Record<string, number>; deliveries: Record<string, number> } {
    return { calls: Object.fromEntries(this.calls), deliveries: Object.fromEntries(this.deliveries) };
  }
}

/** A bus that counts what goes through it; everything else is the real RabbitMQ bus. */
function counting(bus: Bus, t: Traffic): Bus {
  return {
    describe: bus.describe,
    async call<T>(topic: string, method: string, args?: object, opts?: Parameters<Bus['call']>[3]): Promise<T> {
      t.bump(t.calls, method);
      const r = await bus.call<T>(topic, method, args, opts);
      if (method === 'update_device_list') {
        const now = performance.now();
        for (const d of (args as { devices_up?: string[] }).devices_up ?? []) t.upAt.set(d, now);
      }
      return r;
    },
    cast: (topic, method, args) => {
      t.bump(t.calls, method);
      return bus.cast(topic, method, args);
    },
    fanout: (topic, method, args) => bus.fanout(topic, method, args),
    consume(topic: string, endpoints: Endpoints, opts) {
      const wrapped: Endpoints = {};
      for (const [method, fn] of Object.entries(endpoints)) {
        wrapped[method] = (args, meta) => {
          t.bump(t.deliveries, method);
          return fn(args, meta);
        };
      }
      return bus.consume(topic, wrapped, opts);
    },
    onReconnect: (l) => bus.onReconnect(l),
    close: () => bus.close(),
  };
}

interface Host {
  name: string;
  agent: L2Agent;
  dp: FakeDataplane;
  /** devices this host should end up wiring */
  expected: Set<string>;
}

interface Server {
  url: string;
  pid: number;
  /** the primary and its workers */
  pids(): number[];
  cpu(): number;
  rssKb(): number;
  stop(): Promise<void>;
  out(): string;
}

async function startServer(o: Options, dbUrl: string, transportUrl: string, dir: string): Promise<Server> {
  const port = await freePort();
  const conf = join(dir, 'neutrino.conf');
  writeFileSync(
    conf,
    [
      '[DEFAULT]',
      `bind_port = ${port}`,
      `state_path = ${dir}`,
      `api_workers = ${o.workers}`,
      'log_level = warn',
      `transport_url = ${transportUrl}`,
      // simulated hosts report every report_interval; give them Neutron's margin
      `agent_down_time = ${Math.max(75, o.reportInterval * 4)}`,
      '[database]',
      `connection = ${dbUrl}`,
      '[ml2]',
      'tenant_network_types = vxlan',
      'mechanism_drivers = linuxbridge,l2population',
      '[ml2_type_vxlan]',
      'vni_ranges = 1:10000',
      '[quotas]',
      'quota_port = -1',
      'quota_network = -1',
      'quota_subnet = -1',
      '',
    ].join('\n'),
  );
  const { child, out } = startCli(['server', '--db-upgrade', '--config-file', conf]);
  const pid = child.pid!;
  const url = `http://127.0.0.1:${port}`;
  const pids = () => [pid, ...childrenOf(pid)];
  const server: Server = {
    url,
    pid,
    pids,
    cpu: () => pids().reduce((s, p) => s + (procCpuSeconds(p) || 0), 0),
    rssKb: () => pids().reduce((s, p) => s + (rssKb(p) || 0), 0),
    out,
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      if ((await Promise.race([gone.then(() => 'gone'), sleep(15_000).then(() => 'late')])) === 'late') {
        for (const p of pids()) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            // gone
          }
        }
      }
    },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${out()}`);
    const ok = await fetch(url)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok && childrenOf(pid).length >= (o.workers > 1 ? o.workers : 0)) break;
    if (Date.now() > deadline) throw new Error(`the server did not answer within 60 s:\n${out()}`);
    await sleep(200);
  }
  return server;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const pgUrl = process.env.NEUTRINO_BENCH_PG_URL ?? process.env.NEUTRINO_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
  const problem = await pgProblem(pgUrl);
  if (problem) throw new Error(`PostgreSQL: ${problem}`);
  const rabbit = new URL(process.env.NEUTRINO_BENCH_RABBIT ?? 'rabbit://guest:guest@127.0.0.1:5672');
  const vhost = `neutrino-scale-${process.pid}-${randomBytes(3).toString('hex')}`;
  const transportUrl = `${rabbit.protocol}//${rabbit.username}:${rabbit.password}@${rabbit.host}/${vhost}`;
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-scale-'));
  const cleanups: (() => Promise<unknown> | unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch((e) => console.error(`bench/scale: cleanup: ${(e as Error).message}`));
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void cleanup().finally(() => process.exit(130));
    });
  }
  let code = 0;
  try {
    code = await run(o, pgUrl, transportUrl, vhost, dir, cleanups);
  } finally {
    await cleanup();
  }
  process.exit(code);
}

async function run(o: Options, pgUrl: string, transportUrl: string, vhost: string, dir: string, cleanups: (() => Promise<unknown> | unknown)[]): Promise<number> {
  say(
    `scale simulator: ${o.hosts} hosts (+1 for the resync), ${o.ports} ports over ${o.networks} networks of ${o.hostsPerNetwork} hosts each, api_workers ${o.workers}, report_interval ${o.reportInterval} s`,
  );
  const db = await scratchDatabase('neutrino_scale', pgUrl);
  cleanups.push(() => db.drop());
  await addVhost(vhost, decodeURIComponent(new URL(transportUrl).username) || 'guest');
  cleanups.push(() => deleteVhost(vhost));
  const server = await startServer(o, db.url, transportUrl, dir);
  cleanups.push(() => server.stop());
  say(`server up: pid ${server.pid}, workers ${childrenOf(server.pid).join(', ') || '(none)'}; ${server.url}`);
  const api = httpClient(server.url, 32);
  cleanups.push(() => api.close());
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await api.request(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${r.text.slice(0, 300)}`);
    return r.text ? JSON.parse(r.text) : null;
  };

  // --- the hosts
  const traffic = new Traffic();
  const buses: Bus[] = [];
  cleanups.push(async () => {
    for (const b of buses.splice(0)) await b.close().catch(() => undefined);
  });
  const hosts: Host[] = [];
  cleanups.push(async () => {
    for (const h of hosts) await h.agent.stop().catch(() => undefined);
  });
  const t0 = performance.now();
  const total = o.hosts + (o.resyncPorts > 0 ? 1 : 0);
  for (let i = 0; i < total; i++) {
    if (i % o.perConnection === 0) buses.push(counting(await openBus(transportUrl, { log, connectionName: `neutrino:scale-sim-${Math.floor(i / o.perConnection)}` }), traffic));
    const name = i < o.hosts ? `sim-host-${i}` : 'sim-resync';
    const dp = new FakeDataplane('Linux bridge agent', 'neutrino-linuxbridge-agent', {
      interface_mappings: {},
      tunnel_types: ['vxlan'],
      tunneling_ip: `10.${100 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}`,
      l2_population: true,
    });
    hosts.push({ name, dp, expected: new Set(), agent: new L2Agent({ bus: buses[buses.length - 1], log, host: name, reportInterval: o.reportInterval, dataplane: dp }) });
  }
  // start in waves: every host's first report and resync at once is its own (real) storm
  for (let i = 0; i < hosts.length; i += 50) await Promise.all(hosts.slice(i, i + 50).map((h) => h.agent.start()));
  const startMs = performance.now() - t0;
  say(`${hosts.length} hosts started (report_state + resync each) in ${(startMs / 1000).toFixed(1)} s over ${buses.length} RabbitMQ connections`);
  const agentsListed = (await call('GET', '/v2.0/agents?fields=id')).agents.length;
  if (agentsListed !== hosts.length) throw new Error(`the server lists ${agentsListed} agents, not ${hosts.length}`);

  // --- agents only reporting: what one report costs the server
  const reports0 = traffic.calls.get('report_state') ?? 0;
  const cpuR0 = server.cpu();
  await sleep(o.reportWindow * 1000);
  const reports = (traffic.calls.get('report_state') ?? 0) - reports0;
  const cpuPerReportMs = reports ? ((server.cpu() - cpuR0) * 1000) / reports : Number.NaN;
  say(`${reports} reports in ${o.reportWindow} s: ${cpuPerReportMs.toFixed(2)} ms of server CPU each`);

  // --- networks
  const nets: string[] = [];
  for (let n = 0; n < o.networks; n++) {
    const net = (await call('POST', '/v2.0/networks', { network: { name: `scale-${n}` } })).network;
    await call('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: `10.${(n >> 2) % 256}.${(n & 3) * 64}.0/18`, name: `scale-${n}` } });
    nets.push(net.id);
  }

  // --- ports: created at c=16 (bound to a host), their devices appear there; shows run alongside
  const rss0 = server.rssKb();
  const cpuP0 = server.cpu();
  const deliveries0 = new Map(traffic.deliveries);
  const createLat: number[] = [];
  const showLat: number[] = [];
  const createdAt = new Map<string, number>();
  const portIds: string[] = [];
  const byDevice = new Map<string, Host>();
  let next = 0;
  let creating = true;
  const tP = performance.now();
  const creators = Array.from({ length: 16 }, async () => {
    while (next < o.ports) {
      const i = next++;
      // the first resyncPorts ports go to the resync host; the rest round-robin over the others
      // a network lives on hostsPerNetwork neighbouring hosts, as a project's instances do
      const n = i % nets.length;
      const host = i < o.resyncPorts ? hosts[hosts.length - 1] : hosts[(n * o.hostsPerNetwork + (Math.floor(i / nets.length) % o.hostsPerNetwork)) % o.hosts];
      const s = performance.now();
      const port = (
        await call('POST', '/v2.0/ports', {
          port: { network_id: nets[n], 'binding:host_id': host.name, device_owner: 'compute:nova', device_id: `vm-${i}`, name: `scale-${i}` },
        })
      ).port;
      createLat.push(performance.now() - s);
      const dev = tapName(port.id);
      createdAt.set(dev, performance.now());
      portIds.push(port.id);
      byDevice.set(dev, host);
      host.expected.add(dev);
      host.dp.addDevice(dev);
    }
  });
  const shower = (async () => {
    while (creating) {
      if (!portIds.length) {
        await sleep(10);
        continue;
      }
      const id = portIds[Math.floor(Math.random() * portIds.length)];
      const s = performance.now();
      await call('GET', `/v2.0/ports/${id}`);
      showLat.push(performance.now() - s);
    }
  })();
  await Promise.all(creators);
  const createSecs = (performance.now() - tP) / 1000;
  creating = false;
  await shower;
  say(`${o.ports} ports created in ${createSecs.toFixed(1)} s (${(o.ports / createSecs).toFixed(0)}/s at c=16)`);

  // --- convergence: every host wired its ports and the server has them ACTIVE
  const deadline = performance.now() + o.convergeTimeout * 1000;
  // the server's word for ACTIVE (an agent's update_device_list may time out on a busy server
  // after the server did record it; the agent's next resync would say so again)
  const deviceOf = new Map([...byDevice.keys()].map((d) => [d.slice(3), d]));
  let notActive = new Set<string>();
  const readStatus = async () => {
    const ports: { id: string; status: string }[] = (await call('GET', '/v2.0/ports?device_owner=compute:nova&fields=id&fields=status')).ports;
    notActive = new Set(ports.filter((p) => p.status !== 'ACTIVE').map((p) => deviceOf.get(p.id.slice(0, 11)) ?? p.id));
  };
  const stuck = (h: Host) => [...h.expected].filter((d) => !h.dp.plugged.has(d) || notActive.has(d));
  const unconverged = () => hosts.filter((h) => stuck(h).length > 0);
  await readStatus();
  let waiting = unconverged();
  while (waiting.length && performance.now() < deadline) {
    await sleep(1000);
    await readStatus();
    waiting = unconverged();
  }
  const convergeSecs = (performance.now() - tP) / 1000;
  const boundMs = [...createdAt].filter(([d]) => traffic.upAt.has(d)).map(([d, at]) => traffic.upAt.get(d)! - at);
  const down = notActive.size;
  const cpuPerPortMs = ((server.cpu() - cpuP0) * 1000) / o.ports;
  const rssPer10k = ((server.rssKb() - rss0) / 1024 / o.ports) * 10_000;
  const perPort: Record<string, number> = {};
  for (const [m, n] of traffic.deliveries) perPort[m] = (n - (deliveries0.get(m) ?? 0)) / o.ports;
  const deliveredPerPort = Object.values(perPort).reduce((a, b) => a + b, 0);
  say(
    waiting.length
      ? `NOT CONVERGED: ${waiting.length} host(s) still miss ports after ${o.convergeTimeout} s (e.g. ${waiting
          .slice(0, 5)
          .map((h) => h.name)
          .join(', ')}); ${down} port(s) not ACTIVE`
      : `all ${hosts.length} hosts converged ${convergeSecs.toFixed(1)} s after the first create; ${down} compute port(s) not ACTIVE`,
  );

  for (const h of waiting.slice(0, 3)) {
    const missing = stuck(h);
    console.log(
      `  ${h.name}: ${missing.length} of ${h.expected.size} device(s) not converged, e.g. ${missing
        .slice(0, 3)
        .map((d) => `${d} (${h.dp.plugged.has(d) ? 'wired' : 'not wired'}, ${notActive.has(d) ? 'not ACTIVE' : 'ACTIVE'})`)
        .join(', ')}`,
    );
  }

  // --- one agent's full resync at this size
  let resyncMs = Number.NaN;
  if (o.resyncPorts > 0) {
    const h = hosts[hosts.length - 1];
    const s = performance.now();
    await h.agent.core.resync('bench: timed full resync');
    resyncMs = performance.now() - s;
  }

  const figures = {
    hosts: hosts.length,
    ports: o.ports,
    api_workers: o.workers,
    hosts_start_s: +(startMs / 1000).toFixed(2),
    converged: waiting.length === 0,
    unconverged_hosts: waiting.length,
    ports_down: down,
    converge_s: +convergeSecs.toFixed(2),
    create_per_s: +(o.ports / createSecs).toFixed(1),
    create_p50_ms: +pct(createLat, 50).toFixed(1),
    create_p99_ms: +pct(createLat, 99).toFixed(1),
    show_p50_ms: +pct(showLat, 50).toFixed(1),
    show_p99_ms: +pct(showLat, 99).toFixed(1),
    bound_p50_ms: +pct(boundMs, 50).toFixed(1),
    bound_p99_ms: +pct(boundMs, 99).toFixed(1),
    server_cpu_ms_per_report: +cpuPerReportMs.toFixed(3),
    server_cpu_ms_per_port: +cpuPerPortMs.toFixed(2),
    agent_messages_per_port: +deliveredPerPort.toFixed(2),
    agent_messages_per_port_by_method: Object.fromEntries(Object.entries(perPort).map(([m, n]) => [m, +n.toFixed(2)])),
    server_rss_mib_per_10k_ports: +rssPer10k.toFixed(1),
    resync_ports: o.resyncPorts,
    resync_ms: +resyncMs.toFixed(0),
  };
  console.log('');
  console.log(`figures (${hosts.length} hosts, ${o.ports} ports, api_workers ${o.workers}):`);
  console.log(`  port create while agents run   ${figures.create_per_s}/s, p50 ${ms(figures.create_p50_ms)}, p99 ${ms(figures.create_p99_ms)}`);
  console.log(`  port show while agents run     p50 ${ms(figures.show_p50_ms)}, p99 ${ms(figures.show_p99_ms)} (${showLat.length} shows)`);
  console.log(`  device up → ACTIVE reported    p50 ${ms(figures.bound_p50_ms)}, p99 ${ms(figures.bound_p99_ms)} (from the create's answer)`);
  console.log(`  server CPU per agent report    ${figures.server_cpu_ms_per_report} ms`);
  console.log(`  server CPU per port bound      ${figures.server_cpu_ms_per_port} ms (create + binding + wiring RPC + fanouts)`);
  console.log(
    `  messages to agents per port    ${figures.agent_messages_per_port} (${Object.entries(figures.agent_messages_per_port_by_method)
      .map(([m, n]) => `${m} ${n}`)
      .join(', ')})`,
  );
  console.log(`  server RSS per 10,000 ports    ${figures.server_rss_mib_per_10k_ports} MiB (all server processes)`);
  console.log(`  full resync of ${o.resyncPorts} ports     ${ms(figures.resync_ms)}`);
  console.log(`  converged                      ${figures.converged ? 'yes' : `NO (${waiting.length} hosts)`}`);
  if (o.json) console.log(JSON.stringify(figures));
  return o.check && !figures.converged ? 1 : 0;
}

main().catch((e) => {
  console.error(`bench/scale: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
