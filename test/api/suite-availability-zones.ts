// Availability zones (availability_zone, availability_zone_filter, network_availability_zone,
// router_availability_zone), run on SQLite (api tier) and PostgreSQL (integration tier): the
// zones agents report, their filters and policy, hints checked and stored, and the DHCP and L3
// schedulers choosing agents of the hinted zones.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as topics from '../../src/contract/topics.js';
import { asAdmin, asMember, startTestServer, type DbKind, type TestServer } from '../helpers/server.js';

type Obj = Record<string, any>;
const ADMIN = asAdmin('admin-project');
const MEMBER = asMember('az-member-project');

export function availabilityZoneSuite(kind: DbKind): void {
  describe(`availability zones (${kind})`, () => {
    let s: TestServer;
    const req = (method: string, path: string, body?: unknown, headers = ADMIN) => s.req(method, path, body, headers);
    const agents: Record<string, string> = {};

    async function register(host: string, agentType: string, zone: string): Promise<string> {
      const topic = agentType === 'DHCP agent' ? topics.DHCP_AGENT : topics.L3_AGENT;
      await s.api.rpc
        .reportEndpoints()
        .report_state({ agent_state: { agent_state: { agent_type: agentType, binary: 'x', host, topic, availability_zone: zone, configurations: {} } } }, { topic: '', method: '', kind: 'call' });
      return (await req('GET', `/v2.0/agents?host=${host}`)).body.agents.find((x: Obj) => x.agent_type === agentType).id;
    }

    const zones = async (query = '', headers = ADMIN): Promise<Obj[]> => {
      const r = await req('GET', `/v2.0/availability_zones${query}`, undefined, headers);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.availability_zones;
    };
    const key = (z: Obj) => `${z.name}/${z.resource}/${z.state}`;

    before(async () => {
      s = await startTestServer(kind, { config: { DEFAULT: { agent_down_time: '60' } } });
      agents.dhcpA = await register('az-dhcp-a', 'DHCP agent', 'az-a');
      agents.dhcpB = await register('az-dhcp-b', 'DHCP agent', 'az-b');
      agents.l3A = await register('az-l3-a', 'L3 agent', 'az-a');
      agents.l3C = await register('az-l3-c', 'L3 agent', 'az-c');
    });
    after(async () => {
      await s?.close();
    });

    it('lists the four extensions', async () => {
      const aliases = (await req('GET', '/v2.0/extensions')).body.extensions.map((e: Obj) => e.alias);
      for (const a of ['availability_zone', 'availability_zone_filter', 'network_availability_zone', 'router_availability_zone']) assert.ok(aliases.includes(a), a);
    });

    it('lists the zones of DHCP agents as network zones and of L3 agents as router zones', async () => {
      assert.deepEqual((await zones()).map(key), ['az-a/network/available', 'az-a/router/available', 'az-b/network/available', 'az-c/router/available']);
    });

    it('filters by name, resource and state, and selects fields', async () => {
      assert.deepEqual(
        (await zones('?resource=router')).map((z) => z.name),
        ['az-a', 'az-c'],
      );
      assert.deepEqual((await zones('?name=az-a&resource=network')).map(key), ['az-a/network/available']);
      assert.deepEqual(await zones('?name=az-b&fields=name'), [{ name: 'az-b' }]);
      assert.deepEqual(await zones('?state=unavailable'), []);
      const bad = await req('GET', '/v2.0/availability_zones?colour=red');
      assert.equal(bad.status, 400);
      assert.match(bad.body.NeutronError.message, /colour/);
    });

    it('a zone whose agents are all disabled is unavailable', async () => {
      assert.equal((await req('PUT', `/v2.0/agents/${agents.dhcpB}`, { agent: { admin_state_up: false } })).status, 200);
      try {
        assert.deepEqual((await zones('?state=unavailable')).map(key), ['az-b/network/unavailable']);
      } finally {
        await req('PUT', `/v2.0/agents/${agents.dhcpB}`, { agent: { admin_state_up: true } });
      }
    });

    it('is admin-only by default, as Neutron: a member gets an empty list', async () => {
      assert.deepEqual(await zones('', MEMBER), []);
    });

    it('a network keeps its hints, and its DHCP agent is one of the hinted zone', async () => {
      const net = (await req('POST', '/v2.0/networks', { network: { name: 'az-net', availability_zone_hints: ['az-b'] } })).body.network;
      assert.deepEqual(net.availability_zone_hints, ['az-b']);
      assert.deepEqual(net.availability_zones, []);
      assert.equal((await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.81.0.0/24', ip_version: 4 } })).status, 201);
      // the first DHCP port schedules the network
      assert.equal((await req('POST', '/v2.0/ports', { port: { network_id: net.id } })).status, 201);
      const hosting = (await req('GET', `/v2.0/networks/${net.id}/dhcp-agents`)).body.agents.map((a: Obj) => a.host);
      assert.deepEqual(hosting, ['az-dhcp-b']);
      assert.deepEqual((await req('GET', `/v2.0/networks/${net.id}`)).body.network.availability_zones, ['az-b']);
      const list = (await req('GET', `/v2.0/networks?name=az-net&fields=id&fields=availability_zones`)).body.networks;
      assert.deepEqual(list, [{ id: net.id, availability_zones: ['az-b'] }]);
    });

    it('refuses a hint that names no zone of the resource, writing nothing', async () => {
      const before = (await req('GET', '/v2.0/networks?name=az-nope')).body.networks.length;
      const r = await req('POST', '/v2.0/networks', { network: { name: 'az-nope', availability_zone_hints: ['az-c'] } });
      assert.equal(r.status, 404);
      assert.equal(r.body.NeutronError.type, 'AvailabilityZoneNotFound');
      assert.equal(r.body.NeutronError.message, 'AvailabilityZone az-c could not be found.');
      assert.equal((await req('GET', '/v2.0/networks?name=az-nope')).body.networks.length, before);
      const router = await req('POST', '/v2.0/routers', { router: { name: 'az-nope', availability_zone_hints: ['az-b'] } });
      assert.equal(router.status, 404);
      assert.equal(router.body.NeutronError.type, 'AvailabilityZoneNotFound');
    });

    it('refuses malformed hints with a 400 naming the attribute', async () => {
      for (const hints of ['az-a', ['az-a', 'az-a'], [7], ['x'.repeat(300)]]) {
        const r = await req('POST', '/v2.0/networks', { network: { name: 'az-bad', availability_zone_hints: hints } });
        assert.equal(r.status, 400, JSON.stringify(hints));
        assert.match(r.body.NeutronError.message, /availability_zone_hints/);
      }
      const net = (await req('POST', '/v2.0/networks', { network: { name: 'az-put' } })).body.network;
      const put = await req('PUT', `/v2.0/networks/${net.id}`, { network: { availability_zone_hints: ['az-a'] } });
      assert.equal(put.status, 400);
    });

    it('a router is hosted by an L3 agent of its hinted zone', async () => {
      for (const [zone, host] of [
        ['az-c', 'az-l3-c'],
        ['az-a', 'az-l3-a'],
      ]) {
        const r = (await req('POST', '/v2.0/routers', { router: { name: `az-r-${zone}`, availability_zone_hints: [zone] } })).body.router;
        assert.deepEqual(r.availability_zone_hints, [zone]);
        const hosting = (await req('GET', `/v2.0/routers/${r.id}/l3-agents`)).body.agents.map((a: Obj) => a.host);
        assert.deepEqual(hosting, [host]);
        assert.deepEqual((await req('GET', `/v2.0/routers/${r.id}`)).body.router.availability_zones, [zone]);
      }
      const plain = (await req('POST', '/v2.0/routers', { router: { name: 'az-r-any' } })).body.router;
      assert.deepEqual(plain.availability_zone_hints, []);
    });
  });

  describe(`[DEFAULT] default_availability_zones (${kind})`, () => {
    let s: TestServer;
    const req = (method: string, path: string, body?: unknown) => s.req(method, path, body, ADMIN);
    const register = (host: string, agentType: string, zone: string) =>
      s.api.rpc.reportEndpoints().report_state(
        {
          agent_state: {
            agent_state: { agent_type: agentType, binary: 'x', host, topic: agentType === 'DHCP agent' ? topics.DHCP_AGENT : topics.L3_AGENT, availability_zone: zone, configurations: {} },
          },
        },
        { topic: '', method: '', kind: 'call' },
      );

    before(async () => {
      s = await startTestServer(kind, { config: { DEFAULT: { agent_down_time: '60', default_availability_zones: 'az-d' } } });
      // the least loaded and first by name is in another zone: only the option sends work to az-d
      await register('az-d0-dhcp', 'DHCP agent', 'az-other');
      await register('az-d1-dhcp', 'DHCP agent', 'az-d');
      await register('az-d0-l3', 'L3 agent', 'az-other');
      await register('az-d1-l3', 'L3 agent', 'az-d');
    });
    after(async () => {
      await s?.close();
    });

    it('a network and a router without hints go to agents of the default zones', async () => {
      const net = (await req('POST', '/v2.0/networks', { network: { name: 'az-default-net' } })).body.network;
      assert.deepEqual(net.availability_zone_hints, []);
      await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.82.0.0/24', ip_version: 4 } });
      assert.equal((await req('POST', '/v2.0/ports', { port: { network_id: net.id } })).status, 201);
      assert.deepEqual(
        (await req('GET', `/v2.0/networks/${net.id}/dhcp-agents`)).body.agents.map((a: Obj) => a.host),
        ['az-d1-dhcp'],
      );
      const router = (await req('POST', '/v2.0/routers', { router: { name: 'az-default-router' } })).body.router;
      assert.deepEqual(router.availability_zones, ['az-d']);
      // a hint overrides the default zones
      const hinted = (await req('POST', '/v2.0/routers', { router: { name: 'az-hinted-router', availability_zone_hints: ['az-other'] } })).body.router;
      assert.deepEqual(hinted.availability_zones, ['az-other']);
    });
  });
}
