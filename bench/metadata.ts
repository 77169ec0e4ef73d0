// Metadata from inside instances, on the real kernel: request → answer latency over N
// sequential requests (a new TCP connection each, as cloud-init makes them) from one instance
// behind a router, and M instances asking at once, each checking it got its own uuid.
// In one process: the server (SQLite), the metadata service, the Linux bridge, L3 and metadata
// agents; the clients are `node` and `curl` processes inside the instance namespaces.
// Prints figures; asserts nothing about time.
//
//   node dist/bench/metadata.js [--requests 1000] [--instances 100]
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { NoopFirewall } from '../src/agents/firewall/noop-firewall.js';
import { L2Agent } from '../src/agents/l2/l2-agent.js';
import { L3Agent } from '../src/agents/l3/l3-agent.js';
import { LinuxBridgeDataplane } from '../src/agents/linuxbridge/linuxbridge-dataplane.js';
import { MetadataAgent } from '../src/agents/metadata/metadata-agent.js';
import { MetadataProxies } from '../src/agents/metadata-proxy/metadata-proxies.js';
import { PROXY_USER } from '../src/agents/metadata-proxy/proxy-user.js';
import { startMetadataService } from '../src/api/metadata-server.js';
import { Config } from '../src/config/config.js';
import { tapName } from '../src/contract/device-names.js';
import { HEADER_FORWARDED_FOR, HEADER_INSTANCE_ID, HEADER_ROUTER_ID, HEADER_SIGNATURE, HEADER_TENANT_ID, signInstanceId } from '../src/contract/metadata.js';
import { run } from '../src/linux/exec.js';
import { stopHaproxy } from '../src/linux/haproxy.js';
import { listNamespaces } from '../src/linux/netns.js';
import { asAdmin, startTestServer } from '../test/helpers/server.js';
import { until } from '../test/helpers/until.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '1000' }, instances: { type: 'string', default: '100' } } });
const REQUESTS = Number(values.requests);
const INSTANCES = Number(values.instances);
const P = `b${process.pid % 10000}m`;
const HOST_NS = `${P}h`;
const HOST = `${P}-host`;
const SECRET = randomUUID();
const log = pino({ level: 'silent' });
const ADMIN = asAdmin('bench');
const dir = mkdtempSync(join(tmpdir(), 'neutrino-bench-metadata-'));
chmodSync(dir, 0o755);
const socket = join(dir, 'metadata_proxy');
const proxyDir = join(dir, 'metadata-proxy');
const batch = (netns: string | null, lines: string[]) => run('ip', ['-batch', '-'], { netns, input: `${lines.join('\n')}\n` });
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const r1 = (x: number) => Math.round(x * 10) / 10;

async function cleanup(): Promise<void> {
  try {
    for (const f of readdirSync(proxyDir)) if (f.endsWith('.conf')) await stopHaproxy(join(proxyDir, f.replace(/\.conf$/, '.pid')), join(proxyDir, f));
  } catch {
    // none
  }
  for (const ns of listNamespaces(P)) await run('ip', ['netns', 'delete', ns], { allowFailure: true });
}

