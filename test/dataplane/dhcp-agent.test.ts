// The DHCP agent on the real kernel with real dnsmasq: a network host (Linux bridge agent +
// DHCP agent, the latter a child process over RabbitMQ so it can be killed hard) and a
// compute host joined by VXLAN; instances boot through the compute shim and take their
// address with busybox udhcpc. Proves: the exact IP, gateway, MTU and DNS by DHCP; a port is
// ACTIVE only once dnsmasq has it; a changed fixed IP is picked up by a renew; a deleted port's
// IP goes to a new instance at once (its lease released); a SIGKILLed agent restarts without
// restarting dnsmasq, and leases still renew.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { NoopFirewall } from '../../src/agents/firewall/noop-firewall.js';
import { L2Agent } from '../../src/agents/l2/l2-agent.js';
import { LinuxBridgeDataplane } from '../../src/agents/linuxbridge/linuxbridge-dataplane.js';
import { tapName } from '../../src/contract/device-names.js';
import { NetworkApi } from '../../src/compute/api-client.js';
import { removeResolvConf, resolvConfOf } from '../../src/compute/dhcp-client.js';
import { InstanceStore } from '../../src/compute/instance-store.js';
import { bootInstance, deleteInstance, renewInstance } from '../../src/compute/instances.js';
import { Config } from '../../src/config/config.js';
import { run } from '../../src/linux/exec.js';
import { stopDnsmasq } from '../../src/linux/dnsmasq.js';
import { processArgv, readPidFile } from '../../src/linux/process.js';
import { listNamespaces } from '../../src/linux/netns.js';
import { addVhost, deleteVhost } from '../../src/lab/rabbit.js';
import { asAdmin, startTestServer, type TestServer } from '../helpers/server.js';
import { until as untilWithin } from '../helpers/until.js';
const until = <T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000) => untilWithin(what, probe, { timeoutMs, intervalMs: 25 });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const log = pino({ level: process.env.NEUTRINO_TEST_LOG ?? 'silent' });
const ADMIN = asAdmin('admin-project');
const P = `t${process.pid % 10000}d`;
const UNDERLAY = `${P}u`;
const HOSTS = [`${P}h1`, `${P}h2`];
const TUN_IF = `${P}t`;
const tunnelIp = (i: number) => `192.168.${110 + (process.pid % 50)}.${i + 1}`;
const hostName = (i: number) => `${P}-host${i + 1}`;
const VHOST = `${P}-dhcp-test-${process.pid}`;
const TRANSPORT = `rabbit://guest:guest@127.0.0.1:5672/${encodeURIComponent(VHOST)}`;
const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;

const ip = (netns: string | null, args: string[]) => run('ip', args, { netns });
const batch = (netns: string | null, lines: string[]) => run('ip', ['-batch', '-'], { netns, input: lines.join('\n') + '\n' });

