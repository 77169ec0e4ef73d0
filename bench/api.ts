// API benchmark: starts the real `neutrino server` as a separate child process (on a fresh
// SQLite file and/or a fresh PostgreSQL database), drives it over HTTP with keep-alive
// connections, and prints throughput and latency per phase plus the server's RSS.
//
//   node dist/bench/api.js [--db sqlite|postgres|both] [--quick] [--client http|fetch] [--profile]
//                          [--set section.key=value]...
//
// See bench/README.md for what each phase measures.
// This is a benchmark, not a test: timings are printed, never asserted. The targets are shown
// as met / not met for information; the exit status is 1 only when the server fails (a 5xx,
// a dropped connection, a crash) or cannot be started.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pgProblem, scratchDatabase } from '../test/helpers/postgres.js';
import { type Client, httpClient, procCpuSeconds, type Reply } from './bench-client.js';
import { formatSummary, summarise, type CpuProfile } from './cpuprofile.js';

// ---------------------------------------------------------------------------------------------
// options

type DbKind = 'sqlite' | 'postgres';
type ClientKind = 'http' | 'fetch';

interface Options {
  dbs: DbKind[];
  quick: boolean;
  client: ClientKind;
  profile: boolean;
  /** extra config options for the server, section -> key -> value (--set section.key=value) */
  set: Record<string, Record<string, string>>;
}

const USAGE = `usage: node dist/bench/api.js [--db sqlite|postgres|both] [--quick] [--client http|fetch] [--profile] [--set section.key=value]...
  --db       which database(s) to run the server on (default: both)
  --quick    10x smaller counts (a smoke run; the 5000-port list target is then not judged)
  --client   http: node:http with a keep-alive Agent, maxSockets = concurrency (default)
             fetch: the global fetch (undici, keep-alive by default)
  --profile  run the server under node --cpu-prof and print the top functions per phase
  --set      extra server option for an experiment, e.g. --set database.max_pool_size=8 (repeatable)
env: NEUTRINO_BENCH_PG_URL (else NEUTRINO_TEST_PG_URL, else postgresql://postgres@127.0.0.1:5432/test)
     names the PostgreSQL admin database; a fresh database is created next to it and dropped.`;

