// `neutrino up` as root: server and agents in one process on this host's root namespace; an
// instance booted with no --config-file takes its address by DHCP, reaches the internet
// namespace by SNAT and is reached by a floating IP; `neutrino down` leaves no namespace,
// device, nft table or process behind. Everything it makes carries a test-unique prefix or an
// id from its own database; TMPDIR is test-unique so only this test's cloud is found.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pidsNaming, sh } from '../helpers/lab-driver.js';
import { bootReachingOutAndIn } from '../helpers/all-in-one.js';
import { freePort } from '../helpers/free-port.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const P = `u${process.pid % 10000}-`;
const ROOT = mkdtempSync(join(tmpdir(), `neutrino-up-${P}`));
const TMP = join(ROOT, 'tmp');
const DIR = join(ROOT, 'up');
mkdirSync(TMP, { recursive: true });

const neutrino = (...args: string[]) => sh(process.execPath, [CLI, ...args], { env: { TMPDIR: TMP, OS_ENDPOINT: '' }, timeoutMs: 120_000 });
const namespaces = () => (existsSync('/run/netns') ? readdirSync('/run/netns') : []);
const links = async () => (JSON.parse((await sh('ip', ['-json', 'link', 'show'])).stdout) as { ifname: string }[]).map((l) => l.ifname);

/** live processes whose command line names our dir (the up process and its children) */
const ourPids = () => pidsNaming(DIR);

describe(`neutrino up / down (prefix ${P})`, { timeout: 5 * 60_000 }, () => {
  let url = '';
  const api = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${url}/v2.0${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    assert.ok(res.status < 300, `${method} ${path} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : {};
  };
  const made = { networks: [] as string[], routers: [] as string[], ports: [] as string[] };

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const r = await neutrino('up', '--prefix', P, '--dir', DIR, '--port', String(port));
    assert.equal(r.code, 0, `neutrino up failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /answers from/);
  });

  after(async () => {
    const down = await neutrino('down', '--prefix', P, '--dir', DIR);
    if (down.code !== 0) console.error(`neutrino down failed:\n${down.stdout}\n${down.stderr}`);
    // by pid, name and id only: whatever down could not remove
    for (const pid of ourPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    const mine = (n: string) => n.startsWith(P) || made.networks.some((id) => n === `qdhcp-${id}`) || made.routers.some((id) => n === `qrouter-${id}`);
    for (const n of namespaces().filter(mine)) await sh('ip', ['netns', 'del', n]);
    rmSync(ROOT, { recursive: true, force: true });
  });

  it('an instance booted without --config-file gets a DHCP address, goes out by SNAT, comes in by a floating IP', async () => {
    made.networks = ((await api('GET', '/networks')).networks as { id: string }[]).map((n) => n.id);
    made.routers = ((await api('GET', '/routers')).routers as { id: string }[]).map((n) => n.id);
    made.ports = await bootReachingOutAndIn({ neutrino, api, prefix: P });
  });

  it('neutrino down leaves nothing behind', async () => {
    const down = await neutrino('down', '--prefix', P, '--dir', DIR);
    assert.equal(down.code, 0, `${down.stdout}\n${down.stderr}`);
    assert.match(down.stdout, /instances deleted: 1/);
    const ns = namespaces();
    assert.deepEqual(
      ns.filter((n) => n.startsWith(P)),
      [],
      'no namespace with the prefix',
    );
    for (const id of made.networks) assert.ok(!ns.includes(`qdhcp-${id}`), `qdhcp-${id} is gone`);
    for (const id of made.routers) assert.ok(!ns.includes(`qrouter-${id}`), `qrouter-${id} is gone`);
    const left = await links();
    for (const id of made.networks) assert.ok(!left.includes(`brq${id.slice(0, 11)}`), `bridge of ${id} is gone`);
    for (const id of made.ports) assert.ok(!left.includes(`tap${id.slice(0, 11)}`), `tap of ${id} is gone`);
    assert.ok(!left.includes(`${P}ext`));
    assert.deepEqual(ourPids(), [], 'no process of ours');
    assert.equal(existsSync(join(DIR, 'neutrino.sqlite')), false);
    assert.deepEqual(readdirSync(join(TMP, 'neutrino-labs')), [], 'no longer found by instance commands');
    const again = await neutrino('down', '--prefix', P, '--dir', DIR);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /nothing was up/);
  });

  it('without root it says the data plane needs root and serves the API only', async () => {
    const dir = join(ROOT, 'nonroot');
    mkdirSync(dir);
    chmodSync(ROOT, 0o755);
    chmodSync(dir, 0o777);
    const port = await freePort();
    const child = spawn('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', process.execPath, CLI, 'up', '--port', String(port), '--dir', join(dir, 'up')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    try {
      const deadline = Date.now() + 20_000;
      let answered = false;
      while (!answered) {
        assert.ok(Date.now() < deadline, `the API did not answer:\n${out}`);
        assert.equal(child.exitCode, null, `exited:\n${out}`);
        answered = await fetch(`http://127.0.0.1:${port}/v2.0/networks`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (!answered) await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(out, /the data plane needs root .*serving the API only/);
      assert.deepEqual(((await (await fetch(`http://127.0.0.1:${port}/v2.0/agents`)).json()) as { agents: unknown[] }).agents, [], 'no agent');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