describe('DHCP agent with dnsmasq on the kernel', () => {
  let s: TestServer;
  let api: NetworkApi;
  let store: InstanceStore;
  const l2: L2Agent[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-dhcp-'));
  const statePath = join(dir, 'dhcp-host');
  const conf = join(dir, 'dhcp-agent.conf');
  let dhcp: { child: ChildProcess; out: () => string } | null = null;
  let net: Obj;
  let subnet: Obj;

  function startDhcpAgent(): { child: ChildProcess; out: () => string } {
    const child = spawn(process.execPath, [CLI, 'agent', 'dhcp', '--host', hostName(0), '--config-file', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    return { child, out: () => out };
  }

  const syncs = (out: string) =>
    out
      .split('\n')
      .filter((l) => l.includes('"event":"dhcp.sync"'))
      .map((l) => JSON.parse(l) as Obj);
  const req = (method: string, path: string, body?: unknown) => s.req(method, path, body, ADMIN);
  const netDir = () => join(statePath, 'dhcp', net.id);
  const hostFile = () => (existsSync(join(netDir(), 'host')) ? readFileSync(join(netDir(), 'host'), 'utf8') : '');
  const portStatus = async (id: string) => (await req('GET', `/v2.0/ports/${id}`)).body.port.status as string;

  before(async () => {
    await cleanupKernel();
    await addVhost(VHOST, 'guest');
    s = await startTestServer('sqlite', {
      listen: true,
      config: {
        // dns_domain of its own, so that ports' dns_name is taken (dns-integration)
        DEFAULT: { transport_url: TRANSPORT, dns_domain: 'example.org' },
        ml2: { type_drivers: 'local,flat,vxlan', tenant_network_types: 'vxlan', mechanism_drivers: 'linuxbridge,l2population', extension_drivers: 'port_security,dns' },
        ml2_type_vxlan: { vni_ranges: '1100:1199' },
      },
    });
    api = new NetworkApi({ url: s.url! });
    // dnsmasq reads its files as nobody after a SIGHUP: the state directory must be open to it
    chmodSync(dir, 0o755);
    store = new InstanceStore(join(dir, 'compute'));
    store.writeSettings({ netns_prefix: `${P}v-` });
    await ip(null, ['netns', 'add', UNDERLAY]);
    for (const h of HOSTS) await ip(null, ['netns', 'add', h]);
    const u = [`link add ${P}ub type bridge`, `link set ${P}ub up`];
    for (let i = 0; i < 2; i++) u.push(`link add ${P}u${i} type veth peer name ${TUN_IF} netns ${HOSTS[i]}`, `link set ${P}u${i} master ${P}ub up`);
    await batch(UNDERLAY, u);
    for (let i = 0; i < 2; i++) {
      await batch(HOSTS[i], ['link set lo up', `addr add ${tunnelIp(i)}/24 dev ${TUN_IF}`, `link set ${TUN_IF} up`]);
      const config = Config.load([], { agent: { host_namespace: HOSTS[i] }, vxlan: { enable_vxlan: 'true', local_ip: tunnelIp(i), l2_population: 'true' } });
      const dp = await LinuxBridgeDataplane.fromConfig(config, log, { supported: false, reason: 'test' }, new NoopFirewall());
      const agent = new L2Agent({ bus: s.bus, log, host: hostName(i), reportInterval: 0, dataplane: dp });
      await agent.start();
      l2.push(agent);
    }
    writeFileSync(
      conf,
      [
        '[DEFAULT]',
        'use_json = true',
        `transport_url = ${TRANSPORT}`,
        `state_path = ${statePath}`,
        'dnsmasq_dns_servers = 192.0.2.53',
        'log_level = debug',
        '[agent]',
        'report_interval = 1',
        `host_namespace = ${HOSTS[0]}`,
        '',
      ].join('\n'),
    );
    dhcp = startDhcpAgent();
    await until('the DHCP agent registered', async () => {
      const r = await req('GET', `/v2.0/agents?host=${hostName(0)}&agent_type=DHCP%20agent`);
      return r.body.agents?.[0]?.alive ? r.body.agents[0] : null;
    });
    await until('its first full sync', async () => syncs(dhcp!.out()).length > 0);
  });

  async function cleanupKernel(): Promise<void> {
    // dnsmasq by pid file (its /proc cmdline names the file), before the namespaces go
    try {
      for (const n of readdirSync(join(statePath, 'dhcp'))) await stopDnsmasq(join(statePath, 'dhcp', n, 'pid'));
    } catch {
      // nothing started
    }
    for (const ns of listNamespaces(P)) {
      removeResolvConf(ns);
      await run('ip', ['netns', 'delete', ns], { allowFailure: true });
    }
  }

  after(async () => {
    if (dhcp && dhcp.child.exitCode === null) dhcp.child.kill('SIGKILL');
    for (const a of l2) await a.stop().catch(() => undefined);
    await s?.close().catch(() => undefined);
    await cleanupKernel();
    await deleteVhost(VHOST).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a network with a DHCP subnet is scheduled to the agent, which serves it from its qdhcp namespace', async () => {
    net = (await req('POST', '/v2.0/networks', { network: { name: `${P}-net` } })).body.network;
    const r = await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.61.0.0/24', ip_version: 4, dns_nameservers: ['192.0.2.10'] } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    subnet = r.body.subnet;
    const agents = (await req('GET', `/v2.0/networks/${net.id}/dhcp-agents`)).body.agents;
    assert.deepEqual(
      agents.map((a: Obj) => a.host),
      [hostName(0)],
    );
    const pid = await until('dnsmasq running', async () => readPidFile(join(netDir(), 'pid')));
    assert.ok(processArgv(pid)?.includes(`--dhcp-range=set:subnet-${subnet.id},10.61.0.0,static,255.255.255.0,86400s`));
    const ns = `${HOSTS[0]}.qdhcp-${net.id}`;
    assert.ok(listNamespaces(HOSTS[0]).includes(ns));
    const dhcpPort = (await req('GET', `/v2.0/ports?network_id=${net.id}&device_owner=network:dhcp`)).body.ports[0];
    assert.equal(dhcpPort['binding:host_id'], hostName(0));
    assert.match(dhcpPort.device_id, new RegExp(`^dhcp[0-9a-f-]{36}-${net.id}$`));
    const addr = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', `ns-${dhcpPort.id.slice(0, 11)}`], { netns: ns });
    assert.match(addr.stdout, new RegExp(`inet ${dhcpPort.fixed_ips[0].ip_address.replace(/\./g, '\\.')}/24`));
    await until('the DHCP port ACTIVE (its tap wired by the L2 agent)', async () => (await portStatus(dhcpPort.id)) === 'ACTIVE');
  });

  let vm1: Obj;
  it("an instance on another host gets exactly its port's IP by DHCP, with the gateway, MTU 1450 (VXLAN) and DNS", async () => {
    const r = await bootInstance(api, store, { name: 'vm1', network: net.id, host: hostName(1), timeoutMs: 20_000 });
    vm1 = r.instance;
    assert.ok(r.lease);
    assert.equal(r.lease.ip, vm1.fixed_ips[0].ip_address);
    assert.equal(r.lease.prefixlen, 24);
    assert.equal(r.lease.router, '10.61.0.1');
    assert.equal(r.lease.mtu, 1450);
    assert.deepEqual(r.lease.dns, ['192.0.2.10']);
    const inside = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0'], { netns: vm1.netns });
    assert.match(inside.stdout, new RegExp(`inet ${vm1.fixed_ips[0].ip_address.replace(/\./g, '\\.')}/24`));
    assert.match((await run('ip', ['route', 'show', 'default'], { netns: vm1.netns })).stdout, /default via 10\.61\.0\.1 dev eth0/);
    assert.match((await run('ip', ['link', 'show', 'eth0'], { netns: vm1.netns })).stdout, /mtu 1450/);
    assert.match(readFileSync(resolvConfOf(vm1.netns), 'utf8'), /^nameserver 192\.0\.2\.10$/m);
    // ip netns exec bind-mounts it as the instance's /etc/resolv.conf
    assert.match((await run('cat', ['/etc/resolv.conf'], { netns: vm1.netns })).stdout, /nameserver 192\.0\.2\.10/);
    // the gateway address answers nothing here (no router): a ping of the DHCP port proves the path
    const dhcpIp = (await req('GET', `/v2.0/ports?network_id=${net.id}&device_owner=network:dhcp`)).body.ports[0].fixed_ips[0].ip_address;
    assert.equal((await run('ping', ['-c', '1', '-W', '2', dhcpIp], { netns: vm1.netns, allowFailure: true })).code, 0, 'instance → DHCP port across VXLAN');
  });

  it('a port is ACTIVE only once dnsmasq has it: with the DHCP agent stopped it stays DOWN though its tap is wired', async () => {
    dhcp!.child.kill('SIGSTOP');
    let portId = '';
    try {
      const p = (await req('POST', '/v2.0/ports', { port: { network_id: net.id, device_owner: 'compute:nova', 'binding:host_id': hostName(1) } })).body.port;
      portId = p.id;
      // a tap for the L2 agent to wire (the instance end stays bare)
      await ip(HOSTS[1], ['link', 'add', tapName(p.id), 'type', 'veth', 'peer', 'name', `${P}pp`]);
      await ip(HOSTS[1], ['link', 'set', `${P}pp`, 'up']);
      await until('the L2 agent wired the tap', async () => (await run('ip', ['-o', 'link', 'show', tapName(p.id)], { netns: HOSTS[1] })).stdout.includes('master brq'));
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(await portStatus(p.id), 'DOWN', 'the DHCP provisioning block holds it');
      assert.ok(!hostFile().includes(p.mac_address));
    } finally {
      dhcp!.child.kill('SIGCONT');
    }
    await until('ACTIVE once the DHCP agent had it', async () => (await portStatus(portId)) === 'ACTIVE');
    assert.ok(hostFile().includes((await req('GET', `/v2.0/ports/${portId}`)).body.port.mac_address));
    await req('DELETE', `/v2.0/ports/${portId}`);
    await ip(HOSTS[1], ['link', 'del', tapName(portId)]).catch(() => undefined);
  });

  it('a burst of 20 new ports is one rewrite of the files and one SIGHUP', async () => {
    const before = dhcp!.out().length;
    const r = await req('POST', '/v2.0/ports', { ports: Array.from({ length: 20 }, () => ({ network_id: net.id, device_owner: 'compute:nova' })) });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const macs = r.body.ports.map((p: Obj) => p.mac_address as string);
    await until('all 20 in the host file', async () => macs.every((m: string) => hostFile().includes(m)));
    await new Promise((res) => setTimeout(res, 300));
    const reloads = dhcp!
      .out()
      .slice(before)
      .split('\n')
      .filter((l) => l.includes('"event":"dhcp.reload"') && l.includes(net.id));
    assert.ok(reloads.length >= 1 && reloads.length <= 2, `${reloads.length} reloads for one burst`);
    for (const p of r.body.ports) await req('DELETE', `/v2.0/ports/${p.id}`);
    await until('gone from the host file', async () => !macs.some((m: string) => hostFile().includes(m)));
  });

  it('a changed fixed IP is taken by a renew (files rewritten and SIGHUP, dnsmasq not restarted)', async () => {
    const pid = readPidFile(join(netDir(), 'pid'));
    const r = await req('PUT', `/v2.0/ports/${vm1.port_id}`, { port: { fixed_ips: [{ subnet_id: subnet.id, ip_address: '10.61.0.77' }] } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await until('the host file has the new address', async () => hostFile().includes(`${vm1.mac},host-10-61-0-77.openstacklocal,10.61.0.77`));
    const renewed = await renewInstance(api, store, 'vm1');
    assert.equal(renewed.lease.ip, '10.61.0.77');
    assert.match((await run('ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0'], { netns: vm1.netns })).stdout, /inet 10\.61\.0\.77\/24/);
    assert.equal(readPidFile(join(netDir(), 'pid')), pid, 'same dnsmasq');
  });

  it("a port's dns_name (dns-integration) is the name dnsmasq hands out and resolves for its address", async () => {
    const r = await req('PUT', `/v2.0/ports/${vm1.port_id}`, { port: { dns_name: 'vm-one' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await until('the host file has the name', async () => hostFile().includes(`${vm1.mac},vm-one.openstacklocal,10.61.0.77`));
    const dhcpIp = (await req('GET', `/v2.0/ports?network_id=${net.id}&device_owner=network:dhcp`)).body.ports[0].fixed_ips[0].ip_address;
    const answer = await run('busybox', ['nslookup', 'vm-one.openstacklocal', dhcpIp], { netns: vm1.netns, allowFailure: true, timeoutMs: 10_000 });
    assert.match(answer.stdout, /10\.61\.0\.77/, `${answer.stdout}\n${answer.stderr}`);
  });

  it("a second instance given a deleted port's IP gets it at once (the old lease was released)", async () => {
    const leases = readFileSync(join(netDir(), 'leases'), 'utf8');
    assert.match(leases, new RegExp(`${vm1.mac} 10\\.61\\.0\\.77 `), "dnsmasq holds vm1's lease");
    await deleteInstance(api, store, 'vm1');
    assert.ok(!existsSync(resolvConfOf(vm1.netns)), "the instance's resolv.conf went with it");
    const r = await bootInstance(api, store, { name: 'vm2', network: net.id, host: hostName(1), fixedIps: [{ ip: '10.61.0.77' }], timeoutMs: 20_000 });
    assert.equal(r.lease?.ip, '10.61.0.77');
    assert.doesNotMatch(readFileSync(join(netDir(), 'leases'), 'utf8'), new RegExp(vm1.mac));
  });

  it('a SIGKILLed agent restarts without restarting dnsmasq, and leases still renew', async () => {
    const pid = readPidFile(join(netDir(), 'pid'))!;
    dhcp!.child.kill('SIGKILL');
    await new Promise((r) => dhcp!.child.once('exit', r));
    assert.ok(processArgv(pid), 'dnsmasq outlives its agent');
    // what the host still has of a network no longer served goes at the resync; another host's stays
    const staleNet = 'dead0000-0000-4000-8000-00000000dead';
    const staleNs = `${HOSTS[0]}.qdhcp-${staleNet}`;
    const otherHostNs = `${HOSTS[1]}.qdhcp-${staleNet}`;
    await ip(null, ['netns', 'add', staleNs]);
    await ip(null, ['netns', 'add', otherHostNs]);
    mkdirSync(join(statePath, 'dhcp', staleNet), { recursive: true });
    dhcp = startDhcpAgent();
    const sync = await until('the restarted agent synced', async () => syncs(dhcp!.out())[0]);
    assert.equal(sync.networks, 1);
    assert.equal(sync.started, 0, 'nothing restarted');
    assert.equal(sync.removed, 1, 'the stale network');
    assert.ok(!listNamespaces(HOSTS[0]).includes(staleNs), 'stale namespace removed');
    assert.ok(!existsSync(join(statePath, 'dhcp', staleNet)), 'stale directory removed');
    assert.ok(listNamespaces(HOSTS[1]).includes(otherHostNs), "another host's namespace is not this agent's");
    await ip(null, ['netns', 'delete', otherHostNs]);
    assert.equal(sync.reloaded, 0, 'nothing even reloaded: every file was already right');
    assert.equal(readPidFile(join(netDir(), 'pid')), pid);
    const renewed = await renewInstance(api, store, 'vm2');
    assert.equal(renewed.lease.ip, '10.61.0.77');
  });

  it('a network removed from the agent stops its dnsmasq and namespace; adding it back serves it again', async () => {
    const agent = (await req('GET', `/v2.0/networks/${net.id}/dhcp-agents`)).body.agents[0];
    const pid = readPidFile(join(netDir(), 'pid'))!;
    assert.equal((await req('DELETE', `/v2.0/agents/${agent.id}/dhcp-networks/${net.id}`)).status, 204);
    await until('dnsmasq stopped', async () => !processArgv(pid));
    await until('namespace gone', async () => !listNamespaces(HOSTS[0]).some((n) => n.endsWith(net.id)));
    assert.equal((await req('POST', `/v2.0/agents/${agent.id}/dhcp-networks`, { network_id: net.id })).status, 201);
    await until('dnsmasq back', async () => readPidFile(join(netDir(), 'pid')));
    const renewed = await until('vm2 renews from the new dnsmasq', async () => renewInstance(api, store, 'vm2').catch(() => null), 20_000);
    assert.equal(renewed.lease.ip, '10.61.0.77');
  });

  it("a DHCP port deleted behind the agent's back is replaced; its old device does not linger", async () => {
    const ns = `${HOSTS[0]}.qdhcp-${net.id}`;
    const old = (await req('GET', `/v2.0/ports?network_id=${net.id}&device_owner=network:dhcp`)).body.ports[0];
    assert.equal((await req('DELETE', `/v2.0/ports/${old.id}`)).status, 204);
    const fresh = await until('a new DHCP port', async () => (await req('GET', `/v2.0/ports?network_id=${net.id}&device_owner=network:dhcp`)).body.ports.find((p: Obj) => p.id !== old.id));
    await until('its device in the namespace, the old one gone', async () => {
      const links = (await run('ip', ['-o', 'link', 'show'], { netns: ns })).stdout;
      return links.includes(`ns-${fresh.id.slice(0, 11)}`) && !links.includes(`ns-${old.id.slice(0, 11)}`);
    });
    await until('the new port ACTIVE', async () => (await portStatus(fresh.id)) === 'ACTIVE');
    const renewed = await until('vm2 renews', async () => renewInstance(api, store, 'vm2').catch(() => null), 20_000);
    assert.equal(renewed.lease.ip, '10.61.0.77');
  });

  it('SIGTERM stops the agent cleanly and leaves dnsmasq serving', async () => {
    const pid = readPidFile(join(netDir(), 'pid'))!;
    dhcp!.child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => dhcp!.child.once('exit', (c) => r(c)));
    assert.equal(code, 0, dhcp!.out().slice(-2000));
    assert.ok(processArgv(pid));
    await deleteInstance(api, store, 'vm2');
  });
});