function parseArgs(argv: string[]): Options {
  const o: Options = { dbs: ['sqlite', 'postgres'], quick: false, client: 'http', profile: false, set: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (name: string) => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) fail(`${name} needs a value`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--profile') o.profile = true;
    else if (a === '--db' || a.startsWith('--db=')) {
      const v = value('--db');
      if (v === 'both') o.dbs = ['sqlite', 'postgres'];
      else if (v === 'sqlite' || v === 'postgres') o.dbs = [v];
      else fail(`--db must be sqlite, postgres or both, not ${v}`);
    } else if (a === '--client' || a.startsWith('--client=')) {
      const v = value('--client');
      if (v !== 'http' && v !== 'fetch') fail(`--client must be http or fetch, not ${v}`);
      o.client = v as ClientKind;
    } else if (a === '--set' || a.startsWith('--set=')) {
      const v = value('--set');
      const m = /^([A-Za-z_]+)\.([A-Za-z0-9_]+)=(.*)$/.exec(v);
      if (!m) fail(`--set wants section.key=value, not ${v}`);
      (o.set[m[1]] ??= {})[m[2]] = m[3];
    } else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown argument ${a}`);
  }
  return o;
}

function fail(msg: string): never {
  console.error(`bench: ${msg}\n${USAGE}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// sizes

interface Sizes {
  networks: number;
  /** prefix length of each network's subnet: /22 = 1021 usable addresses, room for 500 ports each */
  prefix: number;
  warmup: number;
  createC1: number;
  createC16: number;
  total: number;
  bulkChunk: number;
  listRequests: number;
}

const FULL: Sizes = { networks: 10, prefix: 22, warmup: 100, createC1: 1000, createC16: 1000, total: 5000, bulkChunk: 500, listRequests: 20 };
const QUICK: Sizes = { networks: 10, prefix: 22, warmup: 10, createC1: 100, createC16: 100, total: 500, bulkChunk: 50, listRequests: 20 };

const CONCURRENCY = 16;

// ---------------------------------------------------------------------------------------------
// cleanup: only what this process started (the child by its pid, its temp files, its database)

const cleanups: (() => Promise<void> | void)[] = [];
let cleaningUp = false;

async function runCleanups(): Promise<void> {
  if (cleaningUp) return;
  cleaningUp = true;
  while (cleanups.length) {
    const f = cleanups.pop()!;
    try {
      await f();
    } catch (e) {
      console.error(`bench: cleanup failed: ${(e as Error).message}`);
    }
  }
  cleaningUp = false;
}

/** pids of server children still running: killed synchronously if this process exits abnormally */
const livePids = new Set<number>();

let aborting = false;

function abort(why: string, code: number): void {
  if (aborting) return;
  aborting = true;
  try {
    console.error(`\nbench: ${why}: stopping the server and cleaning up`);
  } catch {
    // stderr may be gone too
  }
  void runCleanups().finally(() => process.exit(code));
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => abort(sig, 130));
// output piped into `head` and closed early: EPIPE must not leave the server running
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => abort(`${e.code ?? 'error'} on output`, 1));
}
process.on('uncaughtException', (e) => abort(`uncaught ${e.stack ?? e}`, 1));
process.on('unhandledRejection', (e) => abort(`unhandled rejection ${(e as Error)?.stack ?? e}`, 1));
// last resort (process.exit from anywhere): no async cleanup is possible here, but the child is killed
process.on('exit', () => {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

// ---------------------------------------------------------------------------------------------
// the server child

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const SERVER_MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const PG_ADMIN_URL = process.env.NEUTRINO_BENCH_PG_URL ?? process.env.NEUTRINO_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

class BenchError extends Error {}

interface Server {
  pid: number;
  url: string;
  host: string;
  port: number;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** set once the child has exited */
  exitInfo: string | null;
  stop(): Promise<void>;
  profileDir: string | null;
  /** PostgreSQL only: CPU seconds so far of each backend serving the server's database, by pid */
  dbBackendCpu: (() => Promise<Map<number, number>>) | null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function startServer(kind: DbKind, profile: boolean, extra: Record<string, Record<string, string>>): Promise<Server & { describe: string }> {
  const dir = mkdtempSync(join(os.tmpdir(), 'neutrino-bench-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  let connection: string;
  let describe: string;
  let dbBackendCpu: Server['dbBackendCpu'] = null;
  if (kind === 'sqlite') {
    const file = join(dir, 'neutrino.sqlite');
    connection = `sqlite:///${file}`; // file is absolute, so this is sqlite:////tmp/…
    describe = `SQLite file ${file}`;
  } else {
    const created = await scratchDatabase('neutrino_bench', PG_ADMIN_URL);
    cleanups.push(created.drop);
    // an admin connection to find the backends of the bench database (their CPU is read from /proc,
    // which works when PostgreSQL runs on this host; otherwise the figure is left out)
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
    await admin.connect();
    cleanups.push(() => admin.end());
    dbBackendCpu = async () => {
      const r = await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [created.name]);
      return new Map(r.rows.map((x) => [x.pid, procCpuSeconds(x.pid)] as [number, number]).filter(([, c]) => !Number.isNaN(c)));
    };
    connection = created.url;
    describe = `PostgreSQL database ${created.name} (created for this run, dropped after)`;
  }
  const port = await freePort();
  const host = '127.0.0.1';
  const conf = join(dir, 'neutrino.conf');
  const sections: Record<string, Record<string, string>> = {
    // one process unless --set DEFAULT.api_workers=N: the CPU and RSS figures read the server's own pid
    DEFAULT: { bind_host: host, bind_port: String(port), log_level: 'warn', state_path: dir, api_workers: '1' },
    database: { connection },
    quotas: { quota_port: '-1', quota_network: '-1', quota_subnet: '-1' },
  };
  for (const [section, kv] of Object.entries(extra)) sections[section] = { ...(sections[section] ?? {}), ...kv };
  writeFileSync(
    conf,
    Object.entries(sections)
      .map(([name, kv]) => [`[${name}]`, ...Object.entries(kv).map(([k, v]) => `${k} = ${v}`), ''].join('\n'))
      .join('\n'),
  );
  const profileDir = profile ? join(dir, 'cpuprofile') : null;
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, SERVER_MAIN, 'server', '--db-upgrade', '--config-file', conf], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new BenchError('could not spawn the server');
  const pid = child.pid;
  livePids.add(pid);
  const server: Server & { describe: string } = {
    pid,
    url: `http://${host}:${port}`,
    host,
    port,
    child,
    describe,
    exitInfo: null,
    profileDir,
    dbBackendCpu,
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        server.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
        livePids.delete(pid);
        resolve(code);
      });
    }),
    async stop() {
      if (server.exitInfo) return;
      // graceful first (the server closes its DB pool, and --cpu-prof writes its profile on exit)
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return; // already gone
      }
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000).unref());
      if ((await Promise.race([server.exited, timeout])) === 'timeout' && !server.exitInfo) {
        console.error(`bench: server pid ${pid} did not stop within 10 s of SIGTERM: SIGKILL`);
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await server.exited;
      }
    },
  };
  cleanups.push(() => server.stop());
  for (const stream of [child.stdout!, child.stderr!]) {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) console.log(`    [server] ${line.length > 600 ? `${line.slice(0, 600)}…` : line}`);
      }
    });
  }
  // ready when GET / answers
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitInfo) throw new BenchError(`the server ${server.exitInfo} before it was ready`);
    const status = await new Promise<number>((resolve) => {
      // a one-off connection (agent: false), so no keep-alive socket is left behind
      http
        .get({ host, port, path: '/', agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        })
        .on('error', () => resolve(0)); // not listening yet
    });
    if (status === 200) break;
    if (Date.now() > deadline) throw new BenchError('the server did not answer GET / within 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return server;
}

