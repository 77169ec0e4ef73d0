// `neutrino server`, `neutrino agent linuxbridge` and `neutrino agent l3` as separate processes
// over RabbitMQ (a vhost of the test's own), the agents' devices in a namespace standing for
// their host: the L3 agent registers, builds a router made through the API, stops on SIGTERM
// leaving the router in place, and a new process changes nothing.
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serviceNamespace } from '../../src/contract/device-names.js';
import { addVhost, deleteVhost } from '../../src/lab/rabbit.js';
import { withVhost } from '../../src/lab/topology.js';
import { run } from '../../src/linux/exec.js';
import { listLinks } from '../../src/linux/links.js';
import { listNamespaces, namespaceExists } from '../../src/linux/netns.js';
import { freePort } from '../helpers/free-port.js';
import { exited, startCli } from '../helpers/cli-process.js';
import { until as untilWithin } from '../helpers/until.js';

const until = <T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000) => untilWithin(what, probe, { timeoutMs, intervalMs: 100, tolerateErrors: true });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const P = `t${process.pid % 10000}q`;
const HOST_NS = `${P}n`;
const VHOST = `neutrino-test-l3proc-${process.pid}`;

const start = startCli;

describe('the L3 agent as a process over RabbitMQ', () => {
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-l3proc-'));
  const children: ChildProcess[] = [];
  let api = '';
  const host = `${P}-network`;
  let conf = '';

  const call = async (method: string, path: string, body?: unknown): Promise<Obj> => {
    const r = await fetch(`${api}/v2.0${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { 'content-type': 'application/json', 'x-roles': 'admin,member,reader', 'x-project-id': 'p1' },
    });
    const text = await r.text();
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text ? (JSON.parse(text) as Obj) : {};
  };

  before(async () => {
    await addVhost(VHOST, 'guest');
    await run('ip', ['netns', 'add', HOST_NS]);
    await run('ip', ['-batch', '-'], {
      netns: HOST_NS,
      input:
        [
          'link set lo up',
          `link add ${P}p type veth peer name ${P}pe`,
          `link set ${P}p up`,
          `link set ${P}pe up`,
          `link add ${P}t type veth peer name ${P}te`,
          `addr add 192.0.2.11/24 dev ${P}t`,
          `link set ${P}t up`,
          `link set ${P}te up`,
        ].join('\n') + '\n',
    });
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    conf = join(dir, 'neutrino.conf');
    writeFileSync(
      conf,
      [
        '[DEFAULT]',
        'use_json = true',
        `bind_port = ${port}`,
        `state_path = ${dir}/state`,
        `transport_url = ${withVhost('rabbit://guest:guest@127.0.0.1:5672/', VHOST)}`,
        'interface_driver = linuxbridge',
        'agent_mode = legacy',
        '[ml2]',
        'type_drivers = local,flat,vxlan',
        'tenant_network_types = vxlan',
        'mechanism_drivers = linuxbridge',
        '[ml2_type_vxlan]',
        'vni_ranges = 1000:1999',
        '[ml2_type_flat]',
        'flat_networks = public',
        '[agent]',
        'report_interval = 1',
        `host_namespace = ${HOST_NS}`,
        '[securitygroup]',
        'firewall_driver = noop',
        '[linux_bridge]',
        `physical_interface_mappings = public:${P}p`,
        '[vxlan]',
        'local_ip = 192.0.2.11',
        '',
      ].join('\n'),
    );
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.pid) c.kill('SIGKILL');
    for (const ns of listNamespaces(`${HOST_NS}.`)) spawnSync('ip', ['netns', 'delete', ns]);
    spawnSync('ip', ['netns', 'delete', HOST_NS]);
    await deleteVhost(VHOST).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers, builds a router made through the API, stops on SIGTERM leaving it, and a new process changes nothing', async () => {
    const server = start(['server', '--db-upgrade', '--config-file', conf]);
    children.push(server.child);
    await until('server listening', async () => (await fetch(`${api}/v2.0/networks`)).ok);
    const lb = start(['agent', 'linuxbridge', '--host', host, '--config-file', conf]);
    children.push(lb.child);
    let l3 = start(['agent', 'l3', '--host', host, '--config-file', conf]);
    children.push(l3.child);
    const agent = await until('L3 agent registered', async () => (await call('GET', `/agents?host=${host}&agent_type=L3%20agent`)).agents.find((a: Obj) => a.alive));
    assert.equal(agent.binary, 'neutrino-l3-agent');
    assert.equal(agent.topic, 'l3_agent');
    assert.equal(agent.configurations.agent_mode, 'legacy');

    const ext = (await call('POST', '/networks', { network: { name: 'public', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'public' } })).network;
    await call('POST', '/subnets', { subnet: { network_id: ext.id, cidr: '203.0.113.0/24', ip_version: 4, enable_dhcp: false } });
    const net = (await call('POST', '/networks', { network: { name: 'private' } })).network;
    const sub = (await call('POST', '/subnets', { subnet: { network_id: net.id, cidr: '10.7.0.0/24', ip_version: 4, enable_dhcp: false } })).subnet;
    const router = (await call('POST', '/routers', { router: { name: 'r', external_gateway_info: { network_id: ext.id } } })).router;
    await call('PUT', `/routers/${router.id}/add_router_interface`, { subnet_id: sub.id });
    const gwIp = router.external_gateway_info.external_fixed_ips[0].ip_address;
    const ns = serviceNamespace('qrouter', router.id, HOST_NS);
    await until('router built', async () => {
      const addrs = (await run('ip', ['-json', 'addr', 'show'], { netns: ns })).stdout;
      return addrs.includes(`"${gwIp}"`) && addrs.includes('"10.7.0.1"');
    });
    await until('router ports ACTIVE (wired by the Linux bridge agent)', async () => (await call('GET', `/ports?device_id=${router.id}&status=ACTIVE`)).ports.length === 2);
    await until('the agent reports one router', async () => (await call('GET', `/agents/${agent.id}`)).agent.configurations.routers === 1);

    const before = await listLinks(ns);
    l3.child.kill('SIGTERM');
    assert.equal(await exited(l3.child), 0, l3.out());
    assert.ok(namespaceExists(ns), 'a stopped agent leaves its routers in place');
    l3 = start(['agent', 'l3', '--host', host, '--config-file', conf]);
    children.push(l3.child);
    await until('the new agent synced', async () => /"event":"agent.resync"/.test(l3.out()));
    assert.match(l3.out(), /"event":"l3.router_processed"[^\n]*"changes":0/, 'nothing to change');
    const now = await listLinks(ns);
    for (const [name, l] of before) assert.equal(now.get(name)?.ifindex, l.ifindex, `${name} kept its ifindex`);

    for (const p of [l3, lb, server]) {
      p.child.kill('SIGTERM');
      assert.equal(await exited(p.child), 0, p.out());
    }
  });
});
