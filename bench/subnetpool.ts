// Subnet allocation from one subnet pool at concurrency 16: the real `neutrino server` as its
// own process on a fresh SQLite file (or PostgreSQL), driven over HTTP with keep-alive. Creates
// N subnets by `subnetpool_id` + `prefixlen` (spread over 16 networks, as a pool's subnets
// are), prints subnets/s, p50/p99, then checks that no two allocated prefixes overlap and that
// every subnet lies inside the pool. Prints figures; the target (≥ 200 subnets/s on SQLite) is
// informational. Exit 1 on a non-201 answer, an overlap or a server failure.
//
//   npx tsc -p tsconfig.json && node dist/bench/subnetpool.js [--subnets 2000] [--concurrency 16] [--db sqlite|postgres] [--baseline] [--profile <dir>]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatCidr, parseCidr } from '../src/common/ip-address.js';
import { difference, intersects, rangeSetOf } from '../src/ipam/prefix-set.js';
import { PG_ADMIN_URL } from '../test/helpers/server.js';
import { freePort } from '../test/helpers/free-port.js';
import { scratchDatabase } from '../test/helpers/postgres.js';
import { type Client, httpClient, procCpuSeconds } from './bench-client.js';

const { values } = parseArgs({
  options: {
    subnets: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    db: { type: 'string', default: 'sqlite' },
    // the same subnets with their cidrs given and no pool: what the pool adds to a subnet create
    baseline: { type: 'boolean', default: false },
    // write the server's CPU profile (node --cpu-prof) into this directory
    profile: { type: 'string' },
  },
});
const SUBNETS = Number(values.subnets);
const CONCURRENCY = Number(values.concurrency);
const KIND = values.db as 'sqlite' | 'postgres';
if (!Number.isInteger(SUBNETS) || SUBNETS < 1 || !Number.isInteger(CONCURRENCY) || CONCURRENCY < 1 || !['sqlite', 'postgres'].includes(KIND)) {
  console.error('usage: node dist/bench/subnetpool.js [--subnets N] [--concurrency C] [--db sqlite|postgres]');
  process.exit(2);
}
const SERVER_MAIN = new URL('../src/cli/main.js', import.meta.url).pathname;
const POOL = '10.0.0.0/8';
const PREFIXLEN = 26;

let base = '';
let client: Client | null = null;

