// Instance metadata on the real kernel, end to end: real curl inside instance namespaces →
// 169.254.169.254 → haproxy in the qrouter (nft redirect) or qdhcp namespace → the metadata
// agent's unix socket → RPC to the server for the port → the server's metadata service with a
// signed instance id. One host namespace carries the Linux bridge, L3, DHCP and metadata
// agents (in-process, on the server's bus); instances are namespaces with their tap there.
// Proves: an instance behind a router reads its own meta_data.json, network_data.json, user
// data, EC2 keys; an instance on an isolated network gets the host route by DHCP and reads its
// own through the DHCP namespace; two projects with the same CIDR and address each see only
// their own; a forged source is dropped by anti-spoofing (the real nftables firewall), and
// without port security an address that is no port's gets 404; X-Forwarded-For and router headers an
// instance sends are not believed; a bad signature is refused by the service; the metadata
// and L3 agents restart without the proxies restarting. Every name starts with this run's
// prefix; haproxy and dnsmasq are stopped by pid file, namespaces by name, even on failure.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { DhcpAgent } from '../../src/agents/dhcp/dhcp-agent.js';
import { L2Agent } from '../../src/agents/l2/l2-agent.js';
import { L3Agent } from '../../src/agents/l3/l3-agent.js';
import { LinuxBridgeDataplane } from '../../src/agents/linuxbridge/linuxbridge-dataplane.js';
import { MetadataAgent } from '../../src/agents/metadata/metadata-agent.js';
import { MetadataProxies } from '../../src/agents/metadata-proxy/metadata-proxies.js';
import { PROXY_USER } from '../../src/agents/metadata-proxy/proxy-user.js';
import { type MetadataService, startMetadataService } from '../../src/api/metadata-server.js';
import { NetworkApi } from '../../src/compute/api-client.js';
import { removeResolvConf } from '../../src/compute/dhcp-client.js';
import { InstanceStore } from '../../src/compute/instance-store.js';
import { bootInstance, deleteInstance } from '../../src/compute/instances.js';
import { CONFIG_DRIVE_IN_INSTANCE, configDriveHostPath } from '../../src/compute/config-drive.js';
import { Config } from '../../src/config/config.js';
import { serviceNamespace, tapName } from '../../src/contract/device-names.js';
import { signInstanceId } from '../../src/contract/metadata.js';
import { stopDnsmasq } from '../../src/linux/dnsmasq.js';
import { run } from '../../src/linux/exec.js';
import { stopHaproxy } from '../../src/linux/haproxy.js';
import { listNamespaces } from '../../src/linux/netns.js';
import { processArgv, readPidFile } from '../../src/linux/process.js';
import { asAdmin, startTestServer, type TestServer } from '../helpers/server.js';
import { until as untilWithin } from '../helpers/until.js';

const until = <T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000) => untilWithin(what, probe, timeoutMs);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const log = pino({ level: process.env.NEUTRINO_TEST_LOG ?? 'silent' });
const P = `md${String(process.pid % 10000).padStart(4, '0')}`;
const HOST_NS = `${P}h`;
const HOST = `${P}-host`;
const TUN_IF = `${P}t`;
const TUNNEL_IP = `192.168.${160 + (process.pid % 40)}.1`;
const SECRET = `secret-${randomUUID()}`;
const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIr998vu+ZfFw5Qe8bKnNamiOEbVs5CWhtQ1z3AmXr+A a@test';
const KEY_B = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHpbJ3vJ2sHq3fmBYKfOZ0Y5MErwCBkGMuiCXmb1bb0Q b@test';
const vms: string[] = [];

const ip = (netns: string | null, args: string[]) => run('ip', args, { netns });
const batch = (netns: string | null, lines: string[]) => run('ip', ['-batch', '-'], { netns, input: `${lines.join('\n')}\n` });

/** GET with curl inside the instance; extra curl arguments (headers, --interface) before the URL. */
async function curl(vm: string, path: string, extra: string[] = []): Promise<{ status: number; body: string }> {
  const r = await run('curl', ['-sS', '-m', '5', ...extra, '-w', '\n%{http_code}', `http://169.254.169.254${path}`], { netns: vm, allowFailure: true, timeoutMs: 10_000 });
  if (r.code !== 0) return { status: 0, body: r.stderr };
  const i = r.stdout.lastIndexOf('\n');
  return { status: Number(r.stdout.slice(i + 1)), body: r.stdout.slice(0, i) };
}

