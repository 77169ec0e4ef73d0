// Driving a lab from a test as an operator would: the `neutrino` CLI as a child process, the API
// over HTTP, instances by name, and what the lab left behind (its namespaces and processes).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CLI } from './cli-process.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never throws (the exit code is in the answer). */
export function sh(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Out> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 << 20, env: { ...process.env, ...opts.env } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Live processes (not zombies, not this one) whose command line mentions `marker`, a test's own dir. */
export function pidsNaming(marker: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${d}/status`, 'utf8'))?.[1];
      if (cmd.includes(marker) && state !== 'Z') out.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export type LabDriver = ReturnType<typeof labDriver>;

/** A lab named `t<pid><tag>-` (or `prefix`), with its files in a fresh temp dir; `url` is set once it is up. */
export function labDriver(tag: string, prefix?: string) {
  const P = prefix ?? `t${process.pid % 10000}${tag}-`;
  const DIR = mkdtempSync(join(tmpdir(), `neutrino-${P}`));
  const CONF = join(DIR, 'neutrino.conf');
  const lab = {
    P,
    DIR,
    CONF,
    /** the API's base URL, set by the test once the lab is up */
    url: '',
    neutrino: (...args: string[]) => sh(process.execPath, [CLI, ...args]),
    async ok(...args: string[]): Promise<string> {
      const r = await lab.neutrino(...args);
      assert.equal(r.code, 0, `neutrino ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    },
    // biome-ignore lint/suspicious/noExplicitAny: API bodies in tests
    async api(method: string, path: string, body?: unknown): Promise<any> {
      const res = await fetch(`${lab.url}/v2.0${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : {};
    },
    async network(name: string, cidr: string, provider?: Record<string, string>): Promise<string> {
      const net = (await lab.api('POST', '/networks', { network: { name, ...provider } })).network;
      await lab.api('POST', '/subnets', { subnet: { network_id: net.id, name: `${name}-v4`, ip_version: 4, cidr } });
      return net.id;
    },
    async boot(name: string, net: string, host: string, ip: string, ...extra: string[]): Promise<{ port_id: string; tap: string; mac: string; netns: string }> {
      await lab.ok('instance', 'boot', name, '--network', net, '--host', host, '--fixed-ip', ip, '--config-file', CONF, '--timeout', '20', ...extra);
      return JSON.parse(readFileSync(join(DIR, 'instances', `${name}.json`), 'utf8'));
    },
    inInstance: (name: string, ...cmd: string[]) => lab.neutrino('instance', 'exec', name, '--config-file', CONF, '--', ...cmd),
    pings: async (from: string, ip: string, count = 3) => (await lab.inInstance(from, 'ping', '-c', String(count), '-W', '1', ip)).code === 0,
    /** Waits until ping from→ip succeeds (want=true) or fails (want=false); rules apply asynchronously. */
    async pingBecomes(from: string, ip: string, want: boolean, ms = 10_000): Promise<boolean> {
      const end = Date.now() + ms;
      for (;;) {
        const got = (await lab.inInstance(from, 'ping', '-c', '1', '-W', '1', ip)).code === 0;
        if (got === want) return true;
        if (Date.now() > end) return false;
        await sleep(200);
      }
    },
    /** the lab's network namespaces still there */
    labNetns: async () =>
      (await sh('ip', ['netns', 'list'])).stdout
        .split('\n')
        .map((l) => l.split(' ')[0])
        .filter((n) => n.startsWith(P)),
    /**
     * After the tests: `lab down`, then by name and pid only whatever it could not remove (the
     * lab's processes, namespaces and RabbitMQ vhost), then the lab's dir unless `keepDir`.
     */
    async teardown(opts: { keepDir?: boolean } = {}): Promise<void> {
      const down = await lab.neutrino('lab', 'down', '--prefix', P, '--dir', DIR);
      if (down.code !== 0) console.error(`lab down failed:\n${down.stdout}\n${down.stderr}`);
      for (const pid of lab.labPids()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      for (const n of await lab.labNetns()) await sh('ip', ['netns', 'del', n]);
      await sh('rabbitmqctl', ['delete_vhost', `neutrino-${P}lab`]);
      if (!opts.keepDir) rmSync(DIR, { recursive: true, force: true });
    },
    /** live processes whose command line names the lab's dir (server, agents, daemons) */
    labPids: () => pidsNaming(DIR),
  };
  return lab;
}
