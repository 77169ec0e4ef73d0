// The fwaas_v2 extension on IPv6, in the real kernel, against the real server (firewall_v2 on
// SQLite, its RPC on the in-process bus): a "router" namespace forwarding between a qr- device
// named after a real router interface port (on an IPv6 subnet) and an "outside" namespace. A
// group on that port allowing only tcp/22 in over IPv6: tcp/22 passes, tcp/7000 and ICMPv6 echo
// do not, replies pass; removing the rule ends an open IPv6 connection. The lab's networks are
// IPv4, so this is where IPv6 is proven with traffic; the L3 agent core is left out (the test
// calls the extension's router hooks as the agent does).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { FwaasL3Extension } from '../../src/agents/l3/extensions/fwaas/fwaas-extension.js';
import { Config } from '../../src/config/config.js';
import { DEVICE_NAME_ID_LENGTH, ROUTER_INTERFACE_PREFIX } from '../../src/contract/device-names.js';
import type { SyncRouter } from '../../src/contract/l3.js';
import { run } from '../../src/linux/exec.js';
import { asAdmin, startTestServer, type TestServer } from '../helpers/server.js';
import { sleep } from '../helpers/lab-driver.js';

const P = `t${process.pid % 10000}fw6`;
const ROUTER_NS = `${P}r`;
const INSIDE = `${P}in`;
const OUTSIDE = `${P}out`;
const ADMIN = asAdmin('fw6-project');
const NET_IN = '2001:db8:f6:1::';
const NET_OUT = '2001:db8:f6:2::';

type Obj = Record<string, any>;

