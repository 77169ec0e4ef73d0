// POST /v2.0/trace on SQLite, model only (no kernel): the logical path of a packet through
// security groups, anti-spoofing, networks, the router (routes, SNAT, floating IPs) and the
// destination's groups; admin-only policy; bad input named; and the kernel checks asked of the
// agents over the bus (a consumer of the L2 trace topic stands in for a host here; the
// dataplane tier asks real agents).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AUDIT, type AuditArgs, CHECK_HOPS, TRACE_L2, TRACE_L3, type CheckHopsArgs } from '../../src/contract/trace.js';
import * as topics from '../../src/contract/topics.js';
import type { Consumer } from '../../src/rpc/bus.js';
import { asAdmin, asMember, startTestServer, type TestServer } from '../helpers/server.js';

type Obj = Record<string, any>;
const ADMIN = asAdmin('trace-admin');
const P = 'trace-proj';

describe('POST /v2.0/trace on sqlite (model only)', () => {
  let s: TestServer;
  const consumers: Consumer[] = [];
  let priv: Obj;
  let other: Obj;
  let web: Obj;
  let a: Obj; // compute1, default group
  let b: Obj; // compute2, default group
  let w: Obj; // compute2, group web (icmp + tcp/80 from anywhere)
  let c: Obj; // on network "other", behind the router
  let fip: Obj;

  const ok = async (method: string, path: string, body?: unknown, headers: Record<string, string> = ADMIN) => {
    const r = await s.req(method, path, body, headers);
    assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const trace = async (t: Obj, headers: Record<string, string> = ADMIN) => (await ok('POST', '/v2.0/trace', { trace: { check_kernel: false, ...t } }, headers)).trace;
  const reportState = (host: string, agentType: string, configurations: Obj) =>
    s.bus.call<string>(topics.REPORTS, 'report_state', {
      agent_state: {
        agent_state: { agent_type: agentType, binary: 'neutrino-test', host, topic: agentType === 'L3 agent' ? topics.L3_AGENT : 'N/A', configurations, start_flag: true },
      },
      time: new Date().toISOString(),
    });
  const steps = (t: Obj) => t.hops.map((h: Obj) => `${h.step}:${h.verdict}`);

  before(async () => {
    s = await startTestServer('sqlite', {
      config: {
        DEFAULT: { service_plugins: 'router' },
        ml2: { type_drivers: 'local,flat,vxlan', tenant_network_types: 'vxlan', mechanism_drivers: 'linuxbridge' },
        ml2_type_vxlan: { vni_ranges: '500:510' },
        ml2_type_flat: { flat_networks: 'physnet1' },
      },
    });
    for (const [host, ip] of [
      ['compute1', '192.0.2.11'],
      ['compute2', '192.0.2.12'],
      ['network', '192.0.2.10'],
    ]) {
      await reportState(host, 'Linux bridge agent', { interface_mappings: { physnet1: 'eth1' }, tunnel_types: ['vxlan'], tunneling_ip: ip });
    }
    await reportState('network', 'L3 agent', { agent_mode: 'legacy' });

    const pub = (await ok('POST', '/v2.0/networks', { network: { name: 'public', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' } })).network;
    await ok('POST', '/v2.0/subnets', { subnet: { network_id: pub.id, cidr: '198.51.100.0/24', ip_version: 4, gateway_ip: '198.51.100.1' } });
    priv = (await ok('POST', '/v2.0/networks', { network: { name: 'private', project_id: P } })).network;
    const privSub = (await ok('POST', '/v2.0/subnets', { subnet: { network_id: priv.id, cidr: '10.0.0.0/24', ip_version: 4, project_id: P } })).subnet;
    other = (await ok('POST', '/v2.0/networks', { network: { name: 'other', project_id: P } })).network;
    const otherSub = (await ok('POST', '/v2.0/subnets', { subnet: { network_id: other.id, cidr: '10.1.0.0/24', ip_version: 4, project_id: P } })).subnet;
    const router = (await ok('POST', '/v2.0/routers', { router: { name: 'r1', project_id: P, external_gateway_info: { network_id: pub.id } } })).router;
    await ok('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: privSub.id });
    await ok('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: otherSub.id });

    web = (await ok('POST', '/v2.0/security-groups', { security_group: { name: 'web', project_id: P } })).security_group;
    for (const rule of [{ protocol: 'icmp' }, { protocol: 'tcp', port_range_min: 80, port_range_max: 80 }]) {
      await ok('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: web.id, direction: 'ingress', ethertype: 'IPv4', remote_ip_prefix: '0.0.0.0/0', ...rule } });
    }
    const port = async (net: string, name: string, host: string, ip: string, extra: Obj = {}) =>
      (
        await ok('POST', '/v2.0/ports', {
          port: { network_id: net, name, project_id: P, device_owner: 'compute:nova', device_id: `vm-${name}`, 'binding:host_id': host, fixed_ips: [{ ip_address: ip }], ...extra },
        })
      ).port;
    a = await port(priv.id, 'a', 'compute1', '10.0.0.5', { allowed_address_pairs: [{ ip_address: '10.0.0.128/28' }] });
    b = await port(priv.id, 'b', 'compute2', '10.0.0.6');
    w = await port(priv.id, 'w', 'compute2', '10.0.0.7', { security_groups: [web.id] });
    c = await port(other.id, 'c', 'compute1', '10.1.0.5');
    fip = (await ok('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: pub.id, port_id: w.id, project_id: P } })).floatingip;
  });

  after(async () => {
    for (const x of consumers) await x.stop();
    await s?.close();
  });

  it('an allowed ping across hosts on one network: every hop allows, the default group decides both ends', async () => {
    const t = await trace({ from: a.id, to: b.id });
    assert.equal(t.verdict, 'delivered', JSON.stringify(t, null, 1));
    assert.deepEqual(steps(t), ['source_port:allow', 'anti_spoofing:allow', 'egress:allow', 'l2_forward:forward', 'ingress:allow', 'destination_port:deliver']);
    assert.equal(t.src_ip, '10.0.0.5');
    assert.equal(t.dst_ip, '10.0.0.6');
    const [src, spoof, egress, l2, ingress, dst] = t.hops;
    assert.equal(src.host, 'compute1');
    assert.match(spoof.decided_by, /fixed IP 10\.0\.0\.5/);
    assert.match(egress.decided_by, /^group default \(.+\) rule .+: egress IPv4 any to anywhere$/);
    assert.match(l2.what, /\(vxlan 50\d\): compute1 → compute2/);
    assert.match(l2.decided_by, new RegExp(`${b.mac_address}.*tunnel endpoint 192\\.0\\.2\\.12`));
    assert.match(ingress.decided_by, /group default .*ingress IPv4 any from members of group default/);
    assert.equal(dst.host, 'compute2');
    assert.equal(t.kernel_checked, false);
    for (const h of t.hops) assert.equal(h.kernel, null);
    // an instance id names its port too
    const byInstance = await trace({ from: 'vm-a', to: 'vm-b' });
    assert.deepEqual(steps(byInstance), steps(t));
  });

  it('a TCP port the destination groups do not open: dropped at ingress, naming the group and that no rule matched', async () => {
    const t = await trace({ from: a.id, to: w.fixed_ips[0].ip_address, protocol: 'tcp', dport: 22 });
    assert.equal(t.verdict, 'dropped');
    const last = t.hops.at(-1);
    assert.equal(last.step, 'ingress');
    assert.equal(last.verdict, 'drop');
    assert.equal(last.host, 'compute2');
    assert.equal(last.decided_by, `no rule of group web (${web.id}) allows ingress tcp/22 from 10.0.0.5`);
    const open = await trace({ from: a.id, to: w.id, protocol: 'tcp', dport: 80 });
    assert.equal(open.verdict, 'delivered');
    assert.match(open.hops.find((h: Obj) => h.step === 'ingress').decided_by, /group web .*ingress IPv4 tcp 80 from 0\.0\.0\.0\/0/);
  });

  it('a forged source is dropped by anti-spoofing; an allowed address pair passes', async () => {
    const t = await trace({ from: a.id, to: b.id, src_ip: '10.0.0.99' });
    assert.equal(t.verdict, 'dropped');
    assert.deepEqual(steps(t), ['source_port:allow', 'anti_spoofing:drop']);
    assert.equal(t.hops[1].decided_by, '10.0.0.99 is neither a fixed IP (10.0.0.5) nor an allowed address pair (10.0.0.128/28) of the port');
    const pair = await trace({ from: a.id, to: b.id, src_ip: '10.0.0.130' });
    assert.match(pair.hops[1].decided_by, /allowed address pair 10\.0\.0\.128\/28/);
    // the destination's default group admits members only: 10.0.0.130 is a member through a's pair
    assert.equal(pair.verdict, 'delivered');
  });

  it('routed to another network: router interface, connected route, the other network', async () => {
    const t = await trace({ from: a.id, to: c.id });
    assert.equal(t.verdict, 'delivered', JSON.stringify(t.hops, null, 1));
    assert.deepEqual(steps(t), [
      'source_port:allow',
      'anti_spoofing:allow',
      'egress:allow',
      'l2_forward:forward',
      'router_interface:forward',
      'route:forward',
      'l2_forward:forward',
      'ingress:allow',
      'destination_port:deliver',
    ]);
    const route = t.hops[5];
    assert.equal(route.host, 'network');
    assert.match(route.decided_by, /^connected subnet 10\.1\.0\.0\/24 on qr-/);
  });

  it('out to the internet: default route, SNAT to the gateway; with a floating IP, SNAT to it', async () => {
    const t = await trace({ from: a.id, to: '203.0.113.9' });
    assert.equal(t.verdict, 'forwarded');
    assert.deepEqual(steps(t).slice(-3), ['route:forward', 'snat:nat', 'external:forward']);
    assert.match(t.hops.at(-3).decided_by, /^default route via 198\.51\.100\.1 \(qg-/);
    assert.match(t.hops.at(-2).decided_by, /^SNAT to the gateway address 198\.51\.100\.\d+ \(enable_snat\)$/);
    const withFip = await trace({ from: w.id, to: '203.0.113.9' });
    assert.equal(withFip.hops.at(-2).decided_by, `floating IP ${fip.floating_ip_address} (${fip.id}) of the source`);
  });

  it('from the internet to a floating IP: external, DNAT, route, the port; ingress decides on the outside address', async () => {
    const t = await trace({ from: '203.0.113.9', to: fip.floating_ip_address });
    assert.equal(t.verdict, 'delivered', JSON.stringify(t.hops, null, 1));
    assert.deepEqual(steps(t), ['external:forward', 'dnat:nat', 'route:forward', 'l2_forward:forward', 'ingress:allow', 'destination_port:deliver']);
    assert.equal(t.hops[1].decided_by, `floating IP ${fip.floating_ip_address} (${fip.id}) → 10.0.0.7`);
    assert.match(t.hops[4].decided_by, /from 0\.0\.0\.0\/0/);
    // the port id of a port with a floating IP is traced through it
    assert.deepEqual(steps(await trace({ from: '203.0.113.9', to: w.id })), steps(t));
    const blocked = await trace({ from: '203.0.113.9', to: fip.floating_ip_address, protocol: 'tcp', dport: 22 });
    assert.equal(blocked.hops.at(-1).decided_by, `no rule of group web (${web.id}) allows ingress tcp/22 from 203.0.113.9`);
    const nothing = await trace({ from: '203.0.113.9', to: '198.51.100.77' });
    assert.equal(nothing.verdict, 'dropped');
    assert.match(nothing.hops[0].decided_by, /198\.51\.100\.77 is no floating IP associated with a port/);
  });

  it('an address nobody holds on the network is dropped where it would be forwarded', async () => {
    const t = await trace({ from: a.id, to: '10.0.0.77' });
    assert.equal(t.verdict, 'dropped');
    assert.equal(t.hops.at(-1).step, 'l2_forward');
    assert.equal(t.hops.at(-1).decided_by, 'no port on the network holds 10.0.0.77');
  });

  it('IPv6: ICMPv6 and TCP through the groups and the router, routed (not NATed) in from outside and out', async () => {
    const pub = (await ok('GET', '/v2.0/networks?name=public')).networks[0];
    const pub6 = (await ok('POST', '/v2.0/subnets', { subnet: { network_id: pub.id, cidr: '2001:db8:ff::/64', ip_version: 6, gateway_ip: '2001:db8:ff::1' } })).subnet;
    const priv6 = (await ok('POST', '/v2.0/subnets', { subnet: { network_id: priv.id, cidr: '2001:db8:1::/64', ip_version: 6, project_id: P } })).subnet;
    const other6 = (await ok('POST', '/v2.0/subnets', { subnet: { network_id: other.id, cidr: '2001:db8:2::/64', ip_version: 6, project_id: P } })).subnet;
    const router = (await ok('GET', '/v2.0/routers?name=r1')).routers[0];
    await ok('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: priv6.id });
    await ok('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: other6.id });
    const v4 = router.external_gateway_info.external_fixed_ips[0];
    await ok('PUT', `/v2.0/routers/${router.id}`, { router: { external_gateway_info: { network_id: pub.id, external_fixed_ips: [v4, { subnet_id: pub6.id }] } } });
    const web6 = (await ok('POST', '/v2.0/security-groups', { security_group: { name: 'web6', project_id: P } })).security_group;
    await ok('POST', '/v2.0/security-group-rules', {
      security_group_rule: { security_group_id: web6.id, direction: 'ingress', ethertype: 'IPv6', protocol: 'tcp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: '::/0' },
    });
    const port6 = async (net: string, name: string, host: string, subnet: string, ip: string, extra: Obj = {}) =>
      (
        await ok('POST', '/v2.0/ports', {
          port: { network_id: net, name, project_id: P, device_owner: 'compute:nova', device_id: `vm-${name}`, 'binding:host_id': host, fixed_ips: [{ subnet_id: subnet, ip_address: ip }], ...extra },
        })
      ).port;
    const a6 = await port6(priv.id, 'a6', 'compute1', priv6.id, '2001:db8:1::5');
    await port6(other.id, 'c6', 'compute2', other6.id, '2001:db8:2::5');
    await port6(other.id, 'w6', 'compute2', other6.id, '2001:db8:2::7', { security_groups: [web6.id] });

    // a ping (ICMPv6 echo request) routed between the two networks; the address written long-hand is the same
    const ping = await trace({ from: a6.id, to: '2001:db8:2:0:0:0:0:5' });
    assert.equal(ping.verdict, 'delivered', JSON.stringify(ping.hops, null, 1));
    assert.equal(ping.src_ip, '2001:db8:1::5');
    assert.deepEqual(steps(ping), [
      'source_port:allow',
      'anti_spoofing:allow',
      'egress:allow',
      'l2_forward:forward',
      'router_interface:forward',
      'route:forward',
      'l2_forward:forward',
      'ingress:allow',
      'destination_port:deliver',
    ]);
    assert.match(ping.hops[2].decided_by, /fixed rule of every filtered port: ICMPv6 may always leave/);
    assert.match(ping.hops[4].what, /2001:db8:1::1 on subnet 2001:db8:1::\/64/);
    assert.match(ping.hops[5].decided_by, /^connected subnet 2001:db8:2::\/64 on qr-/);
    assert.match(ping.hops[7].decided_by, /group default .*ingress IPv6 any from members of group default/);

    // the group web6 opens tcp/443 only: the ping is dropped at its ingress, naming it
    const toWeb = await trace({ from: a6.id, to: '2001:db8:2::7' });
    assert.equal(toWeb.verdict, 'dropped');
    assert.equal(toWeb.hops.at(-1).decided_by, `no rule of group web6 (${web6.id}) allows ingress icmpv6 (echo request) from 2001:db8:1::5`);
    const https = await trace({ from: a6.id, to: '2001:db8:2::7', protocol: 'tcp', dport: 443 });
    assert.equal(https.verdict, 'delivered');
    assert.match(https.hops[2].decided_by, /egress IPv6 any to anywhere/);
    assert.match(https.hops.find((h: Obj) => h.step === 'ingress').decided_by, /group web6 .*ingress IPv6 tcp 443 from ::\/0/);
    // an IPv4 rule does not open IPv6
    assert.equal((await trace({ from: a6.id, to: '2001:db8:2::7', protocol: 'tcp', dport: 80 })).verdict, 'dropped');

    // out: the IPv6 default route of the gateway, no NAT
    const out = await trace({ from: a6.id, to: '2001:db8:99::1', protocol: 'tcp', dport: 443 });
    assert.equal(out.verdict, 'forwarded', JSON.stringify(out.hops, null, 1));
    assert.deepEqual(steps(out).slice(-3), ['route:forward', 'snat:forward', 'external:forward']);
    assert.match(out.hops.at(-3).decided_by, /^default route via 2001:db8:ff::1 \(qg-/);
    assert.equal(out.hops.at(-2).decided_by, 'IPv6 is routed, not NATed: the source address leaves unchanged');
    assert.match(out.hops.at(-1).decided_by, /leaves the cloud from 2001:db8:1::5 via 2001:db8:ff::1/);

    // in from outside: routed to the port's own address, the port's groups decide on the outside address
    const inside = await trace({ from: '2001:db8:99::1', to: '2001:db8:2::7', protocol: 'tcp', dport: 443 });
    assert.equal(inside.verdict, 'delivered', JSON.stringify(inside.hops, null, 1));
    assert.deepEqual(steps(inside), ['external:forward', 'route:forward', 'l2_forward:forward', 'ingress:allow', 'destination_port:deliver']);
    assert.match(inside.hops[0].decided_by, /routed \(IPv6 is not NATed\) to router r1's gateway qg-\S+ 2001:db8:ff::/);
    const pingIn = await trace({ from: '2001:db8:99::1', to: '2001:db8:2::7' });
    assert.equal(pingIn.hops.at(-1).decided_by, `no rule of group web6 (${web6.id}) allows ingress icmpv6 (echo request) from 2001:db8:99::1`);
    const nobody = await trace({ from: '2001:db8:99::1', to: '2001:db8:2::99' });
    assert.equal(nobody.verdict, 'dropped');
    assert.equal(nobody.hops[0].decided_by, 'no port holds 2001:db8:2::99');
  });

  it('admin only: a member is refused by policy', async () => {
    const r = await s.req('POST', '/v2.0/trace', { trace: { from: a.id, to: b.id } }, asMember(P));
    assert.equal(r.status, 403);
    assert.equal(r.body.NeutronError.type, 'PolicyNotAuthorized');
    assert.match(r.body.NeutronError.message, /create_trace/);
  });

  it('bad input is refused with a 400 naming the attribute', async () => {
    const cases: [Obj, RegExp][] = [
      [{ from: a.id }, /Invalid input for to/],
      [{ to: b.id }, /Invalid input for from/],
      [{ from: a.id, to: b.id, protocol: 'sctp' }, /Invalid input for protocol/],
      [{ from: a.id, to: b.id, protocol: 'tcp' }, /Invalid input for dport.*needs a destination port/],
      [{ from: a.id, to: b.id, protocol: 'tcp', dport: 70000 }, /Invalid input for dport/],
      [{ from: a.id, to: b.id, dport: 22 }, /Invalid input for dport.*icmp has no ports/],
      [{ from: a.id, to: b.id, src_ip: '10.0.0' }, /Invalid input for src_ip/],
      [{ from: a.id, to: b.id, colour: 'red' }, /Invalid input for colour/],
      [{ from: 'no-such-port', to: b.id }, /Invalid input for from.*no port or instance has id no-such-port/],
      [{ from: a.id, to: 'no-such-port' }, /Invalid input for to/],
    ];
    for (const [body, message] of cases) {
      const r = await s.req('POST', '/v2.0/trace', { trace: body }, ADMIN);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.NeutronError.type, 'InvalidInput');
      assert.match(r.body.NeutronError.message, message);
    }
    const r = await s.req('POST', '/v2.0/trace', { from: a.id, to: b.id }, ADMIN);
    assert.equal(r.status, 400);
  });

  it('kernel checks: each host with a live agent is asked about its hops; a host without one is "unknown"', async () => {
    const asked: CheckHopsArgs[] = [];
    consumers.push(
      await s.bus.consume(
        TRACE_L2,
        {
          [CHECK_HOPS]: (args: CheckHopsArgs) => {
            asked.push(args);
            return args.checks.map((ch) => (ch.kind === 'fdb_towards' ? { agrees: false, detail: `no fdb entry for ${ch.mac}` } : { agrees: true, detail: 'as the model says' }));
          },
        },
        { host: 'compute1', fanout: false, shared: false },
      ),
    );
    const t = (await ok('POST', '/v2.0/trace', { trace: { from: a.id, to: b.id } })).trace;
    assert.equal(t.kernel_checked, true);
    assert.equal(asked.length, 1, 'one call for compute1');
    assert.deepEqual(
      asked[0].checks.map((ch) => ch.kind),
      ['port_wired', 'port_filter', 'port_filter', 'fdb_towards'],
    );
    const byStep = Object.fromEntries(t.hops.map((h: Obj) => [h.step, h.kernel]));
    assert.deepEqual(byStep.source_port, { agrees: true, detail: 'as the model says' });
    assert.deepEqual(byStep.l2_forward, { agrees: false, detail: `no fdb entry for ${b.mac_address}` });
    assert.equal(t.kernel_disagrees_at, 3);
    // compute2's agent is alive but nobody serves its trace topic here: asked, no answer in time
    assert.equal(byStep.destination_port.agrees, null);
    assert.match(byStep.destination_port.detail, /could not answer/);
  });

  it('POST /v2.0/audit: admin only, input named, a host without a live agent refused, each agent kind asked on its topic with repair', async () => {
    const denied = await s.req('POST', '/v2.0/audit', {}, asMember(P));
    assert.equal(denied.status, 403);
    assert.match(denied.body.NeutronError.message, /create_audit/);
    for (const [body, message] of [
      [{ audit: { repair: 'yes' } }, /Invalid input for repair/],
      [{ audit: { host: 7 } }, /Invalid input for host/],
      [{ audit: { hots: 'compute1' } }, /Invalid input for hots/],
      [{ audit: { host: 'nowhere' } }, /no live L2, DHCP or L3 agent on host nowhere/],
    ] as [Obj, RegExp][]) {
      const r = await s.req('POST', '/v2.0/audit', body, ADMIN);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.NeutronError.type, 'InvalidInput');
      assert.match(r.body.NeutronError.message, message);
    }
    const asked: AuditArgs[] = [];
    consumers.push(
      await s.bus.consume(
        TRACE_L2,
        {
          [AUDIT]: (args: AuditArgs) => {
            asked.push(args);
            return {
              host: 'compute2',
              agent_type: 'Linux bridge agent',
              drifts: [{ kind: 'bridge_port', object: 'tapx', detail: 'in no bridge', repaired: args.repair }],
              checked: { ports: 1 },
              not_audited: [],
              ms: 1,
            };
          },
        },
        { host: 'compute2', fanout: false, shared: false },
      ),
    );
    const a = (await ok('POST', '/v2.0/audit', { audit: { host: 'compute2', repair: true } })).audit;
    assert.deepEqual(asked, [{ repair: true }]);
    assert.equal(a.audits.length, 1);
    assert.equal(a.audits[0].drifts[0].repaired, true);
    assert.deepEqual(a.unanswered, []);
    assert.deepEqual(a.not_audited, []);
    // each agent kind of a host is asked on its own topic: the network host's L2 and L3 agents
    const byTopic: string[] = [];
    for (const [topic, agentType] of [
      [TRACE_L2, 'Linux bridge agent'],
      [TRACE_L3, 'L3 agent'],
    ]) {
      consumers.push(
        await s.bus.consume(
          topic,
          {
            [AUDIT]: (args: AuditArgs) => {
              byTopic.push(`${topic} ${args.repair}`);
              return { host: 'network', agent_type: agentType, drifts: [], checked: {}, not_audited: [], ms: 1 };
            },
          },
          { host: 'network', fanout: false, shared: false },
        ),
      );
    }
    const n = (await ok('POST', '/v2.0/audit', { audit: { host: 'network' } })).audit;
    assert.deepEqual(byTopic.sort(), [`${TRACE_L2} false`, `${TRACE_L3} false`]);
    assert.deepEqual(
      n.audits.map((r: Obj) => r.agent_type),
      ['L3 agent', 'Linux bridge agent'],
    );
  });
});