function procStatus(pid: number): { rssKb: number; hwmKb: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** busy and total CPU ticks of the whole host, from /proc/stat */
function hostCpuTicks(): { busy: number; total: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // user nice system idle iowait irq softirq steal
    return { busy: total - f[3] - f[4], total };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MiB`;

// ---------------------------------------------------------------------------------------------
// the HTTP client

function fetchClient(base: string): Client {
  return {
    async request(method, path, body) {
      const r = await fetch(`${base}${path}`, {
        method,
        keepalive: true,
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.status, text: await r.text() };
    },
    // the global dispatcher is shared (and used again for the next server): nothing to close; its
    // idle sockets time out on their own (undici keepAliveTimeout, 4 s)
    async close() {},
  };
}

// ---------------------------------------------------------------------------------------------
// phases

interface PhaseResult {
  name: string;
  key: string;
  concurrency: number;
  requests: number;
  /** items the phase handled (ports for a bulk create, else = requests) */
  items: number;
  unit: string;
  seconds: number;
  latenciesMs: number[];
  statuses: Map<number, number>;
  non2xx: number;
  serverErrors: { status: number; what: string; body: string }[];
  transportErrors: string[];
  serverCpuPct: number;
  clientCpuPct: number;
  /** all processes on the host (server, client, PostgreSQL…), 100% = one core */
  hostCpuPct: number;
  /** PostgreSQL backends of the bench database (NaN: SQLite, or not measurable) */
  dbCpuPct: number;
  startUs: number;
  endUs: number;
  notes: string[];
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Runs `count` operations, `concurrency` at a time; `op(i)` makes one request and returns what
 * to record. Latency is measured around the request, body read included.
 */
async function runPhase(
  server: Server,
  client: Client,
  spec: { name: string; key: string; count: number; concurrency: number; unit?: string; itemsPerOp?: (i: number) => number },
  op: (i: number) => { method: string; path: string; body?: unknown; what: string; onReply?: (r: Reply) => void },
): Promise<PhaseResult> {
  const r: PhaseResult = {
    name: spec.name,
    key: spec.key,
    concurrency: spec.concurrency,
    requests: 0,
    items: 0,
    unit: spec.unit ?? 'req',
    seconds: 0,
    latenciesMs: [],
    statuses: new Map(),
    non2xx: 0,
    serverErrors: [],
    transportErrors: [],
    serverCpuPct: NaN,
    clientCpuPct: NaN,
    hostCpuPct: NaN,
    dbCpuPct: NaN,
    startUs: 0,
    endUs: 0,
    notes: [],
  };
  let next = 0;
  const db0 = server.dbBackendCpu ? await server.dbBackendCpu().catch(() => null) : null;
  const cpu0 = procCpuSeconds(server.pid);
  const client0 = process.cpuUsage();
  const host0 = hostCpuTicks();
  r.startUs = nowUs();
  const t0 = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= spec.count || aborting) return;
      const o = op(i);
      const start = performance.now();
      let reply: Reply;
      try {
        reply = await client.request(o.method, o.path, o.body);
      } catch (e) {
        r.transportErrors.push(`${o.what}: ${(e as Error).message}`);
        if (r.transportErrors.length >= 20) next = spec.count; // the server is gone: stop early
        continue;
      }
      r.latenciesMs.push(performance.now() - start);
      r.requests++;
      r.statuses.set(reply.status, (r.statuses.get(reply.status) ?? 0) + 1);
      if (reply.status >= 200 && reply.status < 300) {
        r.items += spec.itemsPerOp ? spec.itemsPerOp(i) : 1;
        o.onReply?.(reply);
      } else {
        r.non2xx++;
        if (reply.status >= 500) r.serverErrors.push({ status: reply.status, what: o.what, body: reply.text.slice(0, 500) });
        else if (r.notes.length < 3) r.notes.push(`${reply.status} on ${o.what}: ${reply.text.slice(0, 300)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, Math.max(1, spec.count)) }, worker));
  r.seconds = (performance.now() - t0) / 1000;
  r.endUs = nowUs();
  r.serverCpuPct = (100 * (procCpuSeconds(server.pid) - cpu0)) / r.seconds;
  const db1 = db0 && server.dbBackendCpu ? await server.dbBackendCpu().catch(() => null) : null;
  if (db0 && db1 && db1.size) {
    // backends that started during the phase count in full; those that ended are missed (rare: the pool keeps them)
    let used = 0;
    for (const [pid, cpu] of db1) used += cpu - (db0.get(pid) ?? 0);
    r.dbCpuPct = (100 * used) / r.seconds;
  }
  const client1 = process.cpuUsage(client0);
  r.clientCpuPct = (100 * (client1.user + client1.system)) / 1e6 / r.seconds;
  const host1 = hostCpuTicks();
  r.hostCpuPct = (100 * os.cpus().length * (host1.busy - host0.busy)) / (host1.total - host0.total);
  r.latenciesMs.sort((a, b) => a - b);
  return r;
}

