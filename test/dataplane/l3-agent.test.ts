// The L3 agent on the real kernel. Three "hosts" (namespaces): the network host (Linux bridge
// agent + L3 agent, on the VXLAN underlay and on the `public` physnet) and two computes; an
// "internet" namespace on the public bridge. An external network (flat on public), a router
// with a gateway and two VXLAN subnets. Proves: routing between instances on different hosts,
// SNAT out (the internet sees the gateway address), floating IP in and out again, moved
// within a second, hairpin, an agent restart that recreates nothing and keeps a TCP flow
// through a floating IP, admin-down and deleted routers, stale namespaces. Routers and floating
// IPs are made through the real API; the server schedules them to the L3 agent.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { NoopFirewall } from '../../src/agents/firewall/noop-firewall.js';
import { L2Agent } from '../../src/agents/l2/l2-agent.js';
import { L3Agent } from '../../src/agents/l3/l3-agent.js';
import { LinuxBridgeDataplane } from '../../src/agents/linuxbridge/linuxbridge-dataplane.js';
import { serviceNamespace, servicePortDevice, tapName } from '../../src/contract/device-names.js';
import { Config } from '../../src/config/config.js';
import { run } from '../../src/linux/exec.js';
import { listLinks } from '../../src/linux/links.js';
import { listNamespaces, namespaceExists } from '../../src/linux/netns.js';
import { asAdmin, startTestServer, type TestServer } from '../helpers/server.js';
import { until as untilWithin } from '../helpers/until.js';
import { RouterControl } from '../helpers/l3-control.js';

const until = <T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 10_000) => untilWithin(what, probe, timeoutMs);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const log = pino({ level: process.env.NEUTRINO_TEST_LOG ?? 'silent' });
const ADMIN = asAdmin('admin-project');
const P = `t${process.pid % 10000}r`;
const UNDERLAY = `${P}u`;
const INTERNET = `${P}i`;
const HOSTS = [`${P}h1`, `${P}h2`, `${P}h3`];
const NET_HOST = 0;
const TUN_IF = `${P}t`;
const PUB_IF = `${P}p`;
const tunnelIp = (i: number) => `192.168.${70 + (process.pid % 50)}.${i + 1}`;
const hostName = (i: number) => `${P}-host${i + 1}`;
const EXT_CIDR = '203.0.113.0/24';
const EXT_GW = '203.0.113.1';
const INTERNET_HOST = '198.51.100.100';
const vms: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children: ChildProcess[] = [];
const workDir = mkdtempSync(join(tmpdir(), 'neutrino-l3-test-'));

const ip = (netns: string | null, args: string[]) => run('ip', args, { netns });
const batch = (netns: string | null, lines: string[]) => run('ip', ['-batch', '-'], { netns, input: lines.join('\n') + '\n' });

async function ping(fromNs: string, to: string, count = 2, wait = 1): Promise<boolean> {
  const r = await run('ping', ['-c', String(count), '-i', '0.2', '-W', String(wait), to], { netns: fromNs, allowFailure: true, timeoutMs: 15_000 });
  return r.code === 0;
}

/** Source addresses a namespace received pings from (a dynamic nft set fed by an input rule). */
async function watchSources(ns: string): Promise<void> {
  await run('nft', ['-f', '-'], {
    netns: ns,
    input:
      'add table ip probe\nadd set ip probe seen { type ipv4_addr; flags dynamic; }\nadd chain ip probe input { type filter hook input priority 0; policy accept; }\nadd rule ip probe input icmp type echo-request add @seen { ip saddr }\n',
  });
}
async function sourcesSeen(ns: string): Promise<string[]> {
  const r = await run('nft', ['-j', 'list', 'set', 'ip', 'probe', 'seen'], { netns: ns });
  const set = (JSON.parse(r.stdout).nftables as Obj[]).find((o) => o.set)?.set;
  return ((set?.elem ?? []) as unknown[]).map((e) => (typeof e === 'string' ? e : ((e as Obj).elem?.val ?? String(e))));
}
const forgetSources = (ns: string) => run('nft', ['flush', 'set', 'ip', 'probe', 'seen'], { netns: ns });

