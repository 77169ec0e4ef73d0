// The server's DHCP side, run on SQLite (api tier) and PostgreSQL (integration tier): the dhcp_agent_scheduler routes and Neutron's errors, the
// casts to dhcp_agent.<host>, what get_active_networks_info and create_dhcp_port answer (in a
// fixed number of queries), and failover of a dead agent's networks.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { agentTime } from '../../src/plugins/agents/agent-store.js';
import { DhcpRpcCallbacks } from '../../src/plugins/agents/dhcp-rpc.js';
import type { Consumer } from '../../src/rpc/bus.js';
import * as topics from '../../src/contract/topics.js';
import { asAdmin, asMember, startTestServer, type DbKind, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const ADMIN = asAdmin('admin-project');

class QueryCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  // once per statement run (transformQuery also sees every subquery as it is built)
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.count++;
    return args.result;
  }
}

export function dhcpSuite(kind: DbKind): void {
  describe(`DHCP on the server (${kind})`, () => {
    let s: TestServer;
    const casts: { host: string; method: string; args: Obj }[] = [];
    const consumers: Consumer[] = [];
    const agentIds: Record<string, string> = {};
    const req = (method: string, path: string, body?: unknown, headers = ADMIN) => s.req(method, path, body, headers);

    async function register(host: string, agentType = 'DHCP agent', topic: string = topics.DHCP_AGENT): Promise<string> {
      await s.api.rpc
        .reportEndpoints()
        .report_state({ agent_state: { agent_state: { agent_type: agentType, binary: 'x', host, topic, configurations: {} } } }, { topic: '', method: '', kind: 'call' });
      const a = (await req('GET', `/v2.0/agents?host=${host}`)).body.agents.find((x: Obj) => x.agent_type === agentType);
      return a.id;
    }

    async function listen(host: string): Promise<void> {
      const record = (method: string) => (args: Obj) => void casts.push({ host, method, args });
      const methods = [
        'network_create_end',
        'network_update_end',
        'network_delete_end',
        'subnet_create_end',
        'subnet_update_end',
        'subnet_delete_end',
        'port_create_end',
        'port_update_end',
        'port_delete_end',
      ];
      consumers.push(await s.bus.consume(topics.DHCP_AGENT, Object.fromEntries(methods.map((m) => [m, record(m)])), { host, fanout: false, shared: false }));
    }

    const castTo = (host: string, method: string, pred: (a: Obj) => boolean = () => true) =>
      until(`${method} to ${host}`, async () => casts.find((c) => c.host === host && c.method === method && pred(c.args)));

    async function dhcpNetwork(name: string, cidr = '10.70.0.0/24'): Promise<{ net: Obj; subnet: Obj }> {
      const net = (await req('POST', '/v2.0/networks', { network: { name } })).body.network;
      const subnet = (
        await req('POST', '/v2.0/subnets', {
          subnet: { network_id: net.id, cidr, ip_version: 4, dns_nameservers: ['192.0.2.1'], host_routes: [{ destination: '172.16.0.0/16', nexthop: '10.70.0.254' }] },
        })
      ).body.subnet;
      return { net, subnet };
    }

    before(async () => {
      s = await startTestServer(kind, { config: { DEFAULT: { agent_down_time: '10' } } });
      agentIds.dhcp1 = await register('dhcp1');
      agentIds.dhcp2 = await register('dhcp2');
      agentIds.l2 = await register('compute1', 'Linux bridge agent', 'N/A');
      await listen('dhcp1');
      await listen('dhcp2');
    });

    after(async () => {
      for (const c of consumers) await c.stop();
      await s?.close();
    });

    let first: { net: Obj; subnet: Obj };
    it("a network's first DHCP subnet schedules it and tells the agent (network_create_end); later changes follow", async () => {
      first = await dhcpNetwork('n1');
      const agents = (await req('GET', `/v2.0/networks/${first.net.id}/dhcp-agents`)).body.agents;
      assert.equal(agents.length, 1);
      const host = agents[0].host as string;
      await castTo(host, 'network_create_end', (a) => a.network.id === first.net.id);
      const p = (await req('POST', '/v2.0/ports', { port: { network_id: first.net.id } })).body.port;
      const created = await castTo(host, 'port_create_end', (a) => a.port.id === p.id);
      assert.equal(created.args.port.network_id, first.net.id);
      assert.deepEqual(created.args.port.fixed_ips, p.fixed_ips);
      await req('PUT', `/v2.0/ports/${p.id}`, { port: { name: 'x' } });
      await castTo(host, 'port_update_end', (a) => a.port.id === p.id && a.port.name === 'x');
      await req('DELETE', `/v2.0/ports/${p.id}`);
      const deleted = await castTo(host, 'port_delete_end', (a) => a.port_id === p.id);
      assert.equal(deleted.args.network_id, first.net.id);
      await req('PUT', `/v2.0/subnets/${first.subnet.id}`, { subnet: { name: 'y' } });
      await castTo(host, 'subnet_update_end', (a) => a.subnet.id === first.subnet.id);
      await req('PUT', `/v2.0/networks/${first.net.id}`, { network: { name: 'z' } });
      await castTo(host, 'network_update_end', (a) => a.network.id === first.net.id);
      const other = host === 'dhcp1' ? 'dhcp2' : 'dhcp1';
      assert.ok(!casts.some((c) => c.host === other && JSON.stringify(c.args).includes(first.net.id)), 'the other agent heard nothing of it');
    });

    it('a network without a DHCP subnet is not scheduled', async () => {
      const net = (await req('POST', '/v2.0/networks', { network: { name: 'nodhcp' } })).body.network;
      await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.71.0.0/24', ip_version: 4, enable_dhcp: false } });
      assert.deepEqual((await req('GET', `/v2.0/networks/${net.id}/dhcp-agents`)).body.agents, []);
    });

    it('dhcp-networks: add, list, refuse twice (409), remove, refuse a missing binding (409); agents are told', async () => {
      const { net } = await dhcpNetwork('n2', '10.72.0.0/24');
      const hosting = (await req('GET', `/v2.0/networks/${net.id}/dhcp-agents`)).body.agents[0];
      const otherHost = hosting.host === 'dhcp1' ? 'dhcp2' : 'dhcp1';
      const other = agentIds[otherHost];
      const r = await req('POST', `/v2.0/agents/${other}/dhcp-networks`, { network_id: net.id });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      await castTo(otherHost, 'network_create_end', (a) => a.network.id === net.id);
      const listed = (await req('GET', `/v2.0/agents/${other}/dhcp-networks`)).body.networks;
      assert.ok(listed.some((n: Obj) => n.id === net.id && n.name === 'n2'));
      assert.deepEqual((await req('GET', `/v2.0/networks/${net.id}/dhcp-agents`)).body.agents.map((a: Obj) => a.host).sort(), ['dhcp1', 'dhcp2']);
      const twice = await req('POST', `/v2.0/agents/${other}/dhcp-networks`, { network_id: net.id });
      assert.equal(twice.status, 409);
      assert.equal(twice.body.NeutronError.type, 'NetworkHostedByDHCPAgent');
      const del = await req('DELETE', `/v2.0/agents/${other}/dhcp-networks/${net.id}`);
      assert.equal(del.status, 204);
      await castTo(otherHost, 'network_delete_end', (a) => a.network_id === net.id);
      const again = await req('DELETE', `/v2.0/agents/${other}/dhcp-networks/${net.id}`);
      assert.equal(again.status, 409);
      assert.equal(again.body.NeutronError.type, 'NetworkNotHostedByDhcpAgent');
    });

    it('dhcp-networks errors: not a DHCP agent, unknown agent, unknown network, bad network_id, non-admin', async () => {
      const notDhcp = await req('POST', `/v2.0/agents/${agentIds.l2}/dhcp-networks`, { network_id: first.net.id });
      assert.equal(notDhcp.status, 404);
      assert.equal(notDhcp.body.NeutronError.type, 'InvalidDHCPAgent');
      const noAgent = await req('POST', '/v2.0/agents/00000000-0000-4000-8000-000000000000/dhcp-networks', { network_id: first.net.id });
      assert.equal(noAgent.status, 404);
      assert.equal(noAgent.body.NeutronError.type, 'AgentNotFound');
      const noNet = await req('POST', `/v2.0/agents/${agentIds.dhcp1}/dhcp-networks`, { network_id: '00000000-0000-4000-8000-000000000000' });
      assert.equal(noNet.status, 404);
      assert.equal(noNet.body.NeutronError.type, 'NetworkNotFound');
      const bad = await req('POST', `/v2.0/agents/${agentIds.dhcp1}/dhcp-networks`, { network_id: 'nope' });
      assert.equal(bad.status, 400);
      assert.match(bad.body.NeutronError.message, /network_id/);
      const member = asMember('p1');
      assert.equal((await req('GET', `/v2.0/agents/${agentIds.dhcp1}/dhcp-networks`, undefined, member)).status, 403);
      assert.equal((await req('POST', `/v2.0/agents/${agentIds.dhcp1}/dhcp-networks`, { network_id: first.net.id }, member)).status, 403);
      assert.equal((await req('GET', `/v2.0/networks/${first.net.id}/dhcp-agents`, undefined, member)).status, 403);
      assert.equal((await req('GET', '/v2.0/networks/00000000-0000-4000-8000-000000000000/dhcp-agents')).status, 404);
      const ext = (await req('GET', '/v2.0/extensions')).body.extensions.map((e: Obj) => e.alias);
      assert.ok(ext.includes('dhcp_agent_scheduler'));
    });

    it("create_dhcp_port: device_owner network:dhcp, the agent's device_id, bound to its host, one IP per DHCP subnet", async () => {
      const host = (await req('GET', `/v2.0/networks/${first.net.id}/dhcp-agents`)).body.agents[0].host;
      const deviceId = `dhcp00000000-0000-5000-8000-000000000000-${first.net.id}`;
      const port: Obj = await s.bus.call(topics.PLUGIN, 'create_dhcp_port', { port: { port: { network_id: first.net.id, device_id: deviceId, fixed_ips: [{ subnet_id: first.subnet.id }] } }, host });
      assert.equal(port.device_owner, 'network:dhcp');
      assert.equal(port.device_id, deviceId);
      assert.equal(port['binding:host_id'], host);
      assert.equal(port.fixed_ips.length, 1);
      assert.equal(port.fixed_ips[0].subnet_id, first.subnet.id);
      const shown = (await req('GET', `/v2.0/ports/${port.id}`)).body.port;
      assert.equal(shown['binding:host_id'], host);
      assert.equal(await s.bus.call(topics.PLUGIN, 'create_dhcp_port', { port: { port: { network_id: '00000000-0000-4000-8000-000000000000', device_id: 'x' } }, host }), null);
      await s.bus.call(topics.PLUGIN, 'release_dhcp_port', { network_id: first.net.id, device_id: deviceId, host });
      assert.equal((await req('GET', `/v2.0/ports/${port.id}`)).status, 404);
    });

    it('get_active_networks_info: every network of the host with subnets and ports, in the same number of queries however many', async () => {
      const host = (await req('GET', `/v2.0/networks/${first.net.id}/dhcp-agents`)).body.agents[0].host;
      const p = (await req('POST', '/v2.0/ports', { port: { network_id: first.net.id, extra_dhcp_opts: [{ opt_name: 'bootfile-name', opt_value: 'pxe.0' }] } })).body.port;
      const nets: Obj[] = await s.bus.call(topics.PLUGIN, 'get_active_networks_info', { host });
      const n = nets.find((x) => x.id === first.net.id)!;
      assert.ok(n, 'the network is listed');
      assert.equal(n.mtu, first.net.mtu);
      assert.deepEqual(
        n.subnets.map((x: Obj) => [x.id, x.cidr, x.gateway_ip, x.enable_dhcp, x.dns_nameservers, x.host_routes]),
        [[first.subnet.id, '10.70.0.0/24', '10.70.0.1', true, ['192.0.2.1'], [{ destination: '172.16.0.0/16', nexthop: '10.70.0.254' }]]],
      );
      const listed = n.ports.find((x: Obj) => x.id === p.id);
      assert.deepEqual(listed.fixed_ips, p.fixed_ips);
      assert.equal(listed.mac_address, p.mac_address);
      assert.deepEqual(listed.extra_dhcp_opts, [{ opt_name: 'bootfile-name', opt_value: 'pxe.0', ip_version: 4 }]);
      const info: Obj = await s.bus.call(topics.PLUGIN, 'get_network_info', { network_id: first.net.id, host });
      assert.equal(info.id, first.net.id);
      assert.equal(await s.bus.call(topics.PLUGIN, 'get_network_info', { network_id: first.net.id, host: 'not-its-host' }), null, 'not served by that host');

      const counter = new QueryCounter();
      const counted = new DhcpRpcCallbacks({ ...s.api.services, db: { ...s.api.services.db, kysely: s.api.services.db.kysely.withPlugin(counter) } as typeof s.api.services.db }, undefined as never);
      await counted.activeNetworks(host);
      const few = counter.count;
      for (let i = 0; i < 4; i++) {
        const { net } = await dhcpNetwork(`bulk${i}`, `10.8${i}.0.0/24`);
        await req('POST', '/v2.0/ports', { ports: Array.from({ length: 5 }, () => ({ network_id: net.id })) });
        const hosting = (await req('GET', `/v2.0/networks/${net.id}/dhcp-agents`)).body.agents[0];
        if (hosting.host !== host) await req('POST', `/v2.0/agents/${agentIds[host]}/dhcp-networks`, { network_id: net.id });
      }
      counter.count = 0;
      const more = await counted.activeNetworks(host);
      assert.ok(more.length >= 5);
      assert.equal(counter.count, few, `queries: ${few} for one network, ${counter.count} for ${more.length}`);
      assert.ok(few <= 5, `${few} queries`);
    });

    it('failover: the networks of a dead DHCP agent move to a live one, both agents told, one log line each', async () => {
      const deadHost = 'dhcp1';
      const liveHost = 'dhcp2';
      const mine = (await req('GET', `/v2.0/agents/${agentIds[deadHost]}/dhcp-networks`)).body.networks.map((n: Obj) => n.id as string);
      assert.ok(mine.length > 0);
      const alsoLive = new Set((await req('GET', `/v2.0/agents/${agentIds[liveHost]}/dhcp-networks`)).body.networks.map((n: Obj) => n.id as string));
      // dhcp1 stops reporting: its heartbeat is older than agent_down_time
      await s.db.kysely
        .updateTable('agents')
        .set({ heartbeat_timestamp: agentTime(new Date(Date.now() - 60_000)) })
        .where('id', '=', agentIds[deadHost])
        .execute();
      await s.api.rpc
        .reportEndpoints()
        .report_state({ agent_state: { agent_state: { agent_type: 'DHCP agent', binary: 'x', host: liveHost, topic: topics.DHCP_AGENT } } }, { topic: '', method: '', kind: 'call' });
      const moved = await s.api.dhcpScheduling.failover();
      assert.deepEqual(moved.map((m) => m.network_id).sort(), [...mine].sort());
      // dhcp_agents_per_network = 1: a network the live agent serves already needs no other
      for (const m of moved) assert.deepEqual([m.from, m.to], [deadHost, alsoLive.has(m.network_id) ? null : liveHost], m.network_id);
      assert.ok(moved.some((m) => m.to === liveHost));
      assert.deepEqual((await req('GET', `/v2.0/agents/${agentIds[deadHost]}/dhcp-networks`)).body.networks, []);
      const now = (await req('GET', `/v2.0/agents/${agentIds[liveHost]}/dhcp-networks`)).body.networks.map((n: Obj) => n.id);
      for (const id of mine) assert.ok(now.includes(id));
      for (const id of mine) {
        if (!alsoLive.has(id))
          await castTo(
            liveHost,
            'network_create_end',
            (a) => a.network.id === id && casts.filter((c) => c.host === liveHost && c.method === 'network_create_end' && c.args.network.id === id).length >= 1,
          );
        await castTo(deadHost, 'network_delete_end', (a) => a.network_id === id);
      }
      assert.deepEqual(await s.api.dhcpScheduling.failover(), [], 'nothing left to move');
    });

    it('failover moves nothing when every DHCP agent is dead (the server is the likelier culprit)', async () => {
      await s.db.kysely
        .updateTable('agents')
        .set({ heartbeat_timestamp: agentTime(new Date(Date.now() - 60_000)) })
        .where('agent_type', '=', 'DHCP agent')
        .execute();
      assert.deepEqual(await s.api.dhcpScheduling.failover(), []);
    });
  });
}
