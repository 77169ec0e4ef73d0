// The four traffic types of a lab on their own underlays, for each --topology: nftables counters
// in the lab's underlay namespace show that VXLAN between instances on two hosts crosses br-tun
// (the hosts' eth1, their [vxlan] local_ip) and no other underlay, that the agents' RPC to
// RabbitMQ crosses br-mgmt (the hosts' eth0) to the controller and no other underlay, and that
// the API answers cross br-api from the controller's eth4; `lab status` shows, per host, which
// address carries which traffic. Prefixes op<pid><tag>-, TMPDIR test-unique.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { sh } from '../helpers/lab-driver.js';
import { installCounters, readCounters, trafficRules } from '../helpers/underlay-counters.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const ROOT = mkdtempSync(join(tmpdir(), `neutrino-op${process.pid % 1000}ul-`));
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

interface Lab {
  prefix: string;
  dir: string;
  port: number;
  hosts: { name: string; index: number; mgmtIp: string; tunnelIp: string; apiIp?: string }[];
}

async function labUp(topology: string, tag: string, computes: string[]): Promise<Lab> {
  const prefix = `op${process.pid % 1000}${tag}-`;
  const dir = join(ROOT, tag);
  made.push({ prefix, dir });
  const port = await freePort();
  await ok('lab', 'up', '--topology', topology, ...computes, '--prefix', prefix, '--dir', dir, '--port', String(port));
  const record = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8'));
  return { prefix, dir, port, hosts: record.hosts };
}

/** a on hostA pings b on hostB; the underlay counters before and after */
async function pingAcross(lab: Lab, hostA: string, hostB: string): Promise<Record<string, number>> {
  await installCounters(`${lab.prefix}underlay`, trafficRules(lab.hosts.length, lab.port));
  await ok('instance', 'boot', 'a', '--network', 'private', '--host', hostA);
  await ok('instance', 'boot', 'b', '--network', 'private', '--host', hostB);
  const b = JSON.parse(readFileSync(join(lab.dir, 'instances', 'b.json'), 'utf8'));
  const before = await readCounters(`${lab.prefix}underlay`);
  await ok('instance', 'exec', 'a', '--', 'ping', '-c', '5', '-i', '0.2', '-W', '2', b.fixed_ips[0].ip_address);
  // the agents report their state every 2 s: time for RPC on the management network
  await new Promise((r) => setTimeout(r, 2500));
  await fetch(`http://127.0.0.1:${lab.port}/v2.0/networks`).then((r) => r.text());
  const after = await readCounters(`${lab.prefix}underlay`);
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}

const sum = (d: Record<string, number>, prefix: string) =>
  Object.entries(d)
    .filter(([k]) => k.startsWith(prefix))
    .reduce((s, [, v]) => s + v, 0);

async function statusShowsAddresses(lab: Lab): Promise<void> {
  const status = await ok('lab', 'status', '--prefix', lab.prefix, '--dir', lab.dir);
  for (const h of lab.hosts) {
    const api = h.apiIp ? `, API ${h.apiIp} \\(eth4\\)` : '';
    assert.match(status, new RegExp(`addresses ${h.name}\\s+management ${h.mgmtIp.replaceAll('.', '\\.')} \\(eth0\\), tunnel ${h.tunnelIp.replaceAll('.', '\\.')} \\(eth1\\)${api}`));
  }
  assert.match(status, /traffic: management\s+br-mgmt 10\.20\.0\.0\/24: .* at 10\.20\.0\.10:5672/);
  assert.match(status, /traffic: API\s+br-api 10\.22\.0\.0\/24: the server on \S+ eth4 10\.22\.0\.10/);
  assert.match(status, /ok {2}relay-amqp-mgmt/);
}

/** every agent's VXLAN endpoint is its host's tunnel address */
async function localIpIsTunnel(lab: Lab): Promise<void> {
  const agents = (
    (await (await fetch(`http://127.0.0.1:${lab.port}/v2.0/agents?agent_type=Linux%20bridge%20agent`)).json()) as { agents: { host: string; configurations: { tunneling_ip: string } }[] }
  ).agents;
  assert.ok(agents.length > 0);
  for (const a of agents) assert.equal(a.configurations.tunneling_ip, lab.hosts.find((h) => h.name === a.host)?.tunnelIp, `${a.host}'s local_ip`);
}

