// Metadata in `neutrino lab up`, with no setup beyond it: the server runs the metadata service,
// the network host the metadata agent (and the L3 and DHCP agents their proxies), so an
// instance booted with `neutrino instance boot` reads 169.254.169.254 through the router of the
// lab's private network, and one on a network without a router through its qdhcp namespace;
// its config drive is at /etc/openstack-config-drive inside it and says the same. `lab status`
// shows the metadata agent and service; `lab restart-agent network --kind metadata` keeps it
// answering; `lab down` stops the agent and the proxies and removes the drives. Real kernel,
// real agents as processes over RabbitMQ, the CLI as a user runs it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { labDriver, sleep } from '../helpers/lab-driver.js';

const lab = labDriver('md');
const { P, DIR, CONF, neutrino, ok, api, inInstance, labNetns, labPids } = lab;
const MD = 'http://169.254.169.254';
const USER_DATA = '#cloud-config\nhostname: from-the-lab\n';

/** The body of GET url from inside the instance, once it answers 200 (the proxies start with their router or network). */
async function fetchInside(vm: string, path: string, ms = 30_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await inInstance(vm, 'curl', '-sSf', '-m', '5', `${MD}${path}`);
    if (r.code === 0) return r.stdout;
    if (Date.now() > end) assert.fail(`GET ${MD}${path} from ${vm} did not answer 200 within ${ms / 1000} s: ${r.stderr}`);
    await sleep(300);
  }
}

const record = (name: string) => JSON.parse(readFileSync(join(DIR, 'instances', `${name}.json`), 'utf8')) as { id: string; netns: string; fixed_ips: { ip_address: string }[] };

