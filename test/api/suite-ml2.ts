// The ML2 suite: type drivers and provider attributes, port binding by mechanism drivers
// through live agents, agents' API, and provisioning blocks driving port status — with the
// real agent core and L2 agent logic talking to the server over the real bus (in-process on
// SQLite, RabbitMQ on PostgreSQL). Only the agents' kernel side is a stand-in (FakeDataplane).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { AgentCore } from '../../src/agents/agent-core.js';
import { L2Agent } from '../../src/agents/l2/l2-agent.js';
import { openBus, type Bus } from '../../src/rpc/index.js';
import * as topics from '../../src/contract/topics.js';
import { FakeDataplane, tapName } from '../helpers/fake-dataplane.js';
import { asAdmin, asMember, startTestServer, type DbKind, type Reply, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const ADMIN = asAdmin('admin-project');
const LB = 'Linux bridge agent';
const OVS = 'Open vSwitch agent';
const log = pino({ level: process.env.NEUTRINO_TEST_LOG ?? 'silent' });

export interface Ml2SuiteOptions {
  kind: DbKind;
  /** RabbitMQ URL for the server and agents; a private memory bus when absent */
  transportUrl?: (label: string) => string;
}

const ML2_CONFIG = {
  ml2: { type_drivers: 'local,flat,vlan,vxlan', tenant_network_types: 'vxlan,vlan', mechanism_drivers: 'linuxbridge,openvswitch' },
  ml2_type_vxlan: { vni_ranges: '100:102' },
  ml2_type_vlan: { network_vlan_ranges: 'physnet1:100:101,physnet2' },
  ml2_type_flat: { flat_networks: 'physnet1,physnet3' },
};

export function ml2Suite(o: Ml2SuiteOptions): void {
  const label = `ml2-${o.kind}-${randomUUID().slice(0, 8)}`;
  const transport = o.transportUrl?.(label);
  let s: TestServer;
  const agents: L2Agent[] = [];
  const cores: AgentCore[] = [];
  const buses: Bus[] = [];
  const req = (method: string, path: string, body?: unknown, headers: Record<string, string> = ADMIN): Promise<Reply> => s.req(method, path, body, headers);
  const show = (r: Reply) => `${r.status} ${JSON.stringify(r.body)}`;
  const net = async (body: Obj = {}, headers = ADMIN): Promise<Reply> => req('POST', '/v2.0/networks', { network: { name: 'n', ...body } }, headers);

  before(async () => {
    s = await startTestServer(o.kind, { config: { ...ML2_CONFIG, DEFAULT: { agent_down_time: '30', ...(transport ? { transport_url: transport } : {}) } } });
  });
  after(async () => {
    for (const a of agents) await a.stop();
    for (const c of cores) await c.stop();
    for (const b of buses) await b.close();
    await s?.close();
  });

  /** A real L2 agent on `host` with an in-memory kernel side, on its own bus connection. */
  async function startAgent(host: string, agentType: string, config: Obj): Promise<{ agent: L2Agent; dp: FakeDataplane }> {
    const bus = transport ? await openBus(transport, { log, responseTimeoutMs: 10_000, connectionName: `neutrino:test-agent:${host}` }) : s.bus;
    if (transport) buses.push(bus);
    const dp = new FakeDataplane(agentType, agentType === LB ? 'neutrino-linuxbridge-agent' : 'neutrino-openvswitch-agent', config);
    const agent = new L2Agent({ bus, log, host, reportInterval: 0, dataplane: dp });
    await agent.start();
    agents.push(agent);
    return { agent, dp };
  }

  describe(`type drivers and provider networks (${o.kind})`, () => {
    it('a project network gets the first free VNI of the first tenant type, and its MTU leaves room for VXLAN', async () => {
      const r = await net();
      assert.equal(r.status, 201, show(r));
      assert.equal(r.body.network['provider:network_type'], 'vxlan');
      assert.equal(r.body.network['provider:segmentation_id'], 100);
      assert.equal(r.body.network['provider:physical_network'], null);
      assert.equal(r.body.network.mtu, 1450);
      const member = await net({}, asMember('p-mtu'));
      assert.equal(member.status, 201, show(member));
      assert.equal(member.body.network.mtu, 1450);
      assert.equal('provider:network_type' in member.body.network, false, 'provider attributes are for admins only');
      const seen = await req('GET', `/v2.0/networks/${member.body.network.id}`);
      assert.equal(seen.body.network['provider:segmentation_id'], 101);
      await req('DELETE', `/v2.0/networks/${r.body.network.id}`);
      await req('DELETE', `/v2.0/networks/${member.body.network.id}`);
    });

    it('only admins set provider attributes (403 PolicyNotAuthorized)', async () => {
      const r = await net({ 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 130 }, asMember('p-prov'));
      assert.equal(r.status, 403, show(r));
      assert.equal(r.body.NeutronError.type, 'PolicyNotAuthorized');
    });

    it('an admin picks a VLAN (even outside the tenant range); taking it twice is 409 VlanIdInUse; deleting releases it', async () => {
      const spec = { 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 120 };
      const a = await net(spec);
      assert.equal(a.status, 201, show(a));
      assert.equal(a.body.network['provider:segmentation_id'], 120);
      assert.equal(a.body.network.mtu, 1500);
      const b = await net(spec);
      assert.equal(b.status, 409, show(b));
      assert.equal(b.body.NeutronError.type, 'VlanIdInUse');
      const filtered = await req('GET', '/v2.0/networks?provider:network_type=vlan&provider:segmentation_id=120');
      assert.deepEqual(
        filtered.body.networks.map((n: Obj) => n.id),
        [a.body.network.id],
      );
      assert.equal((await req('DELETE', `/v2.0/networks/${a.body.network.id}`)).status, 204);
      const c = await net(spec);
      assert.equal(c.status, 201, show(c));
      await req('DELETE', `/v2.0/networks/${c.body.network.id}`);
    });

    it('bad provider segments are 400 InvalidInput naming what is wrong', async () => {
      const cases: [Obj, RegExp][] = [
        [{ 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 5000 }, /out of range \(1 through 4094\)/],
        [{ 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet9', 'provider:segmentation_id': 10 }, /physnet9.*unknown/],
        [{ 'provider:network_type': 'flat', 'provider:physical_network': 'physnet9' }, /physnet9.*unknown for flat/],
        [{ 'provider:network_type': 'flat' }, /physical_network required for flat/],
        [{ 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 3 }, /segmentation_id not allowed for flat/],
        [{ 'provider:network_type': 'vxlan', 'provider:physical_network': 'physnet1' }, /physical_network specified for vxlan/],
        [{ 'provider:network_type': 'vxlan', 'provider:segmentation_id': 2 ** 24 }, /out of range/],
        [{ 'provider:network_type': 'gre' }, /network_type value 'gre' not supported/],
        [{ 'provider:physical_network': 'physnet1' }, /network_type required/],
        [{ 'provider:network_type': 'local', 'provider:segmentation_id': 4 }, /segmentation_id not allowed for local/],
      ];
      for (const [spec, message] of cases) {
        const r = await net(spec);
        assert.equal(r.status, 400, `${JSON.stringify(spec)}: ${show(r)}`);
        assert.equal(r.body.NeutronError.type, 'InvalidInput');
        assert.match(r.body.NeutronError.message, message);
      }
      const nets = await req('GET', '/v2.0/networks?name=n&provider:network_type=flat');
      assert.equal(nets.body.networks.length, 0, 'nothing half-written');
    });

    it('one flat network per physical network (409 FlatNetworkInUse); segments cannot be changed; MTU above the segment is refused', async () => {
      const a = await net({ 'provider:network_type': 'flat', 'provider:physical_network': 'physnet3' });
      assert.equal(a.status, 201, show(a));
      const b = await net({ 'provider:network_type': 'flat', 'provider:physical_network': 'physnet3' });
      assert.equal(b.status, 409, show(b));
      assert.equal(b.body.NeutronError.type, 'FlatNetworkInUse');
      const upd = await req('PUT', `/v2.0/networks/${a.body.network.id}`, { network: { 'provider:physical_network': 'physnet1' } });
      assert.equal(upd.status, 400, show(upd));
      const same = await req('PUT', `/v2.0/networks/${a.body.network.id}`, { network: { 'provider:physical_network': 'physnet3', name: 'flat3' } });
      assert.equal(same.status, 200, show(same));
      const tooBig = await net({ mtu: 1500 });
      assert.equal(tooBig.status, 400, show(tooBig));
      assert.match(tooBig.body.NeutronError.message, /maximum is 1450/);
      await req('DELETE', `/v2.0/networks/${a.body.network.id}`);
    });

    it('multi-provider: several segments are shown as `segments`; segments and provider:* together are refused', async () => {
      const r = await net({
        segments: [
          { 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet2', 'provider:segmentation_id': 7 },
          { 'provider:network_type': 'vxlan', 'provider:segmentation_id': 5000 },
        ],
      });
      assert.equal(r.status, 201, show(r));
      assert.equal(r.body.network.segments.length, 2);
      assert.equal(r.body.network.segments[1]['provider:segmentation_id'], 5000);
      assert.equal('provider:network_type' in r.body.network, false);
      assert.equal(r.body.network.mtu, 1450, 'the smallest segment MTU');
      const both = await net({ 'provider:network_type': 'vxlan', segments: [{ 'provider:network_type': 'vxlan' }] });
      assert.equal(both.status, 400, show(both));
      await req('DELETE', `/v2.0/networks/${r.body.network.id}`);
    });

    it('when VXLAN is full the next tenant type is used; when all are full, 503 NoNetworkAvailable; a delete frees one', async () => {
      const made: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await net();
        assert.equal(r.status, 201, show(r));
        made.push(r.body.network.id);
      }
      const types = await Promise.all(made.map(async (id) => (await req('GET', `/v2.0/networks/${id}`)).body.network));
      assert.deepEqual(
        types.map((n) => `${n['provider:network_type']}:${n['provider:segmentation_id']}`),
        ['vxlan:100', 'vxlan:101', 'vxlan:102', 'vlan:100', 'vlan:101'],
      );
      const full = await net();
      assert.equal(full.status, 503, show(full));
      assert.equal(full.body.NeutronError.type, 'NoNetworkAvailable');
      await req('DELETE', `/v2.0/networks/${made[1]}`);
      const again = await net();
      assert.equal(again.status, 201, show(again));
      assert.equal(again.body.network['provider:segmentation_id'], 101);
      made[1] = again.body.network.id;
      for (const id of made) await req('DELETE', `/v2.0/networks/${id}`);
    });
  });

  describe(`the last free VLAN under concurrency (${o.kind})`, () => {
    let one: TestServer;
    before(async () => {
      one = await startTestServer(o.kind, {
        config: { ml2: { tenant_network_types: 'vlan' }, ml2_type_vlan: { network_vlan_ranges: 'physnet1:300:300' } },
      });
    });
    after(async () => {
      await one?.close();
    });
    it('twelve clients race for it: exactly one wins, the rest get 503 NoNetworkAvailable', async () => {
      const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => one.req('POST', '/v2.0/networks', { network: { name: `race-${i}` } }, ADMIN)));
      const won = replies.filter((r) => r.status === 201);
      assert.equal(won.length, 1, replies.map(show).join('\n'));
      assert.equal(won[0].body.network['provider:segmentation_id'], 300);
      for (const r of replies.filter((x) => x.status !== 201)) {
        assert.equal(r.status, 503, show(r));
        assert.equal(r.body.NeutronError.type, 'NoNetworkAvailable');
      }
      const all = await one.req('GET', '/v2.0/networks', undefined, ADMIN);
      assert.equal(all.body.networks.length, 1, 'losers left nothing behind');
    });
  });

  describe(`agents, port binding and provisioning blocks (${o.kind})`, () => {
    let vxlanNet: Obj;
    let vlanNet: Obj;
    let compute1: { agent: L2Agent; dp: FakeDataplane };
    let compute2: { agent: L2Agent; dp: FakeDataplane };

    before(async () => {
      compute1 = await startAgent('compute1', LB, {
        interface_mappings: { physnet1: 'eth1' },
        bridge_mappings: {},
        tunnel_types: ['vxlan'],
        tunneling_ip: '10.0.0.1',
        vlan_supported: false,
        vlan_unsupported_reason: 'no 8021q in this kernel',
      });
      compute2 = await startAgent('compute2', OVS, { bridge_mappings: { physnet1: 'br-eth1' }, tunnel_types: ['vxlan'], tunneling_ip: '10.0.0.2', datapath_type: 'netdev' });
      // compute3's agent reported once and then died
      const dead = await startAgent('compute3', LB, { interface_mappings: {}, tunnel_types: ['vxlan'], tunneling_ip: '10.0.0.3' });
      await dead.agent.stop();
      agents.splice(agents.indexOf(dead.agent), 1);
      await s.db.kysely.updateTable('agents').set({ heartbeat_timestamp: '2020-01-01 00:00:00' }).where('host', '=', 'compute3').execute();
      // compute4 runs both kinds of agent
      await startAgent('compute4', LB, { interface_mappings: { physnet1: 'eth1' }, tunnel_types: ['vxlan'], tunneling_ip: '10.0.0.4' });
      await startAgent('compute4', OVS, { bridge_mappings: { physnet1: 'br-eth1' }, tunnel_types: ['vxlan'], tunneling_ip: '10.0.0.4' });
      vxlanNet = (await net({ name: 'vx' })).body.network;
      vlanNet = (await net({ name: 'vl', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 150 })).body.network;
      for (const [n, cidr] of [
        [vxlanNet, '10.10.0.0/24'],
        [vlanNet, '10.20.0.0/24'],
      ] as const) {
        const sub = await req('POST', '/v2.0/subnets', { subnet: { network_id: n.id, cidr, ip_version: 4, enable_dhcp: false } });
        assert.equal(sub.status, 201, show(sub));
      }
    });

    const port = async (network: Obj, host: string, extra: Obj = {}): Promise<Obj> => {
      const r = await req('POST', '/v2.0/ports', { port: { network_id: network.id, 'binding:host_id': host, ...extra } });
      assert.equal(r.status, 201, show(r));
      return r.body.port;
    };

    it('agents report in: /v2.0/agents lists them alive with their configurations; a silent one is dead', async () => {
      const r = await req('GET', '/v2.0/agents');
      assert.equal(r.status, 200, show(r));
      const byHost = (h: string, t: string) => r.body.agents.find((a: Obj) => a.host === h && a.agent_type === t);
      assert.equal(byHost('compute1', LB).alive, true);
      assert.equal(byHost('compute1', LB).configurations.tunneling_ip, '10.0.0.1');
      assert.equal(byHost('compute3', LB).alive, false);
      assert.equal(byHost('compute4', OVS).binary, 'neutrino-openvswitch-agent');
      const ovsOnly = await req('GET', `/v2.0/agents?agent_type=${encodeURIComponent(OVS)}`);
      assert.deepEqual(ovsOnly.body.agents.map((a: Obj) => a.host).sort(), ['compute2', 'compute4']);
      const member = await req('GET', '/v2.0/agents', undefined, asMember('p-agents'));
      assert.deepEqual(member.body.agents, [], 'agents are for admins');
    });

    it('agents can be described, switched off and deleted by admins only', async () => {
      const a = (await req('GET', '/v2.0/agents?host=compute3')).body.agents[0];
      const upd = await req('PUT', `/v2.0/agents/${a.id}`, { agent: { admin_state_up: false, description: 'rack 7' } });
      assert.equal(upd.status, 200, show(upd));
      assert.equal(upd.body.agent.admin_state_up, false);
      assert.equal(upd.body.agent.description, 'rack 7');
      const bad = await req('PUT', `/v2.0/agents/${a.id}`, { agent: { host: 'elsewhere' } });
      assert.equal(bad.status, 400, show(bad));
      const member = await req('PUT', `/v2.0/agents/${a.id}`, { agent: { admin_state_up: true } }, asMember('p-agents'));
      assert.equal(member.status, 404, show(member));
      const post = await req('POST', '/v2.0/agents', { agent: {} });
      assert.equal(post.status, 405, show(post));
    });

    it('a VXLAN port on compute1 is bound by linuxbridge; the owner sees no binding details, an admin does', async () => {
      const p = await port(vxlanNet, 'compute1');
      assert.equal(p['binding:vif_type'], 'bridge');
      assert.deepEqual(p['binding:vif_details'], { port_filter: true, connectivity: 'l2' });
      assert.equal(p.status, 'DOWN', 'bound but not yet wired');
      const asOwner = await req('GET', `/v2.0/ports/${p.id}`, undefined, asMember('admin-project'));
      assert.equal(asOwner.body.port['binding:vif_type'], undefined);
      assert.equal(asOwner.body.port['binding:vnic_type'], 'normal');
      const byHost = await req('GET', '/v2.0/ports?binding:host_id=compute1');
      assert.ok(byHost.body.ports.some((x: Obj) => x.id === p.id));
      const setHost = await req('POST', '/v2.0/ports', { port: { network_id: vxlanNet.id, 'binding:host_id': 'compute1' } }, asMember('admin-project'));
      assert.equal(setHost.status, 403, show(setHost));
    });

    it('a VLAN port: linuxbridge on a kernel without 802.1Q cannot bind it (binding_failed, reason for admins); openvswitch on compute2 can', async () => {
      const p = await port(vlanNet, 'compute1');
      assert.equal(p['binding:vif_type'], 'binding_failed');
      assert.match(p['binding:vif_details'].binding_failure, /802\.1Q/);
      assert.match(p['binding:vif_details'].binding_failure, /no Open vSwitch agent on host compute1/);
      const moved = await req('PUT', `/v2.0/ports/${p.id}`, { port: { 'binding:host_id': 'compute2' } });
      assert.equal(moved.status, 200, show(moved));
      assert.equal(moved.body.port['binding:vif_type'], 'ovs');
      assert.equal(moved.body.port['binding:vif_details'].datapath_type, 'netdev');
    });

    it('a dead agent binds nothing: binding_failed naming the dead agent', async () => {
      const p = await port(vxlanNet, 'compute3');
      assert.equal(p['binding:vif_type'], 'binding_failed');
      assert.match(p['binding:vif_details'].binding_failure, /dead/);
    });

    it("a binding that failed before the host's agent reported succeeds once that agent asks for the device (Neutron's get_bound_port_context)", async () => {
      const p = await port(vxlanNet, 'compute7');
      assert.equal(p['binding:vif_type'], 'binding_failed', 'no agent on compute7 yet');
      const late = await startAgent('compute7', LB, { interface_mappings: {}, tunnel_types: ['vxlan'], tunneling_ip: '10.0.0.7' });
      late.dp.addDevice(tapName(p.id));
      await until('port ACTIVE', async () => (await req('GET', `/v2.0/ports/${p.id}`)).body.port.status === 'ACTIVE');
      const now = (await req('GET', `/v2.0/ports/${p.id}`)).body.port;
      assert.equal(now['binding:vif_type'], 'bridge');
      assert.equal(late.dp.plugged.get(tapName(p.id))?.segmentation_id, vxlanNet['provider:segmentation_id']);
    });

    it('drivers are tried in [ml2] mechanism_drivers order; changing binding:host_id rebinds', async () => {
      const p = await port(vxlanNet, 'compute4');
      assert.equal(p['binding:vif_type'], 'bridge', 'linuxbridge comes first');
      const moved = await req('PUT', `/v2.0/ports/${p.id}`, { port: { 'binding:host_id': 'compute2' } });
      assert.equal(moved.body.port['binding:vif_type'], 'ovs');
      const unbound = await req('PUT', `/v2.0/ports/${p.id}`, { port: { 'binding:host_id': '' } });
      assert.equal(unbound.body.port['binding:vif_type'], 'unbound');
    });

    it('provisioning blocks: DOWN until the L2 agent wires the device, ACTIVE then, DOWN when the device goes', async () => {
      const p = await port(vxlanNet, 'compute1');
      assert.equal(p.status, 'DOWN');
      compute1.dp.addDevice(tapName(p.id));
      await until('port ACTIVE', async () => (await req('GET', `/v2.0/ports/${p.id}`)).body.port.status === 'ACTIVE');
      const plugged = compute1.dp.plugged.get(tapName(p.id));
      assert.equal(plugged?.port_id, p.id);
      assert.equal(plugged?.network_type, 'vxlan');
      assert.equal(plugged?.segmentation_id, vxlanNet['provider:segmentation_id']);
      assert.equal(plugged?.mtu, 1450);
      assert.ok(compute1.dp.firewall?.devices[p.id], 'security group info fetched for the port');
      compute1.dp.removeDevice(tapName(p.id));
      await until('port DOWN', async () => (await req('GET', `/v2.0/ports/${p.id}`)).body.port.status === 'DOWN');
    });

    it('a device on the wrong host is not wired there and the port stays DOWN', async () => {
      const p = await port(vxlanNet, 'compute1');
      compute2.dp.addDevice(tapName(p.id));
      await compute2.agent.idle();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(compute2.dp.plugged.has(tapName(p.id)), false);
      assert.equal((await req('GET', `/v2.0/ports/${p.id}`)).body.port.status, 'DOWN');
      compute2.dp.removeDevice(tapName(p.id));
    });

    it('a device the kernel side cannot wire stays DOWN and is tried again until it can be wired', async () => {
      const p = await port(vxlanNet, 'compute1');
      const tap = tapName(p.id);
      compute1.dp.unwirable.add(tap);
      compute1.dp.addDevice(tap);
      await compute1.agent.idle();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await req('GET', `/v2.0/ports/${p.id}`)).body.port.status, 'DOWN', 'an unwired port is not reported up');
      compute1.dp.unwirable.delete(tap);
      // the first retry comes after 1 s
      await until('port ACTIVE after the retry', async () => (await req('GET', `/v2.0/ports/${p.id}`)).body.port.status === 'ACTIVE', 4000);
      compute1.dp.removeDevice(tap);
      await until('port DOWN', async () => (await req('GET', `/v2.0/ports/${p.id}`)).body.port.status === 'DOWN');
    });

    it('with a DHCP agent serving the network, the port waits for DHCP too (dhcp_ready_on_ports)', async () => {
      const dhcpBus = transport ? await openBus(transport, { log, connectionName: 'neutrino:test-dhcp' }) : s.bus;
      if (transport) buses.push(dhcpBus);
      const dhcp = new AgentCore({
        bus: dhcpBus,
        log,
        host: 'network1',
        agentType: 'DHCP agent',
        binary: 'neutrino-dhcp-agent',
        topic: topics.DHCP_AGENT,
        reportInterval: 0,
        configurations: () => ({ networks: 0 }),
        resync: async () => undefined,
        listen: {},
      });
      await dhcp.start();
      cores.push(dhcp);
      const n = (await net({ name: 'with-dhcp' })).body.network;
      await req('POST', '/v2.0/subnets', { subnet: { network_id: n.id, cidr: '10.30.0.0/24', ip_version: 4 } });
      const p = await port(n, 'compute1');
      compute1.dp.addDevice(tapName(p.id));
      await until('device wired', async () => compute1.dp.plugged.has(tapName(p.id)));
      await compute1.agent.idle();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal((await req('GET', `/v2.0/ports/${p.id}`)).body.port.status, 'DOWN', 'the DHCP block holds it');
      await dhcpBus.call(topics.PLUGIN, 'dhcp_ready_on_ports', { port_ids: [p.id] });
      await until('port ACTIVE', async () => (await req('GET', `/v2.0/ports/${p.id}`)).body.port.status === 'ACTIVE');
      const hosted = await s.db.kysely.selectFrom('networkdhcpagentbindings').selectAll().where('network_id', '=', n.id).execute();
      assert.equal(hosted.length, 1, 'the network was scheduled to the DHCP agent');
    });

    it("l2population: a host learns the other hosts' VXLAN endpoints and the MAC/IP of their ports", async () => {
      const a = await port(vxlanNet, 'compute1');
      compute1.dp.addDevice(tapName(a.id));
      await until('a ACTIVE', async () => (await req('GET', `/v2.0/ports/${a.id}`)).body.port.status === 'ACTIVE');
      const b = await port(vxlanNet, 'compute2');
      compute2.dp.addDevice(tapName(b.id));
      await until('b ACTIVE', async () => (await req('GET', `/v2.0/ports/${b.id}`)).body.port.status === 'ACTIVE');
      const learned = (dp: FakeDataplane, endpoint: string, mac: string) => dp.fdb.some((f) => f.op === 'add' && (f.entries[vxlanNet.id]?.ports[endpoint] ?? []).some(([m]) => m === mac));
      await until('compute2 learns port a on 10.0.0.1', async () => learned(compute2.dp, '10.0.0.1', a.mac_address));
      await until('compute1 learns port b on 10.0.0.2', async () => learned(compute1.dp, '10.0.0.2', b.mac_address));
      assert.equal(compute2.dp.fdb.find((f) => f.entries[vxlanNet.id]?.ports['10.0.0.1'])!.entries[vxlanNet.id].segment_id, vxlanNet['provider:segmentation_id']);
      await req('DELETE', `/v2.0/ports/${a.id}`);
      await until('compute2 forgets port a', async () => compute2.dp.fdb.some((f) => f.op === 'remove' && (f.entries[vxlanNet.id]?.ports['10.0.0.1'] ?? []).some(([m]) => m === a.mac_address)));
    });

    it('a restarted agent is told every l2population entry of its networks again (refresh_tunnels)', async () => {
      const a = await port(vxlanNet, 'compute1');
      compute1.dp.addDevice(tapName(a.id));
      const b = await port(vxlanNet, 'compute2');
      compute2.dp.addDevice(tapName(b.id));
      for (const p of [a, b]) await until('ACTIVE', async () => (await req('GET', `/v2.0/ports/${p.id}`)).body.port.status === 'ACTIVE');
      // compute2's agent restarts: a new process, nothing in memory, its device still there
      const old = compute2;
      await old.agent.stop();
      agents.splice(agents.indexOf(old.agent), 1);
      const dp = new FakeDataplane(OVS, 'neutrino-openvswitch-agent', old.dp.configurations());
      dp.present.add(tapName(b.id));
      const bus = transport ? await openBus(transport, { log, connectionName: 'neutrino:test-agent:compute2b' }) : s.bus;
      if (transport) buses.push(bus);
      const agent = new L2Agent({ bus, log, host: 'compute2', reportInterval: 0, dataplane: dp });
      await agent.start();
      agents.push(agent);
      compute2 = { agent, dp };
      await until('the restarted compute2 learns port a on 10.0.0.1 again, as the full picture', async () =>
        dp.fdb.some((f) => f.op === 'add' && f.full === true && (f.entries[vxlanNet.id]?.ports['10.0.0.1'] ?? []).some(([m]) => m === a.mac_address)),
      );
      for (const p of [a, b]) await req('DELETE', `/v2.0/ports/${p.id}`);
    });

    it('security_group_info_for_devices gives rules and remote group members; tunnel_sync gives every endpoint', async () => {
      const p = await port(vxlanNet, 'compute1');
      const info = await s.bus.call<Obj>(topics.PLUGIN, 'security_group_info_for_devices', { devices: [tapName(p.id)] });
      const sg = info.devices[p.id].security_groups[0];
      assert.ok(
        info.security_groups[sg].some((r: Obj) => r.direction === 'ingress' && r.remote_group_id === sg),
        'default group: ingress from itself',
      );
      assert.ok(info.sg_member_ips[sg].IPv4.includes(p.fixed_ips[0].ip_address));
      const t = await s.bus.call<Obj>(topics.PLUGIN, 'tunnel_sync', { tunnel_ip: '10.0.0.9', tunnel_type: 'vxlan', host: 'compute9' });
      const ips = t.tunnels.map((x: Obj) => x.ip_address).sort();
      for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.9']) assert.ok(ips.includes(ip), `${ip} in ${ips}`);
      const bad = await s.bus.call(topics.PLUGIN, 'tunnel_sync', { tunnel_type: 'vxlan' }).then(
        () => null,
        (e: Error) => e,
      );
      assert.equal(bad?.name, 'RemoteError');
    });
  });
}