async function labDown(lab: Lab): Promise<void> {
  await ok('lab', 'down', '--prefix', lab.prefix, '--dir', lab.dir);
  assert.deepEqual(namespaces(lab.prefix), []);
}

describe('the traffic types on their own underlays, per --topology', { timeout: 15 * 60_000 }, () => {
  after(async () => {
    for (const m of made) {
      await neutrino('lab', 'down', '--prefix', m.prefix, '--dir', m.dir);
      for (const n of namespaces(m.prefix)) await sh('ip', ['netns', 'del', n]);
      await sh('rabbitmqctl', ['delete_vhost', `neutrino-${m.prefix}lab`]);
    }
    rmSync(ROOT, { recursive: true, force: true });
  });

  it('controller-network-compute: VXLAN compute1 ↔ compute2 on br-tun only; agents of network, compute1, compute2 reach RabbitMQ over br-mgmt', async () => {
    const lab = await labUp('controller-network-compute', 'cnc', ['--computes', '2']);
    const [controller, network, compute1, compute2] = [0, 1, 2, 3];
    await localIpIsTunnel(lab);
    const d = await pingAcross(lab, 'compute1', 'compute2');
    assert.ok(d[`vxlan_tun_${compute1}`] >= 5 && d[`vxlan_tun_${compute2}`] >= 5, `VXLAN on br-tun: ${JSON.stringify(d)}`);
    assert.equal(sum(d, 'vxlan_off_'), 0, `no VXLAN on br-mgmt, br-phys1 or br-ext: ${JSON.stringify(d)}`);
    for (const h of [network, compute1, compute2]) assert.ok(d[`amqp_mgmt_${h}`] > 0, `host ${h}'s agents talk to RabbitMQ over br-mgmt: ${JSON.stringify(d)}`);
    assert.equal(d[`amqp_mgmt_${controller}`], 0, 'the controller runs the server and RabbitMQ: nothing to send to them over the wire');
    assert.equal(sum(d, 'amqp_off_'), 0, `no RPC on another underlay: ${JSON.stringify(d)}`);
    assert.ok(d.api_answers > 0, 'the API answers cross br-api');
    await statusShowsAddresses(lab);
    await labDown(lab);
  });

  it('controller-compute: VXLAN controller ↔ compute1 on br-tun only; compute1 reaches RabbitMQ over br-mgmt', async () => {
    const lab = await labUp('controller-compute', 'cc', ['--computes', '1']);
    await localIpIsTunnel(lab);
    const d = await pingAcross(lab, 'controller', 'compute1');
    assert.ok(d.vxlan_tun_0 >= 5 && d.vxlan_tun_1 >= 5, `VXLAN on br-tun: ${JSON.stringify(d)}`);
    assert.equal(sum(d, 'vxlan_off_'), 0, `no VXLAN on another underlay: ${JSON.stringify(d)}`);
    assert.ok(d.amqp_mgmt_1 > 0, `compute1's agent talks to RabbitMQ over br-mgmt: ${JSON.stringify(d)}`);
    assert.equal(sum(d, 'amqp_off_'), 0);
    assert.ok(d.api_answers > 0, 'the API answers cross br-api');
    await statusShowsAddresses(lab);
    await labDown(lab);
  });

  it('all-in-one: one host, so instance traffic and RPC never leave it; the API still crosses br-api', async () => {
    const lab = await labUp('all-in-one', 'aio', []);
    await localIpIsTunnel(lab);
    const d = await pingAcross(lab, 'controller', 'controller');
    assert.equal(sum(d, 'vxlan_'), 0, `no VXLAN on any underlay: ${JSON.stringify(d)}`);
    assert.equal(sum(d, 'amqp_'), 0, `RPC stays on the controller: ${JSON.stringify(d)}`);
    assert.ok(d.api_answers > 0, 'the API answers cross br-api');
    await statusShowsAddresses(lab);
    await labDown(lab);
  });
});