describe(`fwaas_v2 on IPv6 in the kernel (prefix ${P})`, { timeout: 120_000 }, () => {
  let s: TestServer;
  let ext: FwaasL3Extension;
  let router: SyncRouter;
  let policyId = '';
  let sshRule = '';
  const children: ChildProcess[] = [];

  const ok = async (method: string, path: string, body?: unknown): Promise<Obj> => {
    const r = await s.req(method, path, body, ADMIN);
    assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as Obj;
  };
  const ip = (ns: string, ...a: string[]) => run('ip', a, { netns: ns });
  const connects = async (port: number) => {
    const probe =
      "const s=require('net').connect(+process.argv[2],process.argv[1]);s.setTimeout(1000,()=>{console.log('no');s.destroy()});s.on('connect',()=>{console.log('yes');s.destroy()});s.on('error',()=>console.log('no'));";
    return (await run(process.execPath, ['-e', probe, `${NET_IN}10`, String(port)], { netns: OUTSIDE, allowFailure: true })).stdout.trim() === 'yes';
  };
  const pings = async () => (await run('ping', ['-6', '-c', '1', '-W', '1', `${NET_IN}10`], { netns: OUTSIDE, allowFailure: true })).code === 0;

  before(async () => {
    s = await startTestServer('sqlite', { config: { DEFAULT: { service_plugins: 'router,firewall_v2' } } });
    const net = (await ok('POST', '/v2.0/networks', { network: { name: 'fw6' } })).network;
    const sub = (await ok('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, cidr: `${NET_IN}/64`, gateway_ip: `${NET_IN}1` } })).subnet;
    const r = (await ok('POST', '/v2.0/routers', { router: { name: 'fw6' } })).router;
    const portId = (await ok('PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: sub.id })).port_id as string;
    router = {
      id: r.id,
      name: 'fw6',
      project_id: r.project_id,
      admin_state_up: true,
      status: 'ACTIVE',
      routes: [],
      enable_snat: false,
      gw_port: null,
      _interfaces: [
        {
          id: portId,
          network_id: net.id,
          mac_address: '',
          device_owner: 'network:router_interface',
          admin_state_up: true,
          fixed_ips: [],
          subnets: [{ id: sub.id, cidr: `${NET_IN}/64`, gateway_ip: `${NET_IN}1`, ip_version: 6 }],
          mtu: 1500,
        },
      ],
      _floatingips: [],
      ha: false,
      distributed: false,
    };
    const qr = `${ROUTER_INTERFACE_PREFIX}${portId.slice(0, DEVICE_NAME_ID_LENGTH)}`;
    for (const ns of [ROUTER_NS, INSIDE, OUTSIDE]) await run('ip', ['netns', 'add', ns]);
    await ip(ROUTER_NS, 'link', 'add', qr, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', INSIDE);
    await ip(ROUTER_NS, 'link', 'add', `${P}qg`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', OUTSIDE);
    await run('sysctl', ['-qw', 'net.ipv6.conf.all.forwarding=1'], { netns: ROUTER_NS });
    for (const [ns, dev, addr] of [
      [ROUTER_NS, qr, `${NET_IN}1/64`],
      [ROUTER_NS, `${P}qg`, `${NET_OUT}1/64`],
      [INSIDE, 'eth0', `${NET_IN}10/64`],
      [OUTSIDE, 'eth0', `${NET_OUT}10/64`],
    ]) {
      await ip(ns, 'addr', 'add', addr, 'dev', dev, 'nodad');
      await ip(ns, 'link', 'set', dev, 'up');
      await ip(ns, 'link', 'set', 'lo', 'up');
    }
    await ip(INSIDE, '-6', 'route', 'add', 'default', 'via', `${NET_IN}1`);
    await ip(OUTSIDE, '-6', 'route', 'add', 'default', 'via', `${NET_OUT}1`);
    const srv = spawn(
      'ip',
      ['netns', 'exec', INSIDE, process.execPath, '-e', "for (const p of [22,7000]) require('net').createServer((s)=>{s.on('error',()=>{});s.pipe(s)}).listen(p,'::'); console.log('up')"],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push(srv);
    await new Promise((r) => srv.stdout!.once('data', r));
    ext = new FwaasL3Extension({
      bus: s.bus,
      log: pino({ level: 'silent' }),
      host: `${P}-host`,
      config: Config.load(),
      hostNamespace: '',
      namespaceOf: () => ROUTER_NS,
      routersUpdated: () => undefined,
    });
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const ns of [ROUTER_NS, INSIDE, OUTSIDE]) await run('ip', ['netns', 'del', ns], { allowFailure: true });
    await s?.close();
  });

  it('baseline: no group, tcp/22, tcp/7000 and ping pass over IPv6', async () => {
    await ext.routerUpdated({ router, namespace: ROUTER_NS });
    // link-local addresses finish DAD a moment after the links come up; neighbour discovery waits for them
    let answered = false;
    for (const end = Date.now() + 5000; !answered && Date.now() < end; ) answered = await pings();
    assert.ok(answered, 'ping6');
    assert.ok(await connects(7000), 'tcp/7000');
    assert.ok(await connects(22), 'tcp/22');
  });

  it('a group allowing only tcp/22 in over IPv6: 22 passes, 7000 and ICMPv6 echo do not; the group turns ACTIVE', async () => {
    sshRule = (await ok('POST', '/v2.0/fwaas/firewall_rules', { firewall_rule: { ip_version: 6, protocol: 'tcp', destination_port: '22', action: 'allow' } })).firewall_rule.id;
    policyId = (await ok('POST', '/v2.0/fwaas/firewall_policies', { firewall_policy: { name: 'in6', firewall_rules: [sshRule] } })).firewall_policy.id;
    const g = (await ok('POST', '/v2.0/fwaas/firewall_groups', { firewall_group: { name: 'g6', ports: [router._interfaces[0].id], ingress_firewall_policy_id: policyId } })).firewall_group;
    await ext.routerUpdated({ router, namespace: ROUTER_NS });
    assert.equal((await ok('GET', `/v2.0/fwaas/firewall_groups/${g.id}`)).firewall_group.status, 'ACTIVE');
    assert.ok(await connects(22), 'tcp/22 passes');
    assert.equal(await connects(7000), false, 'tcp/7000 is dropped');
    assert.equal(await pings(), false, 'ICMPv6 echo is dropped');
  });

  it('an agent restart (a new extension on the same namespace) keeps an open allowed connection', async () => {
    let echoes = 0;
    const c = spawn(
      'ip',
      [
        'netns',
        'exec',
        OUTSIDE,
        process.execPath,
        '-e',
        `const s=require('net').connect(22,'${NET_IN}10');s.on('connect',()=>setInterval(()=>s.write('x'),50));s.on('data',()=>console.log('e'));s.on('error',()=>{})`,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    children.push(c);
    c.stdout!.on(
      'data',
      (d) =>
        (echoes += String(d)
          .split('\n')
          .filter((l) => l === 'e').length),
    );
    for (const end = Date.now() + 5000; echoes < 3 && Date.now() < end; ) await sleep(50);
    assert.ok(echoes >= 3, 'the session echoes');
    const lines: Record<string, unknown>[] = [];
    const restarted = new FwaasL3Extension({
      bus: s.bus,
      log: pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) }),
      host: `${P}-host`,
      config: Config.load(),
      hostNamespace: '',
      namespaceOf: () => ROUTER_NS,
      routersUpdated: () => undefined,
    });
    await restarted.routerUpdated({ router, namespace: ROUTER_NS });
    const applied = lines.find((l) => l.event === 'fwaas.applied');
    assert.equal(applied?.conntrack_filters, 0, `the restart read the old table back and ended no flow: ${JSON.stringify(applied)}`);
    const n = echoes;
    await sleep(600);
    assert.ok(echoes - n >= 5, `the connection carried on through the restart (${echoes - n} echoes after)`);
    assert.equal(await connects(7000), false, 'and the restarted table still drops tcp/7000');
    c.kill('SIGKILL');
    ext = restarted;
  });

  it('removing the rule ends an open IPv6 tcp/22 connection', async () => {
    let echoes = 0;
    const c = spawn(
      'ip',
      [
        'netns',
        'exec',
        OUTSIDE,
        process.execPath,
        '-e',
        `const s=require('net').connect(22,'${NET_IN}10');s.on('connect',()=>setInterval(()=>s.write('x'),50));s.on('data',()=>console.log('e'));s.on('error',()=>{})`,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    children.push(c);
    c.stdout!.on(
      'data',
      (d) =>
        (echoes += String(d)
          .split('\n')
          .filter((l) => l === 'e').length),
    );
    for (const end = Date.now() + 5000; echoes < 3 && Date.now() < end; ) await sleep(50);
    assert.ok(echoes >= 3, 'the session echoes');
    await ok('PUT', `/v2.0/fwaas/firewall_policies/${policyId}/remove_rule`, { firewall_rule_id: sshRule });
    await ext.refresh([router.id]);
    const n = echoes;
    await sleep(800);
    assert.ok(echoes - n <= 1, `the open connection ended (${echoes - n} echoes after)`);
    assert.equal(await connects(22), false, 'and no new one opens');
    c.kill('SIGKILL');
  });
});