const fmtMs = (ms: number) => (Number.isNaN(ms) ? '-' : ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0));
const pctOf = (x: number) => (Number.isFinite(x) ? `${x.toFixed(0)}%` : '-');
/** CPU used on the host by processes that are not part of the bench (clamped: the counters tick at 10 ms) */
const otherCpu = (r: PhaseResult) => Math.max(0, r.hostCpuPct - r.serverCpuPct - r.clientCpuPct - (Number.isNaN(r.dbCpuPct) ? 0 : r.dbCpuPct));
const opsPerSec = (r: PhaseResult) => r.items / r.seconds;

function printPhase(r: PhaseResult): void {
  const lat = r.latenciesMs;
  const statuses = [...r.statuses.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
  const rate = `${opsPerSec(r).toFixed(0)} ${r.unit}/s`;
  console.log(
    `  ${r.name.padEnd(34)} ${rate.padStart(13)}  p50 ${fmtMs(percentile(lat, 50)).padStart(6)} ms  p99 ${fmtMs(percentile(lat, 99)).padStart(6)} ms` +
      `  non-2xx ${r.non2xx}  srv ${((r.serverCpuPct * r.seconds * 10) / r.items).toFixed(3)} CPU-ms/op  CPU srv ${pctOf(r.serverCpuPct)}${Number.isNaN(r.dbCpuPct) ? '' : ` pg ${pctOf(r.dbCpuPct)}`} client ${pctOf(r.clientCpuPct)} other ${pctOf(otherCpu(r))}` +
      `  (${r.requests} req in ${r.seconds.toFixed(2)} s; ${statuses || 'no replies'})`,
  );
  for (const n of r.notes) console.log(`      note: ${n}`);
  for (const e of r.serverErrors.slice(0, 5)) console.log(`      SERVER ERROR ${e.status} on ${e.what}: ${e.body}`);
  if (r.serverErrors.length > 5) console.log(`      … and ${r.serverErrors.length - 5} more 5xx`);
  for (const e of r.transportErrors.slice(0, 5)) console.log(`      TRANSPORT ERROR ${e}`);
}

class Aborted extends Error {}

function checkPhase(server: Server, r: PhaseResult): void {
  if (aborting) throw new Aborted('aborted');
  printPhase(r);
  if (r.serverErrors.length) throw new BenchError(`${r.serverErrors.length} server error(s) (5xx) in phase "${r.name}"`);
  if (r.transportErrors.length) throw new BenchError(`${r.transportErrors.length} transport error(s) in phase "${r.name}"${server.exitInfo ? `: the server ${server.exitInfo}` : ''}`);
  if (server.exitInfo) throw new BenchError(`the server ${server.exitInfo} during phase "${r.name}"`);
}

// ---------------------------------------------------------------------------------------------
// one run on one database

interface RunResult {
  kind: DbKind;
  phases: PhaseResult[];
  rss: { label: string; rssKb: number; hwmKb: number }[];
  listBytes: number;
  listCount: number;
  error: string | null;
  profile: string | null;
}

function subnetCidr(i: number, prefix: number): string {
  // /22 blocks: 10.0.0.0/22, 10.0.4.0/22, … (10 networks fit in 10.0.0.0/18)
  const size = 2 ** (32 - prefix);
  const base = (10 << 24) + i * size;
  return `${(base >>> 24) & 255}.${(base >>> 16) & 255}.${(base >>> 8) & 255}.${base & 255}/${prefix}`;
}

async function runOne(kind: DbKind, opts: Options, sizes: Sizes): Promise<RunResult> {
  const result: RunResult = { kind, phases: [], rss: [], listBytes: 0, listCount: 0, error: null, profile: null };
  const label = kind === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  console.log(`\n=== ${label} ===`);
  const mark = cleanups.length;
  let server: (Server & { describe: string }) | null = null;
  let client: Client | null = null;
  const rss = (what: string) => {
    const s = server ? procStatus(server.pid) : null;
    if (!s) return;
    result.rss.push({ label: what, ...s });
    console.log(`  server RSS ${what}: ${mb(s.rssKb)} (peak so far ${mb(s.hwmKb)})`);
  };
  try {
    server = await startServer(kind, opts.profile, opts.set);
    const srv = server;
    console.log(`  server pid ${srv.pid} on ${srv.url}, ${srv.describe}${opts.profile ? ', under --cpu-prof' : ''}`);
    client = opts.client === 'http' ? httpClient(srv.url, CONCURRENCY) : fetchClient(srv.url);
    const c = client;
    // on abort, drop our keep-alive sockets before the server is stopped: the server's graceful close
    // otherwise waits (up to Fastify's keepAliveTimeout, 72 s) for sockets that were busy when it began
    cleanups.push(() => c.close());
    const phase = async (...args: Parameters<typeof runPhase> extends [Server, Client, ...infer R] ? R : never) => {
      const r = await runPhase(srv, c, ...args);
      result.phases.push(r);
      checkPhase(srv, r);
      return r;
    };
    rss('at start (idle, migrated)');

    // networks + subnets, one at a time
    const networks: string[] = [];
    const subnets: string[] = [];
    await phase({ name: `create ${sizes.networks} networks + /${sizes.prefix} subnets`, key: 'nets', count: sizes.networks * 2, concurrency: 1 }, (i) => {
      const n = Math.floor(i / 2);
      if (i % 2 === 0) {
        return {
          method: 'POST',
          path: '/v2.0/networks',
          body: { network: { name: `bench-net-${n}` } },
          what: `POST network ${n}`,
          onReply: (r) => void networks.push((JSON.parse(r.text) as { network: { id: string } }).network.id),
        };
      }
      return {
        method: 'POST',
        path: '/v2.0/subnets',
        what: `POST subnet ${n}`,
        body: { subnet: { name: `bench-subnet-${n}`, network_id: networks[n], ip_version: 4, cidr: subnetCidr(n, sizes.prefix) } },
        onReply: (r) => void subnets.push((JSON.parse(r.text) as { subnet: { id: string } }).subnet.id),
      };
    });
    if (networks.length !== sizes.networks || subnets.length !== sizes.networks) throw new BenchError('could not create the networks and subnets');

    const ports: string[] = [];
    const portBody = (i: number, tag: string) => ({ port: { network_id: networks[i % networks.length], name: `bench-${tag}-${i}` } });
    const keepPort = (r: Reply) => void ports.push((JSON.parse(r.text) as { port: { id: string } }).port.id);

    // warm-up (not counted): JIT and the per-subnet IP caches, then the ports are deleted again
    const warm: string[] = [];
    await runPhase(srv, c, { name: 'warmup', key: 'warmup', count: sizes.warmup, concurrency: 4 }, (i) => ({
      method: 'POST',
      path: '/v2.0/ports',
      body: portBody(i, 'warm'),
      what: `POST warm-up port ${i}`,
      onReply: (r) => void warm.push((JSON.parse(r.text) as { port: { id: string } }).port.id),
    })).then((r) => checkWarmup(srv, r));
    await runPhase(srv, c, { name: 'warmup delete', key: 'warmup', count: warm.length, concurrency: 4 }, (i) => ({
      method: 'DELETE',
      path: `/v2.0/ports/${warm[i]}`,
      what: `DELETE warm-up port ${warm[i]}`,
    })).then((r) => checkWarmup(srv, r));

    await phase({ name: `create ${sizes.createC1} ports c=1`, key: 'create1', count: sizes.createC1, concurrency: 1 }, (i) => ({
      method: 'POST',
      path: '/v2.0/ports',
      body: portBody(i, 'c1'),
      what: `POST port #${i}`,
      onReply: keepPort,
    }));
    await phase({ name: `create ${sizes.createC16} ports c=${CONCURRENCY}`, key: 'create16', count: sizes.createC16, concurrency: CONCURRENCY }, (i) => ({
      method: 'POST',
      path: '/v2.0/ports',
      body: portBody(i, 'c16'),
      what: `POST port #${i}`,
      onReply: keepPort,
    }));

    // top up to the total with bulk creates ({"ports": [...]}, one transaction per request)
    const missing = Math.max(0, sizes.total - ports.length);
    const chunks = Math.ceil(missing / sizes.bulkChunk);
    const chunkSize = (k: number) => Math.min(sizes.bulkChunk, missing - k * sizes.bulkChunk);
    if (chunks > 0) {
      await phase({ name: `bulk-create ${missing} ports (${sizes.bulkChunk}/req)`, key: 'bulk', count: chunks, concurrency: 1, unit: 'ports', itemsPerOp: chunkSize }, (k) => ({
        method: 'POST',
        path: '/v2.0/ports',
        what: `POST bulk #${k}`,
        body: { ports: Array.from({ length: chunkSize(k) }, (_, j) => portBody(k * sizes.bulkChunk + j, 'bulk').port) },
        onReply: (r) => {
          for (const p of (JSON.parse(r.text) as { ports: { id: string }[] }).ports) ports.push(p.id);
        },
      }));
    }

    // list all ports
    const listPhase = await phase({ name: `GET /v2.0/ports (${ports.length} ports)`, key: 'list', count: sizes.listRequests, concurrency: 1 }, (i) => ({
      method: 'GET',
      path: '/v2.0/ports',
      what: `GET /v2.0/ports #${i}`,
      onReply: (r) => {
        result.listBytes = Buffer.byteLength(r.text);
        result.listCount = (JSON.parse(r.text) as { ports: unknown[] }).ports.length;
      },
    }));
    console.log(`      list body ${(result.listBytes / 1024).toFixed(0)} KiB, ${result.listCount} ports`);
    if (result.listCount !== ports.length) {
      listPhase.notes.push(`the list returned ${result.listCount} ports, ${ports.length} were created`);
      console.log(`      WARNING: the list returned ${result.listCount} ports, ${ports.length} were created`);
    }
    rss('after the list phase');

    // show / update / delete every port, 16 at a time
    await phase({ name: `show port c=${CONCURRENCY}`, key: 'show', count: ports.length, concurrency: CONCURRENCY }, (i) => ({
      method: 'GET',
      path: `/v2.0/ports/${ports[i]}`,
      what: `GET port ${ports[i]}`,
    }));
    await phase({ name: `update port name c=${CONCURRENCY}`, key: 'update', count: ports.length, concurrency: CONCURRENCY }, (i) => ({
      method: 'PUT',
      path: `/v2.0/ports/${ports[i]}`,
      body: { port: { name: `bench-renamed-${i}` } },
      what: `PUT port ${ports[i]}`,
    }));
    await phase({ name: `delete port c=${CONCURRENCY}`, key: 'delete', count: ports.length, concurrency: CONCURRENCY }, (i) => ({
      method: 'DELETE',
      path: `/v2.0/ports/${ports[i]}`,
      what: `DELETE port ${ports[i]}`,
    }));
    rss('at the end');
  } catch (e) {
    if (aborting) return new Promise<never>(() => undefined); // abort() cleans up and exits
    result.error = e instanceof BenchError ? e.message : `${(e as Error).stack ?? e}`;
    console.log(`  BENCH ERROR: ${result.error}`);
  } finally {
    // biome-ignore lint/correctness/noUnsafeFinally: an aborting bench hands over to abort(), which cleans up and exits
    if (aborting) return new Promise<never>(() => undefined);
    await client?.close();
    if (server) {
      await server.stop();
      if (server.profileDir) result.profile = profileReport(server.profileDir, result.phases);
    }
    // stop the server, drop the database, remove the temp dir (in reverse order of creation)
    const mine = cleanups.splice(mark);
    while (mine.length) {
      try {
        await mine.pop()!();
      } catch (e) {
        console.error(`bench: cleanup failed: ${(e as Error).message}`);
      }
    }
  }
  return result;
}

function checkWarmup(server: Server, r: PhaseResult): void {
  if (r.serverErrors.length || r.transportErrors.length || server.exitInfo) checkPhase(server, r);
  if (r.non2xx) console.log(`  warm-up: ${r.non2xx} non-2xx (${r.notes.join('; ')})`);
}

function profileReport(dir: string, phases: PhaseResult[]): string | null {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return null;
  }
  if (!files.length) return '  (no .cpuprofile written: the server did not exit cleanly)';
  const profile = JSON.parse(readFileSync(join(dir, files[0]), 'utf8')) as CpuProfile;
  const out: string[] = [];
  const inside = (p: PhaseResult) => p.startUs >= profile.startTime && p.endUs <= profile.endTime + 1_000_000;
  const usable = phases.filter(inside);
  if (!usable.length) {
    out.push('  (phase windows do not line up with the profile clock: whole-run profile only)');
    out.push(formatSummary(summarise(profile, PROJECT_ROOT)));
  }
  for (const p of usable) {
    out.push(`  -- ${p.name}`);
    out.push(formatSummary(summarise(profile, PROJECT_ROOT, { startUs: p.startUs, endUs: p.endUs }), 12));
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// targets and summary

interface Target {
  text: string;
  db: DbKind;
  judge: (r: RunResult, quick: boolean) => { met: boolean | null; actual: string };
}

const phaseOf = (r: RunResult, key: string) => r.phases.find((p) => p.key === key);

const TARGETS: Target[] = [
  {
    text: `SQLite: port create >= 1000/s at c=${CONCURRENCY}`,
    db: 'sqlite',
    judge: (r) => {
      const p = phaseOf(r, 'create16');
      return p ? { met: opsPerSec(p) >= 1000, actual: `${opsPerSec(p).toFixed(0)}/s` } : { met: null, actual: 'not run' };
    },
  },
  {
    text: 'SQLite: port create p50 <= 2 ms at c=1',
    db: 'sqlite',
    judge: (r) => {
      const p = phaseOf(r, 'create1');
      const v = p ? percentile(p.latenciesMs, 50) : NaN;
      return p ? { met: v <= 2, actual: `${fmtMs(v)} ms` } : { met: null, actual: 'not run' };
    },
  },
  ...(['sqlite', 'postgres'] as const).map(
    (db): Target => ({
      text: `${db === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: GET /v2.0/ports with 5000 ports p50 <= 100 ms`,
      db,
      judge: (r, quick) => {
        const p = phaseOf(r, 'list');
        if (!p) return { met: null, actual: 'not run' };
        const v = percentile(p.latenciesMs, 50);
        if (quick) return { met: null, actual: `${fmtMs(v)} ms with ${r.listCount} ports (--quick: not judged)` };
        return { met: v <= 100, actual: `${fmtMs(v)} ms with ${r.listCount} ports` };
      },
    }),
  ),
  {
    text: `PostgreSQL: port create >= 500/s at c=${CONCURRENCY}`,
    db: 'postgres',
    judge: (r) => {
      const p = phaseOf(r, 'create16');
      return p ? { met: opsPerSec(p) >= 500, actual: `${opsPerSec(p).toFixed(0)}/s` } : { met: null, actual: 'not run' };
    },
  },
];

function printSummary(results: RunResult[], opts: Options): void {
  console.log('\n=== Summary ===');
  console.log('Targets (informational, not asserted):');
  for (const t of TARGETS) {
    const r = results.find((x) => x.kind === t.db);
    const v = r ? t.judge(r, opts.quick) : { met: null, actual: 'not run' };
    const mark = v.met === null ? '  n/a  ' : v.met ? '  MET  ' : 'NOT MET';
    console.log(`  [${mark}] ${t.text.padEnd(60)} actual: ${v.actual}`);
  }

  const keys: { key: string; label: string }[] = [];
  for (const r of results) for (const p of r.phases) if (!keys.some((k) => k.key === p.key)) keys.push({ key: p.key, label: p.name.replace(/ \(\d+ ports\)$/, '') });
  const cols = results.map((r) => (r.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'));
  const cellW = 36;
  const header = `  ${'phase'.padEnd(40)}` + cols.map((c) => `| ${c.padEnd(cellW - 2)}`).join('');
  console.log(`\n${header}`);
  console.log(`  ${''.padEnd(40)}` + cols.map(() => `| ${'ops/s    p50 ms   p99 ms  non2xx'.padEnd(cellW - 2)}`).join(''));
  console.log(`  ${'-'.repeat(40 + cellW * cols.length)}`);
  for (const k of keys) {
    let line = `  ${k.label.padEnd(40)}`;
    for (const r of results) {
      const p = phaseOf(r, k.key);
      const cell = p
        ? `${opsPerSec(p).toFixed(0).padStart(6)} ${fmtMs(percentile(p.latenciesMs, 50)).padStart(8)} ${fmtMs(percentile(p.latenciesMs, 99)).padStart(8)} ${String(p.non2xx).padStart(7)}`
        : '-';
      line += `| ${cell.padEnd(cellW - 2)}`;
    }
    console.log(line);
  }
  const rssRow = (label: string, pick: (r: RunResult) => string) => console.log(`  ${label.padEnd(40)}` + results.map((r) => `| ${pick(r).padEnd(cellW - 2)}`).join(''));
  const rssAt = (r: RunResult, l: string) => r.rss.find((x) => x.label === l);
  rssRow('server RSS after the list phase', (r) => {
    const x = rssAt(r, 'after the list phase');
    return x ? mb(x.rssKb) : '-';
  });
  rssRow('server RSS at the end (peak)', (r) => {
    const x = rssAt(r, 'at the end');
    return x ? `${mb(x.rssKb)} (peak ${mb(x.hwmKb)})` : '-';
  });
  rssRow('result', (r) => (r.error ? 'BENCH ERROR (see above)' : 'ok'));
  console.log('  (bulk-create ops/s counts ports; its p50/p99 are per request)');
  const noisy = results.flatMap((r) => r.phases.filter((p) => otherCpu(p) > 25).map((p) => `${r.kind}: ${p.name} (${pctOf(otherCpu(p))})`));
  if (noisy.length) {
    console.log(`\nWARNING: unrelated processes used more than 25% of a core during ${noisy.length} phase(s); those figures are skewed, rerun on a quiet host:`);
    for (const n of noisy) console.log(`  - ${n}`);
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const sizes = opts.quick ? QUICK : FULL;
  console.log('Neutrino API benchmark');
  console.log('Targets (informational; judged in the summary):');
  for (const t of TARGETS) console.log(`  - ${t.text}`);
  const cpus = os.cpus();
  console.log(
    `Setup: node ${process.version}, ${cpus.length} CPU(s) (${cpus[0]?.model ?? '?'}) shared by client and server; ` +
      `client ${opts.client === 'http' ? `node:http keep-alive Agent, maxSockets ${CONCURRENCY}` : 'global fetch (undici, keep-alive)'}; ` +
      `${opts.quick ? 'QUICK (10x smaller)' : 'full size'}: ${sizes.networks} networks with /${sizes.prefix} subnets, ` +
      `${sizes.createC1} + ${sizes.createC16} ports created one by one, bulk top-up to ${sizes.total}, ${sizes.listRequests} list requests; ` +
      `show/update/delete every port at c=${CONCURRENCY}; ${sizes.warmup} warm-up ports created and deleted first (not counted).`,
  );

  const extra = Object.entries(opts.set).flatMap(([sec, kv]) => Object.entries(kv).map(([k, v]) => `[${sec}] ${k} = ${v}`));
  if (extra.length) console.log(`Extra server options (--set): ${extra.join(', ')}`);
  console.log(
    `Per phase: throughput, latency p50/p99 (nearest rank), non-2xx count, and CPU used by the server process, PostgreSQL's backends ` +
      `for the bench database (pg), this client, and everything else on the host (other: unrelated load, which skews the figures); ` +
      `100% = one core, host max ${cpus.length * 100}%.`,
  );

  const results: RunResult[] = [];
  let failed = false;
  for (const kind of opts.dbs) {
    if (kind === 'postgres') {
      const problem = await pgProblem(PG_ADMIN_URL);
      if (problem) {
        console.log(`\n=== PostgreSQL ===\n  skipped: ${problem}`);
        if (opts.dbs.length === 1) failed = true;
        continue;
      }
    }
    const r = await runOne(kind, opts, sizes);
    results.push(r);
    if (r.error) failed = true;
  }
  printSummary(results, opts);
  if (opts.profile) {
    for (const r of results) {
      console.log(`\n=== CPU profile of the ${r.kind} server (per phase) ===`);
      console.log(r.profile ?? '  (none)');
    }
  }
  if (failed) {
    console.log('\nbench: FAILED (server error, see above)');
    process.exitCode = 1;
  }
}

main().catch(async (e: unknown) => {
  console.error(`bench: ${(e as Error).stack ?? e}`);
  await runCleanups();
  process.exit(1);
});
