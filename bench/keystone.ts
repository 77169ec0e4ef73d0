// Keystone overhead: the same API workload against `neutrino server` with auth_strategy =
// noauth and with auth_strategy = keystone (real tokens from the test Keystone, cache warm),
// side by side. Each server is a child process on a fresh SQLite file; the modes alternate
// for --rounds rounds and the best round of each is reported, to damp a noisy host.
//
//   node dist/bench/keystone.js [--count N] [--rounds R]
//
// Needs the Keystone of scripts/keystone/setup.sh. Prints figures; asserts nothing, exits 1
// only when a request fails.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALICE, keystoneProblem, keystoneServerConfig, projectId, tokenOf } from '../test/helpers/keystone.js';

type Mode = 'noauth' | 'keystone';
const USAGE = 'usage: node dist/bench/keystone.js [--count N (ports, default 2000)] [--rounds R (default 3)]';
const CONCURRENCY = 16;
const SERVER_MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

function args(): { count: number; rounds: number } {
  const o = { count: 2000, rounds: 3 };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '-h' || a[i] === '--help') {
      console.log(USAGE);
      process.exit(0);
    }
    const key = a[i] === '--count' ? 'count' : a[i] === '--rounds' ? 'rounds' : null;
    const v = Number(a[++i]);
    if (!key || !Number.isInteger(v) || v < 1) {
      console.error(`bench: bad argument ${a[i - 1]}\n${USAGE}`);
      process.exit(2);
    }
    o[key] = v;
  }
  return o;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

interface Child {
  url: string;
  stop(): Promise<void>;
}

async function startServer(mode: Mode): Promise<Child> {
  const dir = mkdtempSync(join(os.tmpdir(), 'neutrino-bench-ks-'));
  const port = await freePort();
  const sections: Record<string, Record<string, string>> = {
    DEFAULT: { bind_host: '127.0.0.1', bind_port: String(port), log_level: 'warn', state_path: dir },
    database: { connection: `sqlite:///${join(dir, 'neutrino.sqlite')}` },
    quotas: { quota_port: '-1', quota_network: '-1', quota_subnet: '-1' },
  };
  if (mode === 'keystone') {
    const ks = keystoneServerConfig();
    sections.DEFAULT.auth_strategy = 'keystone';
    sections.keystone_authtoken = ks.keystone_authtoken;
  }
  const conf = join(dir, 'neutrino.conf');
  writeFileSync(
    conf,
    Object.entries(sections)
      .map(([s, kv]) => [`[${s}]`, ...Object.entries(kv).map(([k, v]) => `${k} = ${v}`), ''].join('\n'))
      .join('\n'),
  );
  const child = spawn(process.execPath, [SERVER_MAIN, 'server', '--db-upgrade', '--config-file', conf], { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', () => child.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; ; ) {
    const ok = await fetch(`${url}/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the ${mode} server did not start`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function client(base: string, headers: Record<string, string>) {
  const u = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const request = (method: string, path: string, body?: unknown) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        { host: u.hostname, port: u.port, method, path, agent, headers: { ...headers, accept: 'application/json', ...(payload ? { 'content-type': 'application/json' } : {}) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return { request, close: () => agent.destroy() };
}

interface Phase {
  opsPerSec: number;
  p50: number;
}

async function phase(count: number, op: (i: number) => Promise<{ status: number; text: string }>): Promise<Phase> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) {
        const start = performance.now();
        const r = await op(i);
        lat.push(performance.now() - start);
        if (r.status >= 300) throw new Error(`request failed: ${r.status} ${r.text.slice(0, 300)}`);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { opsPerSec: count / secs, p50: lat[Math.max(0, Math.ceil(lat.length / 2) - 1)] };
}

async function round(mode: Mode, count: number, project: string, token: string): Promise<Record<string, Phase>> {
  const server = await startServer(mode);
  // same caller both ways: a member of alice's project
  const c = client(server.url, mode === 'keystone' ? { 'x-auth-token': token } : { 'x-project-id': project, 'x-roles': 'member,reader' });
  try {
    const net = JSON.parse((await c.request('POST', '/v2.0/networks', { network: { name: 'bench' } })).text).network.id as string;
    await c.request('POST', '/v2.0/subnets', { subnet: { network_id: net, cidr: '10.0.0.0/16', ip_version: 4 } });
    // warm-up: JIT, and (keystone) the token cache
    await phase(200, () => c.request('GET', '/v2.0/networks'));
    const ids: string[] = [];
    const out: Record<string, Phase> = {};
    out[`create port c=${CONCURRENCY}`] = await phase(count, async () => {
      const r = await c.request('POST', '/v2.0/ports', { port: { network_id: net } });
      if (r.status === 201) ids.push(JSON.parse(r.text).port.id);
      return r;
    });
    out[`show port c=${CONCURRENCY}`] = await phase(ids.length, (i) => c.request('GET', `/v2.0/ports/${ids[i]}`));
    out[`list networks c=${CONCURRENCY}`] = await phase(count, () => c.request('GET', '/v2.0/networks'));
    out[`delete port c=${CONCURRENCY}`] = await phase(ids.length, (i) => c.request('DELETE', `/v2.0/ports/${ids[i]}`));
    return out;
  } finally {
    c.close();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const { count, rounds } = args();
  const problem = await keystoneProblem();
  if (problem) throw new Error(problem);
  const [project, token] = await Promise.all([projectId(ALICE.project), tokenOf(ALICE)]);
  console.log(
    `Keystone overhead: ${count} ports per phase at c=${CONCURRENCY}, ${rounds} alternating rounds per mode, best round kept; SQLite; ${os.cpus().length} CPU(s) shared by client, server and Keystone`,
  );
  const best: Record<Mode, Record<string, Phase>> = { noauth: {}, keystone: {} };
  for (let r = 1; r <= rounds; r++) {
    for (const mode of ['noauth', 'keystone'] as const) {
      const res = await round(mode, count, project, token);
      console.log(
        `  round ${r} ${mode.padEnd(8)} ${Object.entries(res)
          .map(([k, p]) => `${k}: ${p.opsPerSec.toFixed(0)}/s`)
          .join(', ')}`,
      );
      for (const [k, p] of Object.entries(res)) if (!best[mode][k] || p.opsPerSec > best[mode][k].opsPerSec) best[mode][k] = p;
    }
  }
  console.log(`\n  ${'phase'.padEnd(24)} ${'noauth ops/s (p50)'.padEnd(22)} ${'keystone ops/s (p50)'.padEnd(22)} keystone/noauth`);
  for (const k of Object.keys(best.noauth)) {
    const a = best.noauth[k];
    const b = best.keystone[k];
    const cell = (p: Phase) => `${p.opsPerSec.toFixed(0).padStart(6)} (${p.p50.toFixed(2)} ms)`.padEnd(22);
    console.log(`  ${k.padEnd(24)} ${cell(a)} ${cell(b)} ${((100 * b.opsPerSec) / a.opsPerSec).toFixed(1)}%`);
  }
}

main().catch((e: unknown) => {
  console.error(`bench: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
