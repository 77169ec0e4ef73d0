// `neutrino trace` on the lab (real kernel, real agents over RabbitMQ): an allowed ping across
// hosts (every hop allows, every kernel agrees), a TCP port the destination's groups do not open
// (the group named, no rule matched), a forged source (anti-spoofing), the floating IP path from
// the internet namespace, and a planted disagreement (the destination's fdb entry removed on the
// source host) reported as such; then `neutrino audit`: a correct host reports nothing and changes
// nothing, each planted drift (a tap out of its bridge, a VXLAN fdb entry deleted, a security
// group set flushed) is named, --repair puts it right, and with [agent] audit_interval set the
// agent repairs it by itself within an interval and traffic recovers. Run by the CLI as an
// operator would.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { labDriver, sh } from '../helpers/lab-driver.js';

const lab = labDriver('tr', `tr${process.pid % 10000}-`);
const { P, DIR, CONF, neutrino, ok, api, boot, pings } = lab;

// biome-ignore lint/suspicious/noExplicitAny: API bodies in tests
type Obj = Record<string, any>;

describe(`neutrino trace on the lab (prefix ${P})`, { timeout: 10 * 60_000 }, () => {
  let b: Obj;
  let web = '';
  let fip: Obj;

  const trace = async (...args: string[]): Promise<Obj> => JSON.parse(await ok('trace', ...args, '--json', '--config-file', CONF));
  const kernelOf = (t: Obj, step: string) => t.hops.find((h: Obj) => h.step === step)?.kernel;
  const show = (t: Obj) => JSON.stringify(t.hops, null, 1);
  const C1 = `${P}compute1`;
  /** [agent] audit_interval of a host's agents, then those agents restarted with it */
  const auditEvery = async (seconds: number, host = 'compute1', kinds = ['linuxbridge']) => {
    const file = join(DIR, `agent-${host}.conf`);
    const text = readFileSync(file, 'utf8').replace(/^audit_interval = .*\n/m, '');
    writeFileSync(file, text.replace('[agent]\n', `[agent]\naudit_interval = ${seconds}\n`));
    for (const kind of kinds) await ok('lab', 'restart-agent', host, '--kind', kind, '--prefix', P, '--dir', DIR);
  };
  const audit = async (...args: string[]) => {
    const r = await neutrino('audit', ...args, '--json', '--config-file', CONF);
    assert.ok(r.code === 0 || r.code === 2, `neutrino audit ${args.join(' ')}: ${r.code}\n${r.stdout}\n${r.stderr}`);
    return { code: r.code, a: JSON.parse(r.stdout) as Obj };
  };
  /** what a repair would change on compute1: the firewall, the fdb and the bridge ports */
  const kernelState = async () =>
    [
      (await sh('ip', ['netns', 'exec', C1, 'nft', 'list', 'ruleset'])).stdout,
      (await sh('bridge', ['-n', C1, 'fdb', 'show'])).stdout.split('\n').sort().join('\n'),
      (await sh('ip', ['-n', C1, '-o', 'link', 'show'])).stdout.replace(/ link-netns \S+| link-netnsid \d+/g, ''),
    ].join('\n----\n');
  let vni = 0;
  let remote = '';
  let defaultGroup = '';
  let privateNet = '';
  let routerNs = '';
  /** the network host's DHCP files of the private network */
  const dhcpFile = (kind: string) => join(DIR, 'hosts', 'network', 'dhcp', privateNet, kind);
  const dnsmasqPid = () => {
    try {
      const pid = Number(readFileSync(dhcpFile('pid'), 'utf8').trim());
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dhcpFile('pid')) ? pid : null;
    } catch {
      return null;
    }
  };
  /** what a repair would change on the network host: the router's namespace, the dnsmasq and its files */
  const networkState = async () =>
    [
      (await sh('ip', ['netns', 'exec', routerNs, 'nft', 'list', 'ruleset'])).stdout,
      (await sh('ip', ['-n', routerNs, 'addr', 'show'])).stdout.replace(/valid_lft \S+ preferred_lft \S+/g, ''),
      (await sh('ip', ['-n', routerNs, 'route', 'show', 'table', 'all'])).stdout,
      `dnsmasq ${dnsmasqPid()}`,
      ...['host', 'opts', 'addn_hosts'].map((f) => readFileSync(dhcpFile(f), 'utf8')),
    ].join('\n----\n');
  /** an answer to a ping from the internet host behind the external gateway (its replies need the router's default route) */
  const internetReaches = async (ip: string, ms: number) => {
    const end = Date.now() + ms;
    for (;;) {
      if ((await sh('ip', ['netns', 'exec', `${P}internet`, 'ping', '-c', '1', '-W', '1', '-I', '198.51.100.1', ip])).code === 0) return true;
      if (Date.now() > end) return false;
    }
  };

  before(async () => {
    const port = await freePort();
    lab.url = `http://127.0.0.1:${port}`;
    const r = await neutrino('lab', 'up', '--computes', '2', '--prefix', P, '--dir', DIR, '--port', String(port));
    assert.equal(r.code, 0, `lab up failed:\n${r.stdout}\n${r.stderr}`);
    web = (await api('POST', '/security-groups', { security_group: { name: 'web' } })).security_group.id;
    for (const rule of [{ protocol: 'icmp' }, { protocol: 'tcp', port_range_min: 7000, port_range_max: 7000 }]) {
      await api('POST', '/security-group-rules', { security_group_rule: { security_group_id: web, direction: 'ingress', ethertype: 'IPv4', remote_ip_prefix: '0.0.0.0/0', ...rule } });
    }
    await boot('a1', 'private', 'compute1', '10.0.0.21');
    b = await boot('b1', 'private', 'compute2', '10.0.0.22', '--security-group', 'web');
    const pub = (await api('GET', '/networks?name=public')).networks[0];
    fip = (await api('POST', '/floatingips', { floatingip: { floating_network_id: pub.id, port_id: b.port_id } })).floatingip;
    vni = (await api('GET', '/networks?name=private')).networks[0]['provider:segmentation_id'];
    remote = (await api('GET', '/agents?host=compute2&agent_type=Linux%20bridge%20agent')).agents[0].configurations.tunneling_ip;
    defaultGroup = (await api('GET', '/security-groups?name=default')).security_groups[0].id;
    privateNet = (await api('GET', '/networks?name=private')).networks[0].id;
    routerNs = `${P}network.qrouter-${(await api('GET', '/routers')).routers[0].id}`;
    // the agents must not repair what the tests plant before they look at it
    await auditEvery(0);
    await auditEvery(0, 'network', ['dhcp', 'l3']);
  });

  after(async () => {
    await lab.teardown();
  });

  it('an allowed ping across hosts: every hop allows and every host’s kernel agrees', async () => {
    assert.ok(await lab.pingBecomes('a1', '10.0.0.22', true, 20_000), 'a1 pings b1 for real');
    const t = await trace('--from', 'a1', '--to', 'b1');
    assert.equal(t.verdict, 'delivered', show(t));
    assert.deepEqual(
      t.hops.map((h: Obj) => h.step),
      ['source_port', 'anti_spoofing', 'egress', 'l2_forward', 'ingress', 'destination_port'],
    );
    for (const h of t.hops) {
      assert.notEqual(h.verdict, 'drop', show(t));
      assert.equal(h.kernel?.agrees, true, `kernel of ${h.step} on ${h.host}: ${JSON.stringify(h.kernel)}`);
    }
    assert.equal(t.kernel_disagrees_at, null);
    // the filter hops name the conntrack zone of the port's bridge, as the host's map zones holds it
    for (const step of ['egress', 'ingress']) {
      const k = kernelOf(t, step);
      assert.equal(typeof k.conntrack_zone, 'number', `${step}: ${JSON.stringify(k)}`);
      assert.match(k.detail, new RegExp(`conntrack zone ${k.conntrack_zone} \\(brq`));
    }
    const host = (h: string) => `${P}${h}`;
    const zones = (await sh('ip', ['netns', 'exec', host('compute1'), 'nft', 'list', 'map', 'inet', 'neutrino-sg', 'zones'])).stdout;
    assert.match(zones, new RegExp(`"brq\\S+" : ${kernelOf(t, 'egress').conntrack_zone}\\b`));
    assert.match(kernelOf(t, 'l2_forward').detail, new RegExp(`${b.mac}.*dst 10\\.21\\.0\\.\\d+; flood entry`));
    // the printed form names every hop and the kernel's word on it
    const text = await ok('trace', '--from', 'a1', '--to', 'b1', '--config-file', CONF);
    assert.match(text, /trace 10\.0\.0\.21 → 10\.0\.0\.22 \(icmp echo request\): DELIVERED/);
    assert.match(text, /compute2\s+ingress\s+ALLOW/);
    assert.match(text, /kernel: agrees — tap\S+ is up in brq/);
  });

  it('a TCP port the destination’s groups do not open: dropped at ingress on compute2, naming the group', async () => {
    const t = await trace('--from', 'a1', '--to', '10.0.0.22', '--proto', 'tcp', '--dport', '22');
    assert.equal(t.verdict, 'dropped');
    const last = t.hops.at(-1);
    assert.equal(last.step, 'ingress');
    assert.equal(last.host, 'compute2');
    assert.equal(last.decided_by, `no rule of group web (${web}) allows ingress tcp/22 from 10.0.0.21`);
    assert.equal(last.kernel.agrees, true, JSON.stringify(last.kernel));
    const open = await trace('--from', 'a1', '--to', 'b1', '--proto', 'tcp', '--dport', '7000');
    assert.equal(open.verdict, 'delivered', show(open));
    assert.equal(kernelOf(open, 'ingress').agrees, true, JSON.stringify(kernelOf(open, 'ingress')));
  });

  it('a forged source is dropped by anti-spoofing on compute1 (and the kernel holds the port’s real sources)', async () => {
    const t = await trace('--from', 'a1', '--to', 'b1', '--src-ip', '10.0.0.99');
    assert.equal(t.verdict, 'dropped');
    const hop = t.hops.at(-1);
    assert.equal(hop.step, 'anti_spoofing');
    assert.equal(hop.host, 'compute1');
    assert.match(hop.decided_by, /^10\.0\.0\.99 is neither a fixed IP \(10\.0\.0\.21\)/);
    assert.equal(hop.kernel.agrees, true, JSON.stringify(hop.kernel));
  });

  it('from the internet namespace to a floating IP: DNAT and route on the network host agree', async () => {
    assert.ok(await lab.pingBecomes('a1', '10.0.0.22', true, 5000));
    let reached = false;
    for (let i = 0; i < 20 && !reached; i++) reached = (await sh('ip', ['netns', 'exec', `${P}internet`, 'ping', '-c', '1', '-W', '1', fip.floating_ip_address])).code === 0;
    assert.ok(reached, 'the internet reaches b1 by its floating IP');
    const t = await trace('--from', '198.51.100.1', '--to', fip.floating_ip_address);
    assert.equal(t.verdict, 'delivered', show(t));
    assert.deepEqual(
      t.hops.map((h: Obj) => `${h.step}@${h.host}`),
      ['external@network', 'dnat@network', 'route@network', 'l2_forward@network', 'ingress@compute2', 'destination_port@compute2'],
    );
    for (const step of ['dnat', 'route', 'l2_forward', 'ingress', 'destination_port']) assert.equal(kernelOf(t, step)?.agrees, true, `${step}: ${JSON.stringify(kernelOf(t, step))}`);
    assert.match(kernelOf(t, 'dnat').detail, new RegExp(`${fip.floating_ip_address.replace(/\./g, '\\.')} ↔ 10\\.0\\.0\\.22`));
    assert.match(kernelOf(t, 'route').detail, /10\.0\.0\.22 dev qr-/);
  });

  it('a planted disagreement: the destination’s fdb entry removed on compute1 is reported at the forwarding hop', async () => {
    const del = await sh('bridge', ['-n', `${P}compute1`, 'fdb', 'del', b.mac, 'dev', `vxlan-${vni}`, 'dst', remote]);
    assert.equal(del.code, 0, del.stderr);
    try {
      const t = await trace('--from', 'a1', '--to', 'b1');
      assert.equal(t.verdict, 'delivered', 'the model still delivers');
      const l2 = t.hops.find((h: Obj) => h.step === 'l2_forward');
      assert.equal(l2.kernel.agrees, false, JSON.stringify(l2.kernel));
      assert.match(l2.kernel.detail, new RegExp(`vxlan-${vni} has no fdb entry for ${b.mac}`));
      assert.equal(t.kernel_disagrees_at, t.hops.indexOf(l2));
      const text = await ok('trace', '--from', 'a1', '--to', 'b1', '--config-file', CONF);
      assert.match(text, /kernel: DISAGREES — vxlan-\d+ has no fdb entry/);
      assert.match(text, /the kernel of compute1 disagrees with the model at hop 4/);
    } finally {
      await sh('bridge', ['-n', `${P}compute1`, 'fdb', 'replace', b.mac, 'dev', `vxlan-${vni}`, 'dst', remote]);
    }
    assert.ok(await pings('a1', '10.0.0.22'));
  });

  it('audit: a correct host reports no drift and a repair changes nothing', async () => {
    assert.ok(await lab.pingBecomes('a1', '10.0.0.22', true, 10_000));
    assert.ok(await internetReaches(fip.floating_ip_address, 10_000));
    const before = await kernelState();
    const beforeNetwork = await networkState();
    const { code, a } = await audit('--repair');
    assert.equal(code, 0, JSON.stringify(a, null, 1));
    assert.deepEqual(
      a.audits.map((r: Obj) => `${r.host} ${r.agent_type}`),
      ['compute1 Linux bridge agent', 'compute2 Linux bridge agent', 'network DHCP agent', 'network L3 agent', 'network Linux bridge agent'],
    );
    for (const r of a.audits) assert.deepEqual(r.drifts, [], `${r.host} ${r.agent_type}: ${JSON.stringify(r.drifts)}`);
    assert.deepEqual(a.unanswered, []);
    const c1 = a.audits[0];
    assert.ok(c1.checked.ports >= 1 && c1.checked.fdb_entries >= 2 && c1.checked.nft_elements > 0, JSON.stringify(c1.checked));
    const [dhcp, l3] = [a.audits[2], a.audits[3]];
    assert.ok(dhcp.checked.networks >= 1 && dhcp.checked.processes >= 1 && dhcp.checked.files >= 3, JSON.stringify(dhcp.checked));
    assert.ok(l3.checked.routers >= 1 && l3.checked.routes >= 1 && l3.checked.nft_elements >= 2 && l3.checked.addresses >= 3, JSON.stringify(l3.checked));
    assert.equal(await kernelState(), before, 'nothing changed on compute1');
    assert.equal(await networkState(), beforeNetwork, 'nothing changed on the network host');
  });

  const plant = async () => {
    const a1Tap = JSON.parse(readFileSync(join(DIR, 'instances', 'a1.json'), 'utf8')).tap as string;
    for (const cmd of [
      ['ip', '-n', C1, 'link', 'set', 'dev', a1Tap, 'nomaster'],
      ['bridge', '-n', C1, 'fdb', 'del', b.mac, 'dev', `vxlan-${vni}`, 'dst', remote],
      ['ip', 'netns', 'exec', C1, 'nft', 'flush', 'set', 'inet', 'neutrino-sg', `rg-${defaultGroup}-4`],
    ]) {
      const r = await sh(cmd[0], cmd.slice(1));
      assert.equal(r.code, 0, `${cmd.join(' ')}: ${r.stderr}`);
    }
    return a1Tap;
  };

  it('audit: each planted drift is named; --repair puts it right and traffic flows again', async () => {
    const a1Tap = await plant();
    const { code, a } = await audit('--host', 'compute1');
    assert.equal(code, 2, 'drift left: exit status 2');
    assert.equal(a.audits.length, 1);
    const drifts = a.audits[0].drifts as Obj[];
    const named = drifts.map((d) => `${d.kind} ${d.object}`);
    assert.ok(named.includes(`bridge_port ${a1Tap}`), named.join('\n'));
    assert.ok(named.includes(`vxlan_fdb vxlan-${vni} ${b.mac} dst ${remote}`), named.join('\n'));
    assert.ok(named.includes(`nft_set inet neutrino-sg rg-${defaultGroup}-4`), named.join('\n'));
    assert.ok(drifts.every((d) => !d.repaired));
    assert.ok(!(await pings('a1', '10.0.0.22', 1)), 'a1 is cut off while its tap is out of the bridge');
    const text = await neutrino('audit', '--host', 'compute1', '--config-file', CONF);
    assert.match(text.stdout, new RegExp(`DRIFT\\s+bridge_port\\s+${a1Tap}: ${a1Tap} \\(port \\S+\\) is in no bridge, not in brq`));

    const fixed = await audit('--host', 'compute1', '--repair');
    assert.equal(fixed.code, 0, JSON.stringify(fixed.a, null, 1));
    assert.ok(fixed.a.audits[0].drifts.length >= 3 && fixed.a.audits[0].drifts.every((d: Obj) => d.repaired));
    assert.deepEqual((await audit('--host', 'compute1')).a.audits[0].drifts, []);
    assert.ok(await lab.pingBecomes('a1', '10.0.0.22', true, 10_000), 'a1 reaches b1 again');
  });

  it('audit_interval: the agent repairs planted drift by itself within an interval (one log line each, counted in its state)', async () => {
    await auditEvery(2);
    assert.ok(await lab.pingBecomes('a1', '10.0.0.22', true, 10_000));
    const a1Tap = await plant();
    assert.ok(await lab.pingBecomes('a1', '10.0.0.22', true, 15_000), 'traffic recovers without anyone asking');
    assert.deepEqual((await audit('--host', 'compute1')).a.audits[0].drifts, []);
    const log = readFileSync(join(DIR, 'logs', 'agent-compute1.log'), 'utf8');
    for (const what of [`bridge_port ${a1Tap}`, `vxlan_fdb vxlan-${vni} ${b.mac}`, `nft_set inet neutrino-sg rg-${defaultGroup}-4`])
      assert.ok(log.includes(`drift repaired: ${what}`), `log line for ${what}`);
    const agent = (await api('GET', '/agents?host=compute1&agent_type=Linux%20bridge%20agent')).agents[0];
    await new Promise((r) => setTimeout(r, 2500)); // the next heartbeat carries the counter
    const again = (await api('GET', `/agents/${agent.id}`)).agent;
    assert.ok(again.configurations.audit.repairs >= 3, JSON.stringify(again.configurations.audit));
  });

  /** a killed dnsmasq, its host file changed, the router's internal address, its default route and a floating IP's DNAT element deleted */
  const plantOnNetwork = async () => {
    const pid = dnsmasqPid();
    assert.ok(pid, 'the private network has a dnsmasq');
    process.kill(pid, 'SIGTERM');
    writeFileSync(dhcpFile('host'), `${readFileSync(dhcpFile('host'), 'utf8')}fa:16:3e:00:00:01,host-planted,10.0.0.250\n`);
    const routes = JSON.parse((await sh('ip', ['-n', routerNs, '-j', 'route', 'show', 'proto', 'static'])).stdout) as Obj[];
    const dflt = routes.find((r) => r.dst === 'default');
    assert.ok(dflt, `a default route in ${routerNs}: ${JSON.stringify(routes)}`);
    // the router's address on its internal subnet (the instances' gateway)
    const links = JSON.parse((await sh('ip', ['-n', routerNs, '-j', 'addr', 'show'])).stdout) as Obj[];
    const qr = links.find((l) => l.ifname.startsWith('qr-') && l.addr_info.some((x: Obj) => x.local === '10.0.0.1'));
    assert.ok(qr, `qr- with 10.0.0.1 in ${routerNs}`);
    for (const cmd of [
      ['ip', '-n', routerNs, 'addr', 'del', '10.0.0.1/24', 'dev', qr.ifname],
      ['ip', '-n', routerNs, 'route', 'del', 'default', 'via', dflt.gateway],
      ['ip', 'netns', 'exec', routerNs, 'nft', 'delete', 'element', 'ip', 'neutrino-nat', 'floating_to_fixed', `{ ${fip.floating_ip_address} }`],
    ]) {
      const r = await sh(cmd[0], cmd.slice(1));
      assert.equal(r.code, 0, `${cmd.join(' ')}: ${r.stderr}`);
    }
    for (let i = 0; i < 100 && dnsmasqPid(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(dnsmasqPid(), null, 'dnsmasq is gone');
    return { gateway: dflt.gateway as string, pid, qr: qr.ifname as string };
  };
  const networkDrifts = (gateway: string, qr: string) => [
    `dhcp_file ${dhcpFile('host')}`,
    `router_address ${routerNs} ${qr}`,
    `dnsmasq dnsmasq of ${privateNet}`,
    `nft_set ${routerNs} ip neutrino-nat floating_to_fixed`,
    `router_route ${routerNs} 0.0.0.0/0 via ${gateway}`,
  ];

  it('audit of the network host: a killed dnsmasq, a changed host file, a deleted qrouter address, route and NAT element are named; --repair puts them right', async () => {
    assert.ok(await internetReaches(fip.floating_ip_address, 10_000));
    const { gateway, pid, qr } = await plantOnNetwork();
    assert.ok(!(await internetReaches(fip.floating_ip_address, 0)), 'the floating IP is cut off');
    const dnatHop = async () => (await trace('--from', '198.51.100.1', '--to', fip.floating_ip_address)).hops.find((h: Obj) => h.step === 'dnat').kernel;
    assert.equal((await dnatHop()).agrees, false, 'the trace sees the DNAT element gone');
    const { code, a } = await audit('--host', 'network');
    assert.equal(code, 2);
    const drifts = a.audits.flatMap((r: Obj) => r.drifts) as Obj[];
    const named = drifts.map((d) => `${d.kind} ${d.object}`);
    for (const want of networkDrifts(gateway, qr)) assert.ok(named.includes(want), `${want} in\n${named.join('\n')}`);
    assert.equal(drifts.find((d) => d.kind === 'router_address')?.detail, 'address(es) missing: 10.0.0.1/24');
    assert.match(drifts.find((d) => d.kind === 'nft_set')!.detail, new RegExp(`1 element\\(s\\) missing \\(${fip.floating_ip_address.replace(/\./g, '\\.')}\\)`));
    assert.match(drifts.find((d) => d.kind === 'dnsmasq')!.detail, /not running/);
    assert.match(drifts.find((d) => d.kind === 'dhcp_file')!.detail, /1 line\(s\) nobody wrote/);
    const text = (await neutrino('audit', '--host', 'network', '--config-file', CONF)).stdout;
    assert.match(text, /network \(L3 agent\): \d+ drift\(s\)/);
    assert.match(text, /DRIFT\s+router_route\s+\S+ 0\.0\.0\.0\/0 via \S+: the route is missing/);

    const fixed = await audit('--host', 'network', '--repair');
    assert.equal(fixed.code, 0, JSON.stringify(fixed.a, null, 1));
    const all = fixed.a.audits.flatMap((r: Obj) => r.drifts) as Obj[];
    assert.ok(all.length >= 5 && all.every((d) => d.repaired), JSON.stringify(all, null, 1));
    assert.ok(await pings('a1', '10.0.0.1'), 'a1 reaches its gateway again');
    for (const r of (await audit('--host', 'network')).a.audits) assert.deepEqual(r.drifts, [], `${r.agent_type}: ${JSON.stringify(r.drifts)}`);
    assert.ok(dnsmasqPid() && dnsmasqPid() !== pid, 'a new dnsmasq serves the network');
    assert.ok(!readFileSync(dhcpFile('host'), 'utf8').includes('host-planted'));
    assert.ok(await internetReaches(fip.floating_ip_address, 10_000), 'the internet reaches b1 by its floating IP again');
    assert.equal((await dnatHop()).agrees, true, 'the DNAT element is back');
  });

  it('audit_interval on the network host: the DHCP and L3 agents repair planted drift by themselves within an interval (logged, counted)', async () => {
    await auditEvery(2, 'network', ['dhcp', 'l3']);
    assert.ok(await internetReaches(fip.floating_ip_address, 10_000));
    const { gateway, qr } = await plantOnNetwork();
    const t0 = Date.now();
    assert.ok(await internetReaches(fip.floating_ip_address, 15_000), 'the floating IP recovers without anyone asking');
    let back = false;
    while (!back && Date.now() - t0 < 15_000) {
      back = dnsmasqPid() !== null;
      if (!back) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(back, 'dnsmasq runs again');
    for (const r of (await audit('--host', 'network')).a.audits) assert.deepEqual(r.drifts, [], `${r.agent_type}: ${JSON.stringify(r.drifts)}`);
    const logs = ['dhcp-agent-network', 'l3-agent-network'].map((f) => readFileSync(join(DIR, 'logs', `${f}.log`), 'utf8')).join('\n');
    for (const what of networkDrifts(gateway, qr)) assert.ok(logs.includes(`drift repaired: ${what}`), `log line for ${what}`);
    await new Promise((r) => setTimeout(r, 2500)); // the next heartbeat carries the counters
    for (const type of ['DHCP agent', 'L3 agent']) {
      const agent = (await api('GET', `/agents?host=network&agent_type=${encodeURIComponent(type)}`)).agents[0];
      assert.ok(agent.configurations.audit.repairs >= 2, `${type}: ${JSON.stringify(agent.configurations.audit)}`);
    }
    assert.ok(await lab.pingBecomes('a1', '10.0.0.1', true, 10_000), 'a1 reaches its gateway again');
  });
});
