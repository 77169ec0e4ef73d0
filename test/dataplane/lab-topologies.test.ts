// `lab up --topology controller-compute` and `--topology all-in-one`: each comes up with its
// agents where the shape says, instances on the hosts there are get their address by DHCP,
// ping each other (across hosts over VXLAN where there are two) and the internet namespace
// through the router's SNAT; `lab status` shows the topology and the traffic types; `lab down`
// leaves no namespace. (controller-network-compute, the default, is test/dataplane/lab.test.ts.)
// Commands run with TMPDIR set to a test-unique directory, so instance commands find only
// this test's lab.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sh } from '../helpers/lab-driver.js';
import { freePort } from '../helpers/free-port.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const ROOT = mkdtempSync(join(tmpdir(), `neutrino-t${process.pid % 10000}topo-`));
const TMP = join(ROOT, 'tmp');
mkdirSync(TMP, { recursive: true });

const neutrino = (...args: string[]) => sh(process.execPath, [CLI, ...args], { env: { TMPDIR: TMP, OS_ENDPOINT: '' }, timeoutMs: 180_000 });
const namespaces = (p: string) => (existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(p)) : []);
const made: { prefix: string; dir: string }[] = [];

async function ok(...args: string[]): Promise<string> {
  const r = await neutrino(...args);
  assert.equal(r.code, 0, `neutrino ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function labWith(topology: string, tag: string, computes: string[]): Promise<{ prefix: string; dir: string }> {
  const prefix = `t${process.pid % 10000}${tag}-`;
  const dir = join(ROOT, tag);
  made.push({ prefix, dir });
  const port = await freePort();
  const up = await neutrino('lab', 'up', '--topology', topology, ...computes, '--prefix', prefix, '--dir', dir, '--port', String(port));
  assert.equal(up.code, 0, `lab up --topology ${topology}:\n${up.stdout}\n${up.stderr}`);
  assert.match(up.stdout, new RegExp(`topology ${topology}`));
  return { prefix, dir };
}

/** boots a and b on the given hosts; a pings b and the internet; returns the lab's status */
async function twoInstancesTalk(hostA: string, hostB: string): Promise<string> {
  await ok('instance', 'boot', 'a', '--network', 'private', '--host', hostA);
  await ok('instance', 'boot', 'b', '--network', 'private', '--host', hostB);
  const b = JSON.parse(readFileSync(join(made.at(-1)!.dir, 'instances', 'b.json'), 'utf8'));
  await ok('instance', 'exec', 'a', '--', 'ping', '-c', '2', '-W', '2', b.fixed_ips[0].ip_address);
  await ok('instance', 'exec', 'a', '--', 'ping', '-c', '1', '-W', '2', '198.51.100.1');
  return ok('lab', 'status', '--prefix', made.at(-1)!.prefix, '--dir', made.at(-1)!.dir);
}

describe('lab up --topology', { timeout: 10 * 60_000 }, () => {
  after(async () => {
    for (const m of made) {
      await neutrino('lab', 'down', '--prefix', m.prefix, '--dir', m.dir);
      for (const n of namespaces(m.prefix)) await sh('ip', ['netns', 'del', n]);
      await sh('rabbitmqctl', ['delete_vhost', `neutrino-${m.prefix}lab`]);
    }
    rmSync(ROOT, { recursive: true, force: true });
  });

  it('controller-compute: DHCP and L3 on the controller, an instance there reaches one on compute1 over VXLAN', async () => {
    const { prefix, dir } = await labWith('controller-compute', 'cc', ['--computes', '1']);
    assert.deepEqual(namespaces(`${prefix}network`), [], 'no network host');
    assert.ok(
      namespaces(prefix).some((n) => n.startsWith(`${prefix}controller.qrouter-`)),
      'the router lives on the controller',
    );
    const status = await twoInstancesTalk('controller', 'compute1');
    assert.match(status, /topology\s+controller-compute: controller \(L2 \+ DHCP \+ L3 \+ metadata agents\), compute1 \(L2 agent\)/);
    for (const t of ['API', 'management', 'VM/tunnel', 'external']) assert.match(status, new RegExp(`traffic: ${t.replace('/', '\\/')}`));
    const down = await neutrino('lab', 'down', '--prefix', prefix, '--dir', dir);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(namespaces(prefix), []);
  });

  it('all-in-one: every agent on the controller, two instances there talk and go out by SNAT', async () => {
    const { prefix, dir } = await labWith('all-in-one', 'aio', []);
    assert.deepEqual(namespaces(`${prefix}compute`), [], 'no compute host');
    const status = await twoInstancesTalk('controller', 'controller');
    assert.match(status, /topology\s+all-in-one: controller \(L2 \+ DHCP \+ L3 \+ metadata agents\)\n/);
    const down = await neutrino('lab', 'down', '--prefix', prefix, '--dir', dir);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /instances deleted: 2/);
    assert.deepEqual(namespaces(prefix), []);
  });
});