/** A TCP echo server in vm and a client in `from` that sends a line every 100 ms; counts echoes. */
async function tcpSession(serverNs: string, serverIp: string, fromNs: string, toIp: string, port: number) {
  const serverJs = join(workDir, `echo-server-${port}.mjs`);
  const clientJs = join(workDir, `echo-client-${port}.mjs`);
  writeFileSync(serverJs, `import net from 'node:net'; net.createServer((s) => { s.on('error', () => {}); s.pipe(s); }).listen(${port}, '${serverIp}', () => console.log('listening'));`);
  writeFileSync(
    clientJs,
    `import net from 'node:net';
     const s = net.connect(${port}, '${toIp}', () => { console.log('connected'); setInterval(() => s.write('x\\n'), 100); });
     s.on('data', (d) => { for (const c of d.toString()) if (c === '\\n') console.log('echo'); });
     s.on('error', (e) => console.log('error ' + e.code)); s.on('close', () => console.log('closed'));`,
  );
  const srv = spawn('ip', ['netns', 'exec', serverNs, process.execPath, serverJs], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(srv);
  await new Promise<void>((resolve, reject) => {
    srv.stdout!.once('data', () => resolve());
    srv.once('exit', () => reject(new Error('echo server exited')));
  });
  const cli = spawn('ip', ['netns', 'exec', fromNs, process.execPath, clientJs], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(cli);
  let echoes = 0;
  let closed = false;
  cli.stdout!.setEncoding('utf8').on('data', (d: string) => {
    echoes += (d.match(/^echo$/gm) ?? []).length;
    if (/closed|error/.test(d)) closed = true;
  });
  return {
    echoes: () => echoes,
    closed: () => closed,
    stop: () => {
      cli.kill('SIGKILL');
      srv.kill('SIGKILL');
    },
  };
}

/** Addresses announced by gratuitous ARP (sender = target address) seen on eth0 of ns. */
async function gratuitousArps(ns: string): Promise<{ raw: () => string; seen: () => string[]; stop: () => void }> {
  const c = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-n', '-l', '-i', 'eth0', 'arp and arp[14:4] = arp[24:4]'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(c);
  let out = '';
  c.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  await new Promise<void>((resolve) => c.stderr!.setEncoding('utf8').on('data', (d: string) => d.includes('listening on') && resolve()));
  return { raw: () => out, seen: () => [...out.matchAll(/who-has ([\d.]+)(?: \([^)]*\))? tell ([\d.]+)/g)].filter((m) => m[1] === m[2]).map((m) => m[1]), stop: () => c.kill('SIGKILL') };
}

describe('L3 agent on the kernel', () => {
  let s: TestServer;
  let ctl: RouterControl;
  const l2: (L2Agent | null)[] = [null, null, null];
  let l3: L3Agent | null = null;

  const req = (method: string, path: string, body?: unknown) => s.req(method, path, body, ADMIN);

  async function startL2(i: number): Promise<void> {
    const config = Config.load([], {
      agent: { host_namespace: HOSTS[i] },
      linux_bridge: { physical_interface_mappings: i === NET_HOST ? `public:${PUB_IF}` : '' },
      vxlan: { enable_vxlan: 'true', local_ip: tunnelIp(i), l2_population: 'true' },
    });
    const dp = await LinuxBridgeDataplane.fromConfig(config, log, { supported: false, reason: 'no 8021q (test)' }, new NoopFirewall());
    const agent = new L2Agent({ bus: s.bus, log, host: hostName(i), reportInterval: 0, dataplane: dp });
    await agent.start();
    l2[i] = agent;
  }

  async function startL3(): Promise<L3Agent> {
    const agent = new L3Agent({ bus: s.bus, log, host: hostName(NET_HOST), hostNamespace: HOSTS[NET_HOST], reportInterval: 0 });
    await agent.start();
    l3 = agent;
    return agent;
  }

  async function network(name: string, cidr: string, extra: Obj = {}, subnet: Obj = {}): Promise<{ net: Obj; subnet: Obj }> {
    const n = await req('POST', '/v2.0/networks', { network: { name, ...extra } });
    assert.equal(n.status, 201, JSON.stringify(n.body));
    const sn = await req('POST', '/v2.0/subnets', { subnet: { network_id: n.body.network.id, cidr, ip_version: 4, enable_dhcp: false, ...subnet } });
    assert.equal(sn.status, 201, JSON.stringify(sn.body));
    return { net: n.body.network, subnet: sn.body.subnet };
  }

  /** An instance on host i: a netns whose eth0 is the veth peer of its port's tap, static address, default route via the router. */
  async function instance(i: number, net: { net: Obj; subnet: Obj }, fixedIp: string): Promise<{ port: Obj; vm: string; ip: string }> {
    const r = await req('POST', '/v2.0/ports', {
      port: { network_id: net.net.id, 'binding:host_id': hostName(i), device_owner: 'compute:nova', fixed_ips: [{ subnet_id: net.subnet.id, ip_address: fixedIp }] },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const port = r.body.port;
    const vm = `${P}v${vms.length}`;
    vms.push(vm);
    const len = net.subnet.cidr.split('/')[1];
    await ip(null, ['netns', 'add', vm]);
    await ip(HOSTS[i], ['link', 'add', tapName(port.id), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', vm]);
    await batch(vm, ['link set lo up', `link set eth0 address ${port.mac_address} mtu ${net.net.mtu} up`, `addr add ${fixedIp}/${len} dev eth0`, `route add default via ${net.subnet.gateway_ip}`]);
    await until(`port ${port.id} ACTIVE`, async () => (await req('GET', `/v2.0/ports/${port.id}`)).body.port.status === 'ACTIVE');
    return { port, vm, ip: fixedIp };
  }

  async function cleanupKernel(): Promise<void> {
    for (const c of children) if (c.pid && c.exitCode === null) c.kill('SIGKILL');
    // router namespaces of the network host first (named after it), then the rest
    for (const ns of listNamespaces(`${HOSTS[NET_HOST]}.`)) await run('ip', ['netns', 'delete', ns], { allowFailure: true });
    for (const ns of [...vms, ...HOSTS, UNDERLAY, INTERNET]) await run('ip', ['netns', 'delete', ns], { allowFailure: true });
  }

  before(async () => {
    await cleanupKernel();
    s = await startTestServer('sqlite', {
      config: {
        ml2: { type_drivers: 'local,flat,vxlan', tenant_network_types: 'vxlan', mechanism_drivers: 'linuxbridge,l2population' },
        ml2_type_vxlan: { vni_ranges: '1000:1099' },
        ml2_type_flat: { flat_networks: 'public' },
      },
    });
    await ip(null, ['netns', 'add', UNDERLAY]);
    await ip(null, ['netns', 'add', INTERNET]);
    for (const h of HOSTS) await ip(null, ['netns', 'add', h]);
    const u = [`link add ${P}ub type bridge`, `link set ${P}ub up`, `link add ${P}eb type bridge`, `link set ${P}eb up`];
    for (let i = 0; i < HOSTS.length; i++) u.push(`link add ${P}u${i} type veth peer name ${TUN_IF} netns ${HOSTS[i]}`, `link set ${P}u${i} master ${P}ub up`);
    u.push(`link add ${P}q0 type veth peer name ${PUB_IF} netns ${HOSTS[NET_HOST]}`, `link set ${P}q0 master ${P}eb up`);
    u.push(`link add ${P}x0 type veth peer name eth0 netns ${INTERNET}`, `link set ${P}x0 master ${P}eb up`);
    await batch(UNDERLAY, u);
    for (let i = 0; i < HOSTS.length; i++)
      await batch(HOSTS[i], ['link set lo up', `addr add ${tunnelIp(i)}/24 dev ${TUN_IF}`, `link set ${TUN_IF} up`, ...(i === NET_HOST ? [`link set ${PUB_IF} up`] : [])]);
    await batch(INTERNET, ['link set lo up', 'link set eth0 up', `addr add ${EXT_GW}/24 dev eth0`, `addr add ${INTERNET_HOST}/32 dev lo`]);
    await watchSources(INTERNET);
    for (let i = 0; i < HOSTS.length; i++) await startL2(i);
    await startL3();
    ctl = new RouterControl(s);
  });

  after(async () => {
    await l3?.stop().catch(() => undefined);
    for (const a of l2) await a?.stop().catch(() => undefined);
    await ctl?.close().catch(() => undefined);
    await s?.close().catch(() => undefined);
    await cleanupKernel();
    rmSync(workDir, { recursive: true, force: true });
  });

  let ext: { net: Obj; subnet: Obj };
  let vx1: { net: Obj; subnet: Obj };
  let vx2: { net: Obj; subnet: Obj };
  let routerId: string;
  let gwIp: string;
  let ns: string;
  const inst: Record<string, { port: Obj; vm: string; ip: string }> = {};

  it('builds the qrouter namespace: qg- with the gateway address and default route, qr- per subnet, forwarding on', async () => {
    ext = await network('public', EXT_CIDR, { 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'public' }, { gateway_ip: EXT_GW });
    vx1 = await network('vx1', '10.1.0.0/24');
    vx2 = await network('vx2', '10.2.0.0/24');
    const r = await ctl.createRouter('r1', ext);
    routerId = r.id;
    gwIp = r.gatewayIp;
    await ctl.addInterface(routerId, vx1);
    await ctl.addInterface(routerId, vx2);
    ns = serviceNamespace('qrouter', routerId, HOSTS[NET_HOST]);
    await until('router gateway answers from the internet', () => ping(INTERNET, gwIp, 1));
    const links = await listLinks(ns);
    const qg = [...links.keys()].find((n) => n.startsWith('qg-'));
    const qrs = [...links.keys()].filter((n) => n.startsWith('qr-'));
    assert.ok(qg, 'a qg- device');
    assert.equal(qrs.length, 2, 'two qr- devices');
    const addrs = (await run('ip', ['-json', 'addr', 'show'], { netns: ns })).stdout;
    assert.match(addrs, new RegExp(`"${gwIp.replace(/\./g, '\\.')}","prefixlen":24`));
    assert.match(addrs, /"10\.1\.0\.1","prefixlen":24/);
    assert.match(addrs, /"10\.2\.0\.1","prefixlen":24/);
    const routes = (await run('ip', ['route', 'show', 'default'], { netns: ns })).stdout;
    assert.match(routes, new RegExp(`default via ${EXT_GW} dev ${qg}`));
    assert.equal((await run('sysctl', ['-n', 'net.ipv4.ip_forward'], { netns: ns })).stdout.trim(), '1');
    // the taps of the router ports are wired into the networks' bridges by the L2 agent
    for (const q of [qg!, ...qrs]) {
      const tap = `tap${q.slice(3)}`;
      await until(`${tap} in a bridge`, async () => !!(await listLinks(HOSTS[NET_HOST])).get(tap)?.master);
    }
  });

  it('instances on different hosts and subnets route to each other through the router (no NAT between them)', async () => {
    inst.a = await instance(1, vx1, '10.1.0.10');
    inst.b = await instance(2, vx2, '10.2.0.20');
    inst.c = await instance(2, vx1, '10.1.0.30');
    await watchSources(inst.b.vm);
    assert.ok(await ping(inst.a.vm, inst.b.ip), 'a (host 2, vx1) → b (host 3, vx2)');
    assert.deepEqual(await sourcesSeen(inst.b.vm), [inst.a.ip], "b sees a's own address");
  });

  it('an IPv6 subnet on the router: its own qr- with the address (no DAD wait), forwarding on, an instance reaches it', async () => {
    const sn = await req('POST', '/v2.0/subnets', { subnet: { network_id: vx1.net.id, cidr: 'fd00:1::/64', ip_version: 6, enable_dhcp: false } });
    assert.equal(sn.status, 201, JSON.stringify(sn.body));
    await ctl.addInterface(routerId, { net: vx1.net, subnet: sn.body.subnet });
    await until('the IPv6 address in the namespace', async () => /fd00:1::1\/64/.test((await run('ip', ['-6', '-br', 'addr'], { netns: ns })).stdout));
    assert.equal((await run('sysctl', ['-n', 'net.ipv6.conf.all.forwarding'], { netns: ns })).stdout.trim(), '1');
    await batch(inst.a.vm, ['addr add fd00:1::10/64 dev eth0 nodad']);
    await until('a reaches the router over IPv6', () => ping(inst.a.vm, 'fd00:1::1', 1));
  });

  it('extra routes (router routes) go into the namespace and out again', async () => {
    const put = await req('PUT', `/v2.0/routers/${routerId}`, { router: { routes: [{ destination: '198.18.5.0/24', nexthop: inst.c.ip }] } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await until('extra route in the namespace', async () => /198\.18\.5\.0\/24 via 10\.1\.0\.30 dev qr-\S+ proto static/.test((await run('ip', ['route', 'show'], { netns: ns })).stdout));
    assert.equal((await req('PUT', `/v2.0/routers/${routerId}`, { router: { routes: [] } })).status, 200);
    await until('extra route gone', async () => !(await run('ip', ['route', 'show'], { netns: ns })).stdout.includes('198.18.5.0'));
    assert.match((await run('ip', ['route', 'show', 'default'], { netns: ns })).stdout, new RegExp(`default via ${EXT_GW}`), 'the default route stays');
  });

  it('SNAT: an instance reaches the internet, which sees the gateway address', async () => {
    await forgetSources(INTERNET);
    assert.ok(await ping(inst.a.vm, INTERNET_HOST), 'a → internet');
    assert.deepEqual(await sourcesSeen(INTERNET), [gwIp]);
  });

  let fip: { id: string; address: string };
  it('a floating IP lets the internet in (the instance sees the real source) and out as itself; not after disassociation', async () => {
    const garp = await gratuitousArps(INTERNET);
    fip = await ctl.associate(null, inst.b);
    await until('floating IP answers from the internet', () => ping(INTERNET, fip.address, 1));
    await until('a gratuitous ARP for the floating IP reached the internet', async () => garp.seen().includes(fip.address), 5000).catch((e) => {
      throw new Error(`${e.message}: ${garp.raw()}`);
    });
    garp.stop();
    await forgetSources(inst.b.vm);
    assert.ok(await ping(INTERNET, fip.address));
    assert.deepEqual(await sourcesSeen(inst.b.vm), [EXT_GW], 'DNAT only: b sees the internet address');
    await forgetSources(INTERNET);
    assert.ok(await ping(inst.b.vm, INTERNET_HOST));
    assert.deepEqual(await sourcesSeen(INTERNET), [fip.address], 'b goes out as its floating IP');
    assert.ok(!(await ping(INTERNET, inst.b.ip, 1)), 'the fixed address is not reachable from outside');
    await until('floating IP ACTIVE', async () => (await ctl.fipStatus(fip.id)) === 'ACTIVE');
    await ctl.disassociate(fip.id);
    await until('floating IP no longer answers', async () => !(await ping(INTERNET, fip.address, 1)));
    await until('floating IP DOWN', async () => (await ctl.fipStatus(fip.id)) === 'DOWN');
    await forgetSources(INTERNET);
    assert.ok(await ping(inst.b.vm, INTERNET_HOST));
    assert.deepEqual(await sourcesSeen(INTERNET), [gwIp], 'b goes out by SNAT again');
  });

  it('associating and then moving a floating IP takes effect within a second, for a flow already going too', async (t) => {
    await watchSources(inst.a.vm);
    await watchSources(inst.c.vm);
    await forgetSources(inst.c.vm);
    // one ping process = one ICMP flow. Sent while the floating IP is nobody's, it is tracked
    // un-NATed; then DNATed to a. Only deleting those conntrack entries when the floating IP is
    // associated and when it moves lets the same flow reach a, then c.
    const flow = spawn('ip', ['netns', 'exec', INTERNET, 'ping', '-n', '-q', '-i', '0.02', '-w', '15', fip.address], { stdio: 'ignore' });
    children.push(flow);
    try {
      await sleep(300);
      await ctl.associate(fip.id, inst.a);
      await until('the running flow reaches a once associated', async () => (await sourcesSeen(inst.a.vm)).includes(EXT_GW), 3000);
      const t0 = performance.now();
      await ctl.associate(fip.id, inst.c);
      await until('the running flow reaches c', async () => (await sourcesSeen(inst.c.vm)).includes(EXT_GW), 5000);
      const ms = performance.now() - t0;
      t.diagnostic(`floating IP moved (API PUT) and the running flow answered by the new instance in ${ms.toFixed(0)} ms`);
      assert.ok(ms < 1000, `moved within a second (${ms.toFixed(0)} ms)`);
      assert.equal(await ctl.fipStatus(fip.id), 'ACTIVE', 'reported ACTIVE once the rules were in');
    } finally {
      flow.kill('SIGKILL');
    }
  });

  it("hairpin: an instance reaches another instance's floating IP from the same network", async () => {
    // the floating IP is on c (vx1); a is on vx1 too
    await forgetSources(inst.c.vm);
    assert.ok(await ping(inst.a.vm, fip.address), 'a → floating IP of c');
    assert.deepEqual(await sourcesSeen(inst.c.vm), ['10.1.0.1'], "c sees the router's address on vx1, so its answer goes back through the router");
  });

  it('an agent restart recreates nothing and keeps a TCP connection through the floating IP', async () => {
    const session = await tcpSession(inst.c.vm, inst.c.ip, INTERNET, fip.address, 5001);
    await until('echoes through the floating IP', async () => session.echoes() >= 3);
    const nsIno = statSync(`/run/netns/${ns}`).ino;
    const inside = await listLinks(ns);
    const onHost = await listLinks(HOSTS[NET_HOST]);
    const nftBefore = (await run('nft', ['list', 'table', 'ip', 'neutrino-nat'], { netns: ns })).stdout;
    // a namespace of a router that no longer exists, left by an earlier process
    const stale = serviceNamespace('qrouter', 'deadbeef-0000-4000-8000-00000000dead', HOSTS[NET_HOST]);
    await ip(null, ['netns', 'add', stale]);
    await l3!.stop();
    l3 = null;
    await startL3();
    await l3!.idle();
    assert.equal(statSync(`/run/netns/${ns}`).ino, nsIno, 'same namespace');
    const insideAfter = await listLinks(ns);
    for (const [name, l] of inside) assert.equal(insideAfter.get(name)?.ifindex, l.ifindex, `${name} kept its ifindex`);
    const hostAfter = await listLinks(HOSTS[NET_HOST]);
    for (const [name, l] of onHost) if (name.startsWith('tap')) assert.equal(hostAfter.get(name)?.ifindex, l.ifindex, `${name} kept its ifindex`);
    assert.equal((await run('nft', ['list', 'table', 'ip', 'neutrino-nat'], { netns: ns })).stdout, nftBefore, 'same NAT table');
    assert.equal(namespaceExists(stale), false, 'stale router namespace removed');
    const n = session.echoes();
    await until('echoes still flow after the restart', async () => session.echoes() >= n + 5);
    assert.equal(session.closed(), false);
    session.stop();
  });

  it('a floating IP released while the agent was away: the next agent ends its flows (read back from the old table)', async () => {
    const session = await tcpSession(inst.c.vm, inst.c.ip, INTERNET, fip.address, 5002);
    await until('echoes through the floating IP', async () => session.echoes() >= 3);
    await l3!.stop();
    l3 = null;
    await ctl.disassociate(fip.id);
    await startL3();
    await l3!.idle();
    await until('floating address gone from qg-', async () => !(await run('ip', ['-br', 'addr'], { netns: ns })).stdout.includes(`${fip.address}/32`));
    await sleep(300);
    const n = session.echoes();
    await sleep(1500);
    assert.ok(session.echoes() - n <= 1, `the flow through the released floating IP ended (${session.echoes() - n} echoes after)`);
    session.stop();
    await ctl.associate(fip.id, inst.c);
    await until('floating IP answers again', () => ping(INTERNET, fip.address, 1));
  });

  it('an administratively down router is taken away; up again it comes back', async () => {
    await ctl.setAdminState(routerId, false);
    await until('namespace removed', async () => !namespaceExists(ns));
    assert.ok(!(await ping(INTERNET, gwIp, 1)));
    await ctl.setAdminState(routerId, true);
    await until('router back', () => ping(INTERNET, gwIp, 1));
    await until('floating IP back', () => ping(INTERNET, fip.address, 1));
  });

  it('a deleted router takes its namespace and devices with it', async () => {
    const devs = [...(await listLinks(ns)).keys()].filter((n) => /^q[rg]-/.test(n)).map((n) => `tap${n.slice(3)}`);
    await ctl.deleteRouter(routerId);
    await until('namespace removed', async () => !namespaceExists(ns));
    const host = await listLinks(HOSTS[NET_HOST]);
    for (const d of devs) assert.equal(host.has(d), false, `${d} gone`);
    void servicePortDevice;
  });
});