describe(`metadata in the lab (prefix ${P})`, { timeout: 10 * 60_000 }, () => {
  before(async () => {
    const port = await freePort();
    lab.url = `http://127.0.0.1:${port}`;
    const r = await neutrino('lab', 'up', '--computes', '1', '--prefix', P, '--dir', DIR, '--port', String(port));
    assert.equal(r.code, 0, `lab up failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /curl -s http:\/\/169\.254\.169\.254\/openstack\/latest\/meta_data\.json/, 'the summary shows how');
  });

  after(async () => {
    for (const vm of ['m1', 'm2']) rmSync(`/etc/netns/${P}vm-${vm}`, { recursive: true, force: true });
    await lab.teardown();
  });

  it('lab status shows the metadata agent of the network host alive and the metadata service answering', async () => {
    const status = await ok('lab', 'status', '--prefix', P, '--dir', DIR);
    assert.match(status, /network \(L2 \+ DHCP \+ L3 \+ metadata agents\)/);
    assert.match(status, /ok\s+metadata-agent-network\s+pid \d+, alive/);
    assert.match(status, /ok\s+metadata service\s+http:\/\/10\.20\.0\.10:\d+ answers/);
    const agents = (await api('GET', '/agents?agent_type=Metadata%20agent')).agents as { host: string; alive: boolean }[];
    assert.deepEqual(
      agents.map((a) => `${a.host}:${a.alive}`),
      ['network:true'],
    );
  });

  it('an instance on the private network reads its own metadata through the router; its config drive says the same', async () => {
    const userData = join(DIR, 'user-data.yaml');
    writeFileSync(userData, USER_DATA);
    const out = await ok(
      'instance',
      'boot',
      'm1',
      '--network',
      'private',
      '--host',
      'compute1',
      '--user-data',
      userData,
      '--property',
      'role=web',
      '--config-drive',
      '--config-file',
      CONF,
      '--timeout',
      '30',
    );
    assert.match(out, /recorded for the metadata service/);
    assert.match(out, /config drive: \d+ files, at \/etc\/openstack-config-drive inside the instance/);
    const m1 = record('m1');
    const metaBody = await fetchInside('m1', '/openstack/latest/meta_data.json');
    const meta = JSON.parse(metaBody) as { uuid: string; name: string; meta: Record<string, string> };
    assert.equal(meta.uuid, m1.id);
    assert.equal(meta.name, 'm1');
    assert.deepEqual(meta.meta, { role: 'web' });
    assert.equal(await fetchInside('m1', '/openstack/latest/user_data'), USER_DATA);
    assert.equal(await fetchInside('m1', '/latest/meta-data/local-ipv4'), m1.fixed_ips[0].ip_address);
    const drive = await inInstance('m1', 'cat', '/etc/openstack-config-drive/openstack/latest/meta_data.json');
    assert.equal(drive.code, 0, drive.stderr);
    assert.equal(drive.stdout, metaBody, 'the config drive holds what the service answers');
    const show = await ok('instance', 'show', 'm1', '--config-file', CONF);
    assert.match(show, /config drive\s+\/etc\/openstack-config-drive inside the instance/);
  });

  it('an instance on a network without a router reads its metadata through the qdhcp namespace', async () => {
    const net = await lab.network(`${P}iso`, '10.77.0.0/24');
    await ok('instance', 'boot', 'm2', '--network', net, '--host', 'compute1', '--config-file', CONF, '--timeout', '30');
    const m2 = record('m2');
    const route = await inInstance('m2', 'ip', 'route', 'show', '169.254.169.254');
    assert.match(route.stdout, /^169\.254\.169\.254 via 10\.77\.0\.\d+ dev eth0/m, 'the host route came by DHCP');
    assert.equal(await fetchInside('m2', '/latest/meta-data/instance-id'), m2.id);
    assert.ok(
      (await labNetns()).some((n) => n === `${P}network.qdhcp-${net}`),
      'the proxy lives in the qdhcp namespace on the network host',
    );
  });

  it('restarting the metadata agent interrupts no request: the new agent takes the socket over before the old one stops', async () => {
    // every answer while it restarts, each asked once (no retry): a 503 would show here
    let asking = true;
    const answers: { code: number | null; out: string }[] = [];
    const loop = (async () => {
      while (asking) {
        const r = await inInstance('m1', 'curl', '-sSf', '-m', '5', `${MD}/latest/meta-data/instance-id`);
        answers.push({ code: r.code, out: r.code === 0 ? r.stdout : r.stderr });
      }
    })();
    const out = await ok('lab', 'restart-agent', 'network', '--kind', 'metadata', '--prefix', P, '--dir', DIR);
    asking = false;
    await loop;
    assert.match(out, /metadata agent of network is back/);
    assert.match(out, /the metadata agent of network it took over from (stopped|killed)/);
    assert.ok(answers.length >= 2, `requests made during the restart: ${answers.length}`);
    assert.deepEqual(
      answers.filter((a) => a.code !== 0 || a.out !== record('m1').id),
      [],
      `every request across the restart answered with m1's id (${answers.length} made)`,
    );
    assert.equal(await fetchInside('m1', '/latest/meta-data/instance-id'), record('m1').id);
    assert.equal(await fetchInside('m2', '/latest/meta-data/instance-id'), record('m2').id);
  });

  it('lab down stops the metadata agent and every proxy, and removes the config drives', async () => {
    const haproxies = labPids().filter((pid) => /(^|\/)haproxy\0/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8')));
    assert.ok(haproxies.length >= 2, `a proxy for the router and one for the isolated network (found ${haproxies.length})`);
    const down = await neutrino('lab', 'down', '--prefix', P, '--dir', DIR);
    assert.equal(down.code, 0, `${down.stdout}\n${down.stderr}`);
    assert.match(down.stdout, /metadata-agent-network stopped/);
    assert.deepEqual(labPids(), [], 'no process of the lab runs (agents, server, haproxy)');
    assert.deepEqual(await labNetns(), []);
    assert.equal(existsSync(`/etc/netns/${P}vm-m1`), false, "m1's /etc/netns overlay (config drive, resolv.conf) is gone");
  });
});