async function main(): Promise<void> {
  await cleanup();
  const s = await startTestServer('sqlite', {
    config: {
      DEFAULT: { service_plugins: 'router,metadata', metadata_proxy_shared_secret: SECRET },
      ml2: { type_drivers: 'local,flat,vxlan', tenant_network_types: 'vxlan', mechanism_drivers: 'linuxbridge' },
      ml2_type_vxlan: { vni_ranges: '1300:1399' },
      quotas: { quota_port: '-1' },
    },
  });
  const source = s.api.plugins.find((p) => p.metadata)!.metadata!;
  const svc = await startMetadataService({ host: '127.0.0.1', port: 0, secret: SECRET, source, log });
  const agents: { stop(): Promise<void> }[] = [];
  try {
    await run('ip', ['netns', 'add', HOST_NS]);
    await batch(HOST_NS, ['link set lo up', `link add ${P}t type veth peer name ${P}tp`, `addr add 192.168.250.1/24 dev ${P}t`, `link set ${P}tp up`, `link set ${P}t up`]);
    const config = Config.load([], { agent: { host_namespace: HOST_NS }, vxlan: { enable_vxlan: 'true', local_ip: '192.168.250.1', l2_population: 'false' } });
    const l2 = new L2Agent({
      bus: s.bus,
      log,
      host: HOST,
      reportInterval: 0,
      dataplane: await LinuxBridgeDataplane.fromConfig(config, log, { supported: false, reason: 'bench' }, new NoopFirewall()),
    });
    await l2.start();
    agents.push(l2);
    const l3 = new L3Agent({
      bus: s.bus,
      log,
      host: HOST,
      hostNamespace: HOST_NS,
      reportInterval: 0,
      metadataProxies: new MetadataProxies({ kind: 'router', dir: proxyDir, socket, user: PROXY_USER, log }),
    });
    await l3.start();
    agents.push(l3);
    const md = new MetadataAgent({
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
    agents.push(md);

    const net = (await s.req('POST', '/v2.0/networks', { network: { name: 'bench' } }, ADMIN)).body.network;
    const sub = (await s.req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.70.0.0/22', ip_version: 4, enable_dhcp: false } }, ADMIN)).body.subnet;
    const router = (await s.req('POST', '/v2.0/routers', { router: { name: 'bench' } }, ADMIN)).body.router;
    await s.req('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub.id }, ADMIN);

    const vms: { vm: string; id: string; ip: string }[] = [];
    const t0 = performance.now();
    for (let i = 0; i < Math.max(1, INSTANCES); i++) {
      const id = randomUUID();
      const ip = `10.70.${Math.floor((i + 10) / 250)}.${((i + 10) % 250) + 2}`;
      const port = (await s.req('POST', '/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': HOST, device_owner: 'compute:nova', device_id: id, fixed_ips: [{ ip_address: ip }] } }, ADMIN))
        .body.port;
      await s.req('POST', '/neutrino/v1/instances', { instance: { id, name: `vm${i}` } }, ADMIN);
      const vm = `${P}v${i}`;
      await run('ip', ['netns', 'add', vm]);
      await run('ip', ['-n', HOST_NS, 'link', 'add', tapName(port.id), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', vm]);
      await batch(vm, ['link set lo up', `link set eth0 address ${port.mac_address} mtu ${net.mtu} up`, `addr add ${ip}/22 dev eth0`, `route add default via ${sub.gateway_ip}`]);
      vms.push({ vm, id, ip });
    }
    await until(
      'every port ACTIVE',
      async () => ((await s.req('GET', `/v2.0/ports?network_id=${net.id}&device_owner=compute:nova&status=ACTIVE`, undefined, ADMIN)).body.ports as unknown[]).length === vms.length,
      120_000,
    );
    await until(
      'the router proxy answers',
      async () => (await run('curl', ['-sf', '-m', '2', 'http://169.254.169.254/latest/meta-data/instance-id'], { netns: vms[0].vm, allowFailure: true })).stdout === vms[0].id,
      30_000,
    );
    console.log(`${vms.length} instance(s) ready in ${Math.round(performance.now() - t0)} ms`);

    // M instances at once, one curl each
    const t1 = performance.now();
    const answers = await Promise.all(
      vms.map((v) => run('curl', ['-sS', '-m', '30', '-w', '\n%{http_code}', 'http://169.254.169.254/openstack/latest/meta_data.json'], { netns: v.vm, allowFailure: true, timeoutMs: 40_000 })),
    );
    let own = 0;
    let others = 0;
    const failures = new Map<string, number>();
    answers.forEach((a, i) => {
      const nl = a.stdout.lastIndexOf('\n');
      let uuid = '';
      try {
        uuid = (JSON.parse(a.stdout.slice(0, nl)) as { uuid: string }).uuid;
      } catch {
        // not JSON
      }
      if (uuid === vms[i].id) own++;
      else if (uuid) others++;
      else {
        const why = a.code !== 0 ? `curl exit ${a.code}: ${a.stderr.trim().slice(0, 80)}` : `HTTP ${a.stdout.slice(nl + 1)}`;
        failures.set(why, (failures.get(why) ?? 0) + 1);
      }
    });
    console.log(
      `${vms.length} instances asking at once: ${own}/${vms.length} got their own meta_data.json, ${others} another's, all answered within ${Math.round(performance.now() - t1)} ms (incl. starting ${vms.length} curl processes)`,
    );
    for (const [why, n] of failures) console.log(`  ${n} failed: ${why}`);

    // N sequential requests from one instance, a new connection each, timed inside the instance
    // (a client process of its own). The same request is then timed from further in, to show where
    // the time goes: at the metadata agent's socket (as haproxy sends it: no proxy, no namespace
    // hop) and at the metadata service (as the agent sends it, signed, on a kept-alive connection).
    const client = join(dir, 'client.mjs');
    writeFileSync(
      client,
      `import http from 'node:http';
const [n, target, a, b] = [Number(process.argv[2]), process.argv[3], process.argv[4], process.argv[5]]; const out = [];
const keep = new http.Agent({ keepAlive: true, maxSockets: 1 });
const opts = target === 'instance' ? { host: '169.254.169.254', agent: false }
  : target === 'agent' ? { socketPath: a, agent: false, headers: JSON.parse(b) }
  : { host: new URL(a).hostname, port: new URL(a).port, agent: keep, headers: JSON.parse(b) };
const get = () => new Promise((res, rej) => { const t = performance.now(); http.get({ ...opts, path: '/openstack/latest/meta_data.json' }, (r) => { r.resume(); r.on('end', () => r.statusCode === 200 ? res(performance.now() - t) : rej(new Error('status ' + r.statusCode))); }).on('error', rej); });
for (let i = 0; i < 20; i++) await get();
for (let i = 0; i < n; i++) out.push(await get());
console.log(JSON.stringify(out));`,
    );
    const timed = async (netns: string | null, target: string, ...extra: string[]) =>
      (JSON.parse((await run(process.execPath, [client, String(REQUESTS), target, ...extra], { netns, timeoutMs: 600_000 })).stdout) as number[]).sort((a, b) => a - b);
    const figures = (lat: number[]) => `p50 ${r1(pct(lat, 50))} ms, p90 ${r1(pct(lat, 90))} ms, p99 ${r1(pct(lat, 99))} ms, max ${r1(lat[lat.length - 1])} ms`;
    const lat = await timed(vms[0].vm, 'instance');
    console.log(`${lat.length} sequential requests from one instance (meta_data.json, new connection each): ${figures(lat)} (targets p50 ≤ 5 ms, p99 ≤ 20 ms)`);
    const atAgent = await timed(null, 'agent', socket, JSON.stringify({ [HEADER_FORWARDED_FOR]: vms[0].ip, [HEADER_ROUTER_ID]: router.id }));
    console.log(`  the same at the metadata agent's socket (RPC for the port + the service; new connection each): ${figures(atAgent)}`);
    const atService = await timed(null, 'service', svc.url, JSON.stringify({ [HEADER_INSTANCE_ID]: vms[0].id, [HEADER_TENANT_ID]: 'bench', [HEADER_SIGNATURE]: signInstanceId(SECRET, vms[0].id) }));
    console.log(`  the same at the metadata service (signed, kept-alive connection): ${figures(atService)}`);
    console.log(`load average: ${(await run('cat', ['/proc/loadavg'])).stdout.trim()}`);
  } finally {
    for (const a of agents.reverse()) await a.stop().catch(() => undefined);
    await svc.close();
    await s.close();
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