/** A request to the server; the body parsed as JSON. */
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  client ??= httpClient(base, CONCURRENCY);
  const r = await client.request(method, path, body);
  return { status: r.status, body: r.text ? JSON.parse(r.text) : null };
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(os.tmpdir(), 'neutrino-bench-sp-'));
  let child: ChildProcess | null = null;
  let dropDb: (() => Promise<void>) | null = null;
  try {
    let connection = `sqlite:///${join(dir, 'neutrino.sqlite')}`;
    if (KIND === 'postgres') {
      const created = await scratchDatabase('neutrino_bench_sp', PG_ADMIN_URL);
      dropDb = created.drop;
      connection = created.url;
    }
    const port = await freePort();
    const conf = join(dir, 'neutrino.conf');
    writeFileSync(
      conf,
      [
        '[DEFAULT]',
        'bind_host = 127.0.0.1',
        `bind_port = ${port}`,
        'log_level = warn',
        `state_path = ${dir}`,
        'api_workers = 1',
        '[database]',
        `connection = ${connection}`,
        '[quotas]',
        'quota_subnet = -1',
        'quota_network = -1',
        '',
      ].join('\n'),
    );
    const nodeArgs = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [];
    child = spawn(process.execPath, [...nodeArgs, SERVER_MAIN, 'server', '--db-upgrade', '--config-file', conf], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    base = `http://127.0.0.1:${port}`;
    const started = Date.now();
    for (;;) {
      try {
        if ((await call('GET', '/')).status === 200) break;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null || Date.now() - started > 60_000) throw new Error(`the server did not start: ${stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const pool = (await call('POST', '/v2.0/subnetpools', { subnetpool: { name: 'bench', prefixes: [POOL], default_prefixlen: PREFIXLEN } })).body.subnetpool;
    const nets: string[] = [];
    for (let i = 0; i < 16; i++) nets.push((await call('POST', '/v2.0/networks', { network: { name: `bench-${i}` } })).body.network.id);
    // warm-up (JIT, statement caches), not counted: 32 subnets made and deleted
    const warm = await Promise.all(
      Array.from({ length: 32 }, (_, i) => call('POST', '/v2.0/subnets', { subnet: { network_id: nets[i % 16], ip_version: 4, subnetpool_id: pool.id, prefixlen: PREFIXLEN } })),
    );
    for (const w of warm) if (w.status === 201) await call('DELETE', `/v2.0/subnets/${w.body.subnet.id}`);

    console.log(`load before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
    const latencies: number[] = [];
    const cidrs: string[] = [];
    const failures: string[] = [];
    let next = 0;
    const cpu0 = procCpuSeconds(child.pid!);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (;;) {
          const i = next++;
          if (i >= SUBNETS) return;
          const t = performance.now();
          const subnet = values.baseline
            ? { network_id: nets[i % 16], ip_version: 4, cidr: `10.${200 + (i >> 10)}.${(i >> 2) & 255}.${(i & 3) * 64}/${PREFIXLEN}` }
            : { network_id: nets[i % 16], ip_version: 4, subnetpool_id: pool.id, prefixlen: PREFIXLEN };
          const r = await call('POST', '/v2.0/subnets', { subnet });
          latencies.push(performance.now() - t);
          if (r.status === 201) cidrs.push(r.body.subnet.cidr);
          else failures.push(`${r.status} ${JSON.stringify(r.body)}`);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpuMs = ((procCpuSeconds(child.pid!) - cpu0) * 1000) / SUBNETS;
    console.log(`load after:  ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
    const rate = SUBNETS / seconds;
    // what the server's own CPU allows, whatever else runs on the host (a one-core ceiling)
    console.log(`server CPU: ${cpuMs.toFixed(2)} ms per subnet (${(1000 / cpuMs).toFixed(0)} subnets/s if the server had a core to itself)`);
    console.log(
      `${KIND}: ${SUBNETS} subnets (/${PREFIXLEN} ${values.baseline ? 'cidrs given, no pool (baseline)' : `from ${POOL}`}) at c=${CONCURRENCY}: ${rate.toFixed(0)} subnets/s, p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms`,
    );

    // the check: every prefix inside the pool, no two sharing an address
    const parsed = cidrs.map((c) => parseCidr(c)!).sort((a, b) => (a.network < b.network ? -1 : a.network > b.network ? 1 : 0));
    let overlaps = 0;
    for (let i = 1; i < parsed.length; i++) if (intersects(rangeSetOf([parsed[i - 1]]), rangeSetOf([parsed[i]]))) overlaps++;
    const outside = values.baseline ? 0 : difference(rangeSetOf(parsed), rangeSetOf([parseCidr(POOL)!])).length;
    const listed = values.baseline ? cidrs.length : (await call('GET', `/v2.0/subnets?subnetpool_id=${pool.id}&fields=cidr`)).body.subnets.length;
    console.log(`check: ${cidrs.length} created, ${failures.length} refused, ${overlaps} overlapping pairs, ${outside} ranges outside the pool, ${listed} listed from the pool`);
    if (parsed.length) console.log(`first ${formatCidr(parsed[0])}, last ${formatCidr(parsed[parsed.length - 1])}`);
    if (KIND === 'sqlite') console.log(`target: ≥ 200 subnets/s on SQLite at c=16 — ${rate >= 200 ? 'MET' : 'NOT MET'} (informational)`);
    for (const f of failures.slice(0, 5)) console.log(`refused: ${f}`);
    return failures.length || overlaps || outside || listed !== cidrs.length ? 1 : 0;
  } finally {
    await client?.close();
    if (child && child.exitCode === null && child.pid) {
      const exited = new Promise((r) => child!.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
    await dropDb?.();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`bench failed: ${(e as Error).message}`);
    process.exit(1);
  },
);