describe('instance metadata on the kernel', () => {
  let s: TestServer;
  let svc: MetadataService;
  let l2: L2Agent | null = null;
  let l3: L3Agent | null = null;
  let dhcp: DhcpAgent | null = null;
  let md: MetadataAgent | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-metadata-'));
  const socket = join(dir, 'metadata_proxy');
  const proxyDir = join(dir, 'metadata-proxy');

  const proxies = (kind: 'router' | 'network') => new MetadataProxies({ kind, dir: proxyDir, socket, user: PROXY_USER, log });
  const routerPidFile = (id: string) => join(proxyDir, `router-${id}.pid`);
  const networkPidFile = (id: string) => join(proxyDir, `network-${id}.pid`);
  let isolatedNetwork = '';
  const startL3 = async () => {
    l3 = new L3Agent({ bus: s.bus, log, host: HOST, hostNamespace: HOST_NS, reportInterval: 0, metadataProxies: proxies('router') });
    await l3.start();
  };
  const startMetadataAgent = async () => {
    md = new MetadataAgent({
      bus: s.bus,
      log,
      host: HOST,
      reportInterval: 0,
      socket,
      proxyGroup: PROXY_USER.group,
      serviceHost: '127.0.0.1',
      servicePort: Number(new URL(svc.url).port),
      secret: SECRET,
    });
    await md.start();
  };

  async function cleanupKernel(): Promise<void> {
    try {
      for (const f of readdirSync(proxyDir)) if (f.endsWith('.conf')) await stopHaproxy(join(proxyDir, f.replace(/\.conf$/, '.pid')), join(proxyDir, f));
    } catch {
      // none started
    }
    try {
      for (const n of readdirSync(join(dir, 'dhcp'))) await stopDnsmasq(join(dir, 'dhcp', n, 'pid'));
    } catch {
      // none started
    }
    for (const ns of listNamespaces(P)) {
      removeResolvConf(ns);
      await run('ip', ['netns', 'delete', ns], { allowFailure: true });
    }
  }

  before(async () => {
    await cleanupKernel();
    // haproxy drops to nobody: the socket's directory must be open to it (mkdtemp makes 0700)
    chmodSync(dir, 0o755);
    s = await startTestServer('sqlite', {
      listen: true,
      config: {
        DEFAULT: { service_plugins: 'router,metadata', metadata_proxy_shared_secret: SECRET },
        ml2: { type_drivers: 'local,flat,vxlan', tenant_network_types: 'vxlan', mechanism_drivers: 'linuxbridge,l2population' },
        ml2_type_vxlan: { vni_ranges: '1200:1299' },
      },
    });
    const source = s.api.plugins.find((p) => p.metadata)?.metadata;
    assert.ok(source, 'the metadata plugin is loaded');
    svc = await startMetadataService({ host: '127.0.0.1', port: 0, secret: SECRET, source, log });
    await ip(null, ['netns', 'add', HOST_NS]);
    await batch(HOST_NS, ['link set lo up', `link add ${TUN_IF} type veth peer name ${TUN_IF}p`, `addr add ${TUNNEL_IP}/24 dev ${TUN_IF}`, `link set ${TUN_IF}p up`, `link set ${TUN_IF} up`]);
    const config = Config.load([], { agent: { host_namespace: HOST_NS }, vxlan: { enable_vxlan: 'true', local_ip: TUNNEL_IP, l2_population: 'true' } });
    // the real port firewall (nftables): anti-spoofing is part of what keeps instances apart
    const dp = await LinuxBridgeDataplane.fromConfig(config, log, { supported: false, reason: 'test' });
    l2 = new L2Agent({ bus: s.bus, log, host: HOST, reportInterval: 0, dataplane: dp });
    await l2.start();
    await startL3();
    dhcp = new DhcpAgent({
      bus: s.bus,
      log,
      host: HOST,
      hostNamespace: HOST_NS,
      reportInterval: 0,
      dhcpDir: join(dir, 'dhcp'),
      leaseDuration: 86400,
      leaseMax: 256,
      dnsServers: [],
      domain: 'openstacklocal',
      dnsmasqUser: null,
      metadata: { proxies: proxies('network'), force: false },
    });
    await dhcp.core.start();
    await startMetadataAgent();
  });

  after(async () => {
    await md?.stop().catch(() => undefined);
    await dhcp?.core.stop().catch(() => undefined);
    await l3?.stop().catch(() => undefined);
    await l2?.stop().catch(() => undefined);
    await svc?.close().catch(() => undefined);
    await s?.close().catch(() => undefined);
    await cleanupKernel();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A project's network, subnet and router with an interface on it. */
  async function routedNetwork(project: string, cidr: string): Promise<{ net: Obj; subnet: Obj; router: Obj }> {
    const h = asAdmin(project);
    const n = await s.req('POST', '/v2.0/networks', { network: { name: `${project}-net` } }, h);
    assert.equal(n.status, 201, JSON.stringify(n.body));
    const sn = await s.req('POST', '/v2.0/subnets', { subnet: { network_id: n.body.network.id, cidr, ip_version: 4, enable_dhcp: false, dns_nameservers: ['192.0.2.53'] } }, h);
    assert.equal(sn.status, 201, JSON.stringify(sn.body));
    const r = await s.req('POST', '/v2.0/routers', { router: { name: `${project}-router` } }, h);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const i = await s.req('PUT', `/v2.0/routers/${r.body.router.id}/add_router_interface`, { subnet_id: sn.body.subnet.id }, h);
    assert.equal(i.status, 200, JSON.stringify(i.body));
    return { net: n.body.network, subnet: sn.body.subnet, router: r.body.router };
  }

  /** An instance of `project`: its port (device_id = a new instance id), its record on the server, a namespace with a static address. */
  async function instance(project: string, net: { net: Obj; subnet: Obj }, fixedIp: string, record: Obj, portSecurity = true): Promise<{ id: string; vm: string; port: Obj }> {
    const h = asAdmin(project);
    const id = randomUUID();
    const r = await s.req(
      'POST',
      '/v2.0/ports',
      {
        port: {
          network_id: net.net.id,
          'binding:host_id': HOST,
          device_owner: 'compute:nova',
          device_id: id,
          fixed_ips: [{ subnet_id: net.subnet.id, ip_address: fixedIp }],
          ...(portSecurity ? {} : { port_security_enabled: false, security_groups: [] }),
        },
      },
      h,
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const port = r.body.port;
    const rec = await s.req('POST', '/neutrino/v1/instances', { instance: { id, ...record } }, h);
    assert.equal(rec.status, 201, JSON.stringify(rec.body));
    const vm = `${P}v${vms.length}`;
    vms.push(vm);
    await ip(null, ['netns', 'add', vm]);
    await ip(HOST_NS, ['link', 'add', tapName(port.id), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', vm]);
    await batch(vm, ['link set lo up', `link set eth0 address ${port.mac_address} mtu ${net.net.mtu} up`, `addr add ${fixedIp}/24 dev eth0`, `route add default via ${net.subnet.gateway_ip}`]);
    await until(`port ${port.id} ACTIVE`, async () => (await s.req('GET', `/v2.0/ports/${port.id}`, undefined, h)).body.port.status === 'ACTIVE');
    return { id, vm, port };
  }

  let a: { net: Obj; subnet: Obj; router: Obj };
  let b: { net: Obj; subnet: Obj; router: Obj };
  let vmA: { id: string; vm: string; port: Obj };
  let vmB: { id: string; vm: string; port: Obj };
  let vmA2: { id: string; vm: string; port: Obj };
  const userData = '#cloud-config\nhostname: from-user-data\n';

  it('an instance behind a router reads its own meta_data.json, network_data.json, user data and EC2 keys', async () => {
    a = await routedNetwork('proj-a', '10.50.0.0/24');
    vmA = await instance('proj-a', a, '10.50.0.10', {
      name: 'alpha',
      public_keys: { ka: KEY_A },
      meta: { role: 'web' },
      user_data: Buffer.from(userData).toString('base64'),
    });
    const ns = serviceNamespace('qrouter', a.router.id, HOST_NS);
    // the proxy runs in the router's namespace, as nobody, found by its pid file
    const pid = await until('the router proxy', async () => readPidFile(routerPidFile(a.router.id)));
    assert.match((await run('ip', ['netns', 'identify', String(pid)])).stdout, new RegExp(ns.replace(/\./g, '\\.')));
    assert.match((await run('ps', ['-o', 'user=', '-p', String(pid)])).stdout, /nobody/);

    const meta = await until('meta_data.json through the router', async () => {
      const r = await curl(vmA.vm, '/openstack/latest/meta_data.json');
      return r.status === 200 ? (JSON.parse(r.body) as Obj) : null;
    });
    assert.equal(meta.uuid, vmA.id);
    assert.equal(meta.name, 'alpha');
    assert.equal(meta.hostname, 'alpha');
    assert.equal(meta.project_id, 'proj-a');
    assert.deepEqual(meta.public_keys, { ka: KEY_A });
    assert.deepEqual(meta.meta, { role: 'web' });

    const nd = JSON.parse((await curl(vmA.vm, '/openstack/latest/network_data.json')).body) as Obj;
    assert.equal(nd.links[0].ethernet_mac_address, vmA.port.mac_address);
    assert.equal(nd.links[0].vif_id, vmA.port.id);
    assert.equal(nd.networks[0].ip_address, '10.50.0.10');
    assert.equal(nd.networks[0].netmask, '255.255.255.0');
    assert.equal(nd.networks[0].type, 'ipv4');
    assert.deepEqual(nd.networks[0].routes, [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '10.50.0.1' }]);
    assert.deepEqual(nd.services, [{ type: 'dns', address: '192.0.2.53' }]);

    assert.deepEqual(await curl(vmA.vm, '/openstack/latest/user_data'), { status: 200, body: userData });
    assert.deepEqual(await curl(vmA.vm, '/latest/user-data'), { status: 200, body: userData });
    assert.deepEqual(await curl(vmA.vm, '/latest/meta-data/instance-id'), { status: 200, body: vmA.id });
    assert.deepEqual(await curl(vmA.vm, '/latest/meta-data/local-ipv4'), { status: 200, body: '10.50.0.10' });
    assert.deepEqual(await curl(vmA.vm, '/latest/meta-data/public-keys/'), { status: 200, body: '0=ka' });
    assert.deepEqual(await curl(vmA.vm, '/latest/meta-data/public-keys/0/openssh-key'), { status: 200, body: KEY_A });
    assert.match((await curl(vmA.vm, '/')).body, /^1\.0$.*^latest$/ms);
    assert.match((await curl(vmA.vm, '/openstack')).body, /^2015-10-15$.*^latest$/ms);
  });

  it('two projects with the same CIDR and address each see only their own instance', async () => {
    b = await routedNetwork('proj-b', '10.50.0.0/24');
    vmB = await instance('proj-b', b, '10.50.0.10', { name: 'beta', public_keys: { kb: KEY_B } });
    const metaB = await until('meta_data.json of beta', async () => {
      const r = await curl(vmB.vm, '/openstack/latest/meta_data.json');
      return r.status === 200 ? (JSON.parse(r.body) as Obj) : null;
    });
    assert.equal(metaB.uuid, vmB.id);
    assert.equal(metaB.project_id, 'proj-b');
    assert.deepEqual(metaB.public_keys, { kb: KEY_B });
    assert.equal((await curl(vmB.vm, '/latest/user-data')).status, 404, 'beta has no user data (and never alpha’s)');
    assert.deepEqual(await curl(vmA.vm, '/latest/meta-data/instance-id'), { status: 200, body: vmA.id }, 'alpha still sees alpha');
  });

  it('headers an instance sends are not believed: a forged X-Forwarded-For, router id or instance id still gives its own data', async () => {
    vmA2 = await instance('proj-a', a, '10.50.0.11', { name: 'alpha-two' });
    const forged = ['-H', 'X-Forwarded-For: 10.50.0.10', '-H', `X-Neutron-Router-ID: ${b.router.id}`, '-H', `X-Instance-ID: ${vmB.id}`, '-H', `X-Tenant-ID: proj-b`];
    const r = await until('alpha-two answered', async () => {
      const x = await curl(vmA2.vm, '/latest/meta-data/instance-id', forged);
      return x.status === 200 ? x : null;
    });
    assert.equal(r.body, vmA2.id);
  });

  it('a forged source address is dropped by anti-spoofing before it reaches the proxy', async () => {
    await ip(vmA.vm, ['addr', 'add', '10.50.0.99/24', 'dev', 'eth0']);
    const r = await curl(vmA.vm, '/openstack/latest/meta_data.json', ['--interface', '10.50.0.99', '-m', '2']);
    assert.equal(r.status, 0, `no answer at all: ${r.body}`);
    assert.match(r.body, /timed out/i);
    assert.deepEqual(await curl(vmA.vm, '/latest/meta-data/instance-id'), { status: 200, body: vmA.id }, 'its own address still works');
  });

  it('without port security, an address that is no port’s reaches the proxy and gets 404, never anyone’s data', async () => {
    const open = await instance('proj-a', a, '10.50.0.12', { name: 'open' }, false);
    await until('the open instance answered', async () => (await curl(open.vm, '/latest/meta-data/instance-id')).body === open.id);
    await ip(open.vm, ['addr', 'add', '10.50.0.98/24', 'dev', 'eth0']);
    const r = await curl(open.vm, '/openstack/latest/meta_data.json', ['--interface', '10.50.0.98']);
    assert.equal(r.status, 404, r.body);
    assert.doesNotMatch(r.body, /uuid/);
  });

  it('the metadata service refuses a bad signature and answers the right one', async () => {
    const h = { 'x-instance-id': vmA.id, 'x-tenant-id': 'proj-a' };
    const bad = await fetch(`${svc.url}/openstack/latest/meta_data.json`, { headers: { ...h, 'x-instance-id-signature': signInstanceId('not-the-secret', vmA.id) } });
    assert.equal(bad.status, 403);
    const good = await fetch(`${svc.url}/openstack/latest/meta_data.json`, { headers: { ...h, 'x-instance-id-signature': signInstanceId(SECRET, vmA.id) } });
    assert.equal(good.status, 200);
    assert.equal(((await good.json()) as Obj).uuid, vmA.id);
    // the right signature for the wrong project: the instance is not that project's
    const other = await fetch(`${svc.url}/latest/meta-data/instance-id`, { headers: { ...h, 'x-tenant-id': 'proj-b', 'x-instance-id-signature': signInstanceId(SECRET, vmA.id) } });
    assert.equal(other.status, 404);
  });

  it('an instance on an isolated network gets the 169.254.169.254 route by DHCP and its metadata through the qdhcp namespace; its config drive says the same', async () => {
    const api = new NetworkApi({ url: s.url! });
    const store = new InstanceStore(join(dir, 'compute'));
    store.writeSettings({ netns_prefix: `${P}c-` });
    const n = (await api.post('/networks', { network: { name: `${P}-iso` } })).network as Obj;
    await api.post('/subnets', { subnet: { network_id: n.id, cidr: '10.60.0.0/24', ip_version: 4, enable_dhcp: true } });
    const keyFile = join(dir, 'key.pub');
    writeFileSync(keyFile, `${KEY_A}\n`);
    await api.neutrino('POST', '/keypairs', { keypair: { name: 'mykey', public_key: KEY_A } });
    const boot = await bootInstance(api, store, {
      name: 'iso1',
      network: n.id,
      host: HOST,
      metadata: { userData: Buffer.from('iso user data'), keyName: 'mykey', properties: { tier: 'db' }, configDrive: true },
    });
    const vm = boot.instance.netns;
    const dhcpPortIp = ((await api.get(`/ports?network_id=${n.id}&device_owner=network:dhcp`)).ports as Obj[])[0].fixed_ips[0].ip_address;
    const routes = (await run('ip', ['route', 'show', '169.254.169.254'], { netns: vm })).stdout;
    assert.match(routes, new RegExp(`^169\\.254\\.169\\.254 via ${dhcpPortIp.replace(/\./g, '\\.')} dev eth0`, 'm'));
    const meta = await until('meta_data.json through the DHCP namespace', async () => {
      const r = await curl(vm, '/openstack/latest/meta_data.json');
      return r.status === 200 ? (JSON.parse(r.body) as Obj) : null;
    });
    assert.equal(meta.uuid, boot.instance.id);
    assert.equal(meta.name, 'iso1');
    assert.deepEqual(meta.public_keys, { mykey: KEY_A });
    assert.deepEqual(meta.meta, { tier: 'db' });
    assert.deepEqual(await curl(vm, '/openstack/latest/user_data'), { status: 200, body: 'iso user data' });
    const nd = JSON.parse((await curl(vm, '/openstack/latest/network_data.json')).body) as Obj;
    assert.equal(nd.networks[0].ip_address, boot.instance.fixed_ips[0].ip_address);
    assert.equal(nd.networks[0].type, 'ipv4_dhcp');
    // the instance finds its config drive at the fixed path, and it holds what the service answers, byte for byte
    assert.equal(boot.instance.config_drive, configDriveHostPath(vm), 'the drive is kept in the instance’s /etc/netns overlay');
    const inside = async (f: string) => {
      const r = await run('cat', [`${CONFIG_DRIVE_IN_INSTANCE}/${f}`], { netns: vm, allowFailure: true });
      assert.equal(r.code, 0, `cat ${CONFIG_DRIVE_IN_INSTANCE}/${f} inside the instance: ${r.stderr}`);
      return r.stdout;
    };
    for (const f of ['meta_data.json', 'network_data.json', 'user_data', 'vendor_data.json']) {
      const served = await curl(vm, `/openstack/latest/${f}`);
      assert.equal(served.status, 200, `served openstack/latest/${f}`);
      assert.equal(await inside(`openstack/latest/${f}`), served.body, `config drive openstack/latest/${f}`);
    }
    const ec2 = JSON.parse(await inside('ec2/latest/meta-data.json')) as Obj;
    assert.equal(ec2['instance-id'], (await curl(vm, '/latest/meta-data/instance-id')).body);
    assert.equal(ec2['local-ipv4'], (await curl(vm, '/latest/meta-data/local-ipv4')).body);
    assert.equal(ec2['public-keys']['0']['openssh-key'], (await curl(vm, '/latest/meta-data/public-keys/0/openssh-key')).body);
    assert.equal(await inside('ec2/latest/user-data'), (await curl(vm, '/latest/user-data')).body);
    // outside the instance the mount point is empty: the drive is the instance's alone
    assert.deepEqual(readdirSync(CONFIG_DRIVE_IN_INSTANCE), [], `${CONFIG_DRIVE_IN_INSTANCE} on the host is an empty mount point`);
    // the proxy of the network is a haproxy in its qdhcp namespace
    isolatedNetwork = n.id;
    const pid = readPidFile(networkPidFile(n.id));
    assert.ok(pid, 'a proxy for the isolated network');
    assert.match((await run('ip', ['netns', 'identify', String(pid)])).stdout, new RegExp(`qdhcp-${n.id}`));
  });

  it('a config drive goes with its instance', async () => {
    const api = new NetworkApi({ url: s.url! });
    const store = new InstanceStore(join(dir, 'compute'));
    const n = (await api.get(`/networks?name=${P}-iso`)).networks[0] as Obj;
    const boot = await bootInstance(api, store, { name: 'iso2', network: n.id, host: HOST, metadata: { configDrive: true } });
    const vm = boot.instance.netns;
    const uuid = JSON.parse((await run('cat', [`${CONFIG_DRIVE_IN_INSTANCE}/openstack/latest/meta_data.json`], { netns: vm })).stdout).uuid;
    assert.equal(uuid, boot.instance.id);
    await deleteInstance(api, store, 'iso2');
    assert.equal(existsSync(configDriveHostPath(vm)), false, 'the drive is removed with the instance');
    assert.equal(existsSync(`/etc/netns/${vm}`), false);
  });

  it('Flat-mode injection: without DHCP, an instance booted with a config drive takes its address, routes and DNS from network_data.json', async () => {
    const api = new NetworkApi({ url: s.url! });
    const store = new InstanceStore(join(dir, 'compute'));
    const boot = await bootInstance(api, store, { name: 'flat1', network: a.net.id, host: HOST, metadata: { configDrive: true } });
    assert.equal(boot.instance.injected, true);
    const vm = boot.instance.netns;
    const ipAddr = boot.instance.fixed_ips[0].ip_address;
    assert.match((await run('ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0'], { netns: vm })).stdout, new RegExp(`inet ${ipAddr.replace(/\./g, '\\.')}/24 `));
    assert.match((await run('ip', ['route', 'show', 'default'], { netns: vm })).stdout, /^default via 10\.50\.0\.1 dev eth0/m);
    assert.match((await run('cat', ['/etc/resolv.conf'], { netns: vm })).stdout, /^nameserver 192\.0\.2\.53$/m);
    const id = await until('flat1 reads its metadata through the router', async () => {
      const r = await curl(vm, '/latest/meta-data/instance-id');
      return r.status === 200 ? r.body : null;
    });
    assert.equal(id, boot.instance.id);
  });

  it('restarting the metadata agent or the L3 agent keeps the proxies; a take-over restart of the metadata agent and an L3 agent restart interrupt no request', async () => {
    const pid = readPidFile(routerPidFile(a.router.id));
    const isolatedPid = readPidFile(networkPidFile(isolatedNetwork));
    assert.ok(pid && isolatedPid);
    await md!.stop();
    // while no agent listens, haproxy answers 503 at once (a unix socket's connect fails synchronously, so its
    // retries do not wait): the instance retries, as cloud-init does; it never hangs or gets another's data
    const gap = await curl(vmA.vm, '/latest/meta-data/instance-id');
    assert.equal(gap.status, 503, gap.body);
    await startMetadataAgent();
    assert.deepEqual(await curl(vmA.vm, '/latest/meta-data/instance-id'), { status: 200, body: vmA.id }, 'after a metadata agent restart');
    /** The status of each request made one after another while `restart` runs. */
    const statusesDuring = async (restart: () => Promise<void>): Promise<number[]> => {
      let asking = true;
      const answers: number[] = [];
      const loop = (async () => {
        while (asking) answers.push((await curl(vmA.vm, '/latest/meta-data/instance-id')).status);
      })();
      await new Promise((r) => setTimeout(r, 200));
      await restart();
      await new Promise((r) => setTimeout(r, 200));
      asking = false;
      await loop;
      assert.ok(answers.length >= 3, `requests made during the restart: ${answers.length}`);
      return answers.filter((x) => x !== 200);
    };
    // a new metadata agent started before the old one stops takes the socket over: no gap
    const takeover = await statusesDuring(async () => {
      const old = md!;
      await startMetadataAgent();
      await old.stop();
    });
    assert.deepEqual(takeover, [], 'every request across a take-over restart of the metadata agent answered 200');
    assert.ok(existsSync(socket), 'the old agent leaves the new one its socket when it stops');
    // requests one after another all through an L3 agent restart: the proxy and the redirect stay
    const acrossL3 = await statusesDuring(async () => {
      await l3!.stop();
      await startL3();
      await l3!.idle();
    });
    assert.deepEqual(acrossL3, [], 'every request across the L3 agent restart answered 200');
    assert.equal(readPidFile(routerPidFile(a.router.id)), pid, 'the router proxy was adopted, not restarted');
    assert.equal(readPidFile(networkPidFile(isolatedNetwork)), isolatedPid, "the L3 agent's sync leaves the DHCP agent's proxy alone");
    assert.ok(processArgv(isolatedPid!), 'and it runs');
    assert.deepEqual(await curl(vmA.vm, '/latest/meta-data/instance-id'), { status: 200, body: vmA.id }, 'after an L3 agent restart');
  });

  it('a router removed takes its proxy with it', async () => {
    const h = asAdmin('proj-b');
    const pidFile = routerPidFile(b.router.id);
    const pid = readPidFile(pidFile);
    assert.ok(pid);
    await s.req('PUT', `/v2.0/routers/${b.router.id}/remove_router_interface`, { subnet_id: b.subnet.id }, h);
    assert.equal((await s.req('DELETE', `/v2.0/routers/${b.router.id}`, undefined, h)).status, 204);
    await until('the proxy of the deleted router stopped', async () => readPidFile(pidFile) === null);
    assert.equal(processArgv(pid), null, 'its haproxy is gone (or a zombie waiting for init)');
    await until('its namespace gone', async () => listNamespaces(serviceNamespace('qrouter', b.router.id, HOST_NS)).length === 0);
  });
});
