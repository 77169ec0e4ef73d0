// `neutrino up --lab`: the all-in-one (server + Linux bridge, DHCP and L3 agents in one process,
// in-process bus, SQLite) with its devices in ONE lab host, the namespace Pcontroller on its own
// underlay, instead of this host's root namespace. An instance booted with no --config-file
// gets its address by DHCP, goes out to the internet namespace by SNAT and is reached on a
// floating IP; its tap, the bridges, the qdhcp-/qrouter- namespaces and the nft tables are the
// lab host's, never the root namespace's; `neutrino down` leaves no namespace, link, process or
// registration. Prefix op<pid>- and a test-unique TMPDIR keep it apart from other tests.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bootReachingOutAndIn } from '../helpers/all-in-one.js';
import { freePort } from '../helpers/free-port.js';
import { pidsNaming, sh } from '../helpers/lab-driver.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const P = `op${process.pid % 10000}-`;
const ROOT = mkdtempSync(join(tmpdir(), `neutrino-uplab-${P}`));
const TMP = join(ROOT, 'tmp');
const DIR = join(ROOT, 'up');
mkdirSync(TMP, { recursive: true });
const HOST = `${P}controller`;

const neutrino = (...args: string[]) => sh(process.execPath, [CLI, ...args], { env: { TMPDIR: TMP, OS_ENDPOINT: '' }, timeoutMs: 120_000 });
const namespaces = () => (existsSync('/run/netns') ? readdirSync('/run/netns') : []);
const links = async (netns?: string) => (JSON.parse((await sh('ip', [...(netns ? ['-n', netns] : []), '-json', 'link', 'show'])).stdout || '[]') as { ifname: string }[]).map((l) => l.ifname);
const nftTables = async (netns: string) => (await sh('ip', ['netns', 'exec', netns, 'nft', 'list', 'tables'])).stdout;

/** live processes whose command line names our dir (the up process and its children) */
const ourPids = () => pidsNaming(DIR);

describe(`neutrino up --lab / down (prefix ${P})`, { timeout: 5 * 60_000 }, () => {
  let url = '';
  const api = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${url}/v2.0${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    assert.ok(res.status < 300, `${method} ${path} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : {};
  };
  const made = { networks: [] as string[], ports: [] as string[] };
  let rootLinksBefore: string[] = [];
  let upOut = '';

  before(async () => {
    rootLinksBefore = await links();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const r = await neutrino('up', '--lab', '--prefix', P, '--dir', DIR, '--port', String(port));
    upOut = r.stdout;
    assert.equal(r.code, 0, `neutrino up --lab failed:\n${r.stdout}\n${r.stderr}`);
  });

  after(async () => {
    const down = await neutrino('down', '--prefix', P, '--dir', DIR);
    if (down.code !== 0) console.error(`neutrino down failed:\n${down.stdout}\n${down.stderr}`);
    // by pid and name only: whatever down could not remove
    for (const pid of ourPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const n of namespaces().filter((x) => x.startsWith(P))) await sh('ip', ['netns', 'del', n]);
    rmSync(ROOT, { recursive: true, force: true });
  });

  it('says where everything is: the lab host, its underlay, the outside world, what to type next', () => {
    assert.match(upOut, /answers from/);
    assert.match(upOut, new RegExp(`lab host: netns ${HOST} \\(eth0 10\\.20\\.0\\.10 management, eth1 10\\.21\\.0\\.10 tunnel`));
    assert.match(upOut, new RegExp(`underlay netns ${P}underlay`));
    assert.match(upOut, /neutrino instance boot vm1 --network private/);
    assert.match(upOut, new RegExp(`neutrino down --prefix ${P}`));
    for (const n of [HOST, `${P}underlay`, `${P}internet`]) assert.ok(namespaces().includes(n), `namespace ${n}`);
  });

  it('an instance booted without --config-file gets a DHCP address, goes out by SNAT, comes in by a floating IP; all of it in the lab host', async () => {
    made.networks = ((await api('GET', '/networks')).networks as { id: string }[]).map((n) => n.id);
    const agents = (await api('GET', '/agents')).agents as { host: string; configurations: { host_namespace?: string } }[];
    assert.equal(agents.length, 3);
    for (const a of agents) assert.equal(a.host, 'controller');
    made.ports = await bootReachingOutAndIn({ neutrino, api, prefix: P });
    const port = (await api('GET', '/ports?name=vm1')).ports[0];

    // where the devices are: the lab host has the tap, the bridges and the security group
    // tables; the root namespace and its namespace list have none of them
    const hostLinks = await links(HOST);
    assert.ok(hostLinks.includes(`tap${port.id.slice(0, 11)}`), `the tap of vm1 is in ${HOST}: ${hostLinks.join(' ')}`);
    for (const id of made.networks) assert.ok(hostLinks.includes(`brq${id.slice(0, 11)}`), `the bridge of ${id} is in ${HOST}`);
    assert.match(await nftTables(HOST), /neutrino-sg/);
    const rootLinks = await links();
    for (const l of rootLinks.filter((x) => !rootLinksBefore.includes(x))) {
      assert.ok(!l.startsWith(P) && !made.networks.some((id) => l === `brq${id.slice(0, 11)}`) && !made.ports.some((id) => l === `tap${id.slice(0, 11)}`), `${l} is not in the root namespace`);
    }
    const ns = namespaces();
    for (const id of made.networks) assert.ok(!ns.includes(`qdhcp-${id}`), `no root-host qdhcp-${id}`);
    assert.ok(
      ns.some((n) => n.startsWith(`${HOST}.qrouter-`)),
      'the router is the lab host one',
    );
    assert.ok(
      ns.some((n) => n.startsWith(`${HOST}.qdhcp-`)),
      'the DHCP namespace is the lab host one',
    );
  });

  it('neutrino down leaves nothing behind', async () => {
    const down = await neutrino('down', '--prefix', P, '--dir', DIR);
    assert.equal(down.code, 0, `${down.stdout}\n${down.stderr}`);
    assert.match(down.stdout, /instances deleted: 1/);
    assert.deepEqual(
      namespaces().filter((n) => n.startsWith(P)),
      [],
      'no namespace with the prefix',
    );
    const rootLinks = await links();
    assert.deepEqual(
      rootLinks.filter((l) => l.startsWith(P) || made.networks.some((id) => l === `brq${id.slice(0, 11)}`) || made.ports.some((id) => l === `tap${id.slice(0, 11)}`)),
      [],
    );
    assert.deepEqual(ourPids(), [], 'no process of ours');
    assert.equal(existsSync(join(DIR, 'neutrino.sqlite')), false);
    assert.deepEqual(readdirSync(join(TMP, 'neutrino-labs')), [], 'no longer found by instance commands');
    const again = await neutrino('down', '--prefix', P, '--dir', DIR);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /nothing was up/);
  });
});
