// l3-ha on SQLite (api tier) and PostgreSQL (integration tier): the router's `ha` (admin-only,
// defaulting to [DEFAULT] l3_ha), the per-project HA network and HA ports, scheduling to
// several L3 agents, /routers/{id}/l3-agents with ha_state, the states agents report
// (update_ha_routers_states) moving the router's ports, and router-admin-state-down-before-update.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { SyncRouter } from '../../src/contract/l3.js';
import * as topics from '../../src/contract/topics.js';
import { asAdmin, asMember, startTestServer, type DbKind, type TestServer } from '../helpers/server.js';

type Obj = Record<string, any>;
const ADMIN = asAdmin('admin-project');

export function l3HaSuite(kind: DbKind): void {
  describe(`l3-ha on ${kind}`, () => {
    let s: TestServer;
    const P = `ha-proj-${randomUUID().slice(0, 8)}`;
    const MP = asMember(P);
    const H1 = `ha-net1-${randomUUID().slice(0, 6)}`;
    const H2 = `ha-net2-${randomUUID().slice(0, 6)}`;
    const H3 = `ha-net3-${randomUUID().slice(0, 6)}`;
    let agent3 = '';

    const ok = async (method: string, path: string, body?: unknown, headers: Record<string, string> = ADMIN) => {
      const r = await s.req(method, path, body, headers);
      assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const fails = async (status: number, type: string, method: string, path: string, body?: unknown, headers: Record<string, string> = ADMIN) => {
      const r = await s.req(method, path, body, headers);
      assert.equal(r.status, status, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body?.NeutronError?.type, type, JSON.stringify(r.body));
      return r.body.NeutronError.message as string;
    };
    const reportState = (host: string, agentType: string, configurations: Obj = {}) =>
      s.bus.call<string>(topics.REPORTS, 'report_state', {
        agent_state: {
          agent_state: {
            agent_type: agentType,
            binary: agentType === 'L3 agent' ? 'neutrino-l3-agent' : 'neutrino-linuxbridge-agent',
            host,
            topic: agentType === 'L3 agent' ? topics.L3_AGENT : 'N/A',
            configurations,
            start_flag: true,
          },
        },
        time: new Date().toISOString(),
      });
    const l3call = <T>(method: string, args: Obj) => s.bus.call<T>(topics.L3_PLUGIN, method, args);
    const router = async (body: Obj = {}, headers = ADMIN) => (await ok('POST', '/v2.0/routers', { router: { name: `r-${randomUUID().slice(0, 6)}`, project_id: P, ...body } }, headers)).router;
    const l3Agents = async (id: string) => (await ok('GET', `/v2.0/routers/${id}/l3-agents`)).agents as Obj[];
    const haPorts = async (id: string) => ((await ok('GET', `/v2.0/ports?device_id=${id}`)).ports as Obj[]).filter((p) => p.device_owner === 'network:router_ha_interface');

    before(async () => {
      // l3_ha: routers are HA unless the request says otherwise
      s = await startTestServer(kind, { config: { DEFAULT: { l3_ha: 'true', max_l3_agents_per_router: '2', min_l3_agents_per_router: '2', agent_down_time: '60' } } });
      for (const h of [H1, H2, H3]) {
        await reportState(h, 'Linux bridge agent', { interface_mappings: {}, tunnel_types: ['vxlan'] });
        assert.equal(await reportState(h, 'L3 agent', { agent_mode: 'legacy' }), 'alive');
      }
      const agents = (await ok('GET', `/v2.0/agents?agent_type=L3%20agent`)).agents as Obj[];
      agent3 = agents.find((a) => a.host === H3)!.id;
      // two live agents for the HA routers of this suite
      await ok('PUT', `/v2.0/agents/${agent3}`, { agent: { admin_state_up: false } });
    });
    after(async () => {
      await s?.close();
    });

    it('lists router-admin-state-down-before-update, and not l3-ha until a lab test proves a failover', async () => {
      const aliases = (await ok('GET', '/v2.0/extensions')).extensions.map((e: Obj) => e.alias);
      assert.ok(!aliases.includes('l3-ha'));
      assert.ok(aliases.includes('router-admin-state-down-before-update'));
    });

    it('a router is HA by l3_ha: scheduled to two agents over the project HA network, one HA port each', async () => {
      const r = await router();
      assert.equal(r.ha, true);
      const agents = await l3Agents(r.id);
      assert.deepEqual(agents.map((a) => a.host).sort(), [H1, H2].sort());
      for (const a of agents) assert.equal(a.ha_state, 'standby');
      const nets = (await ok('GET', `/v2.0/networks?name=${encodeURIComponent(`HA network tenant ${P}`)}`)).networks as Obj[];
      assert.equal(nets.length, 1);
      assert.equal(nets[0].project_id, '');
      const subnets = (await ok('GET', `/v2.0/subnets?network_id=${nets[0].id}`)).subnets as Obj[];
      assert.equal(subnets[0].cidr, '169.254.192.0/18');
      assert.equal(subnets[0].enable_dhcp, false);
      assert.equal(subnets[0].gateway_ip, null);
      const ports = await haPorts(r.id);
      assert.equal(ports.length, 2);
      for (const p of ports) {
        assert.equal(p.name, `HA port tenant ${P}`);
        assert.equal(p.network_id, nets[0].id);
        assert.equal(p.project_id, '');
      }
      assert.deepEqual(ports.map((p) => p['binding:host_id']).sort(), [H1, H2].sort());
      // a second HA router of the project shares the network, with the next VRRP id
      const r2 = await router();
      const [sr1] = await l3call<SyncRouter[]>('sync_routers', { host: H1, router_ids: [r.id] });
      const [sr2] = await l3call<SyncRouter[]>('sync_routers', { host: H2, router_ids: [r2.id] });
      assert.equal(sr1.ha, true);
      assert.equal(sr2.ha, true);
      assert.notEqual(sr1.ha_vr_id, sr2.ha_vr_id);
      assert.ok(sr1._ha_interface, 'the HA port of the asking host');
      assert.equal(sr1._ha_interface!.network_id, nets[0].id);
      assert.equal(sr1._ha_interface!.id, ports.find((p) => p['binding:host_id'] === H1)!.id);
      assert.equal(sr1._ha_state, 'standby');
      assert.equal((await ok('GET', `/v2.0/networks?name=${encodeURIComponent(`HA network tenant ${P}`)}`)).networks.length, 1);
      await ok('DELETE', `/v2.0/routers/${r2.id}`);
      await ok('DELETE', `/v2.0/routers/${r.id}`);
      assert.deepEqual(await haPorts(r.id), []);
    });

    it('ha is admin-only: a member neither sets nor sees it, and gets l3_ha', async () => {
      const msg = await fails(403, 'PolicyNotAuthorized', 'POST', '/v2.0/routers', { router: { name: 'x', ha: false } }, MP);
      assert.match(msg, /create_router:ha/);
      const r = await router({ project_id: undefined }, MP);
      assert.equal('ha' in r, false);
      const shown = (await ok('GET', `/v2.0/routers/${r.id}`, undefined, MP)).router;
      assert.equal('ha' in shown, false);
      assert.equal((await ok('GET', `/v2.0/routers/${r.id}`)).router.ha, true);
      await fails(403, 'PolicyNotAuthorized', 'PUT', `/v2.0/routers/${r.id}`, { router: { ha: false } }, MP);
      await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MP);
    });

    it('ha false on create gives a legacy router on one agent (no ha_state)', async () => {
      const r = await router({ ha: false });
      assert.equal(r.ha, false);
      // a legacy router is scheduled when it first has a gateway or interface
      const n = (await ok('POST', '/v2.0/networks', { network: { name: 'ha-int', project_id: P } })).network;
      const sn = (await ok('POST', '/v2.0/subnets', { subnet: { network_id: n.id, cidr: '10.77.1.0/24', ip_version: 4, project_id: P } })).subnet;
      await ok('PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: sn.id });
      const agents = await l3Agents(r.id);
      assert.equal(agents.length, 1);
      assert.equal('ha_state' in agents[0], false);
      assert.deepEqual(await haPorts(r.id), []);
      await ok('PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: sn.id });
      await ok('DELETE', `/v2.0/routers/${r.id}`);
      await ok('DELETE', `/v2.0/networks/${n.id}`);
    });

    it('changing ha needs admin_state_up false first (router-admin-state-down-before-update)', async () => {
      const r = await router({ ha: false });
      const msg = await fails(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}`, { router: { ha: true } });
      assert.match(msg, /Cannot change HA attribute of active routers\. Please set router admin_state_up to False prior to upgrade/);
      assert.equal((await ok('GET', `/v2.0/routers/${r.id}`)).router.ha, false, 'nothing changed');
      // admin down in the same request is enough
      const up = (await ok('PUT', `/v2.0/routers/${r.id}`, { router: { ha: true, admin_state_up: false } })).router;
      assert.equal(up.ha, true);
      assert.equal((await l3Agents(r.id)).length, 2);
      assert.equal((await haPorts(r.id)).length, 2);
      // the same value is no change: allowed while up
      await ok('PUT', `/v2.0/routers/${r.id}`, { router: { admin_state_up: true } });
      await ok('PUT', `/v2.0/routers/${r.id}`, { router: { ha: true, name: 'same' } });
      await fails(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}`, { router: { ha: false } });
      await ok('PUT', `/v2.0/routers/${r.id}`, { router: { admin_state_up: false } });
      const down = (await ok('PUT', `/v2.0/routers/${r.id}`, { router: { ha: false } })).router;
      assert.equal(down.ha, false);
      assert.deepEqual(await haPorts(r.id), []);
      await ok('DELETE', `/v2.0/routers/${r.id}`);
    });

    it('the states agents report show as ha_state, and the active agent gets the router ports', async () => {
      const r = await router();
      const n = (await ok('POST', '/v2.0/networks', { network: { name: 'ha-int2', project_id: P } })).network;
      const sn = (await ok('POST', '/v2.0/subnets', { subnet: { network_id: n.id, cidr: '10.77.2.0/24', ip_version: 4, project_id: P } })).subnet;
      const iface = await ok('PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: sn.id });
      const hostOfIface = async () => (await ok('GET', `/v2.0/ports/${iface.port_id}`)).port['binding:host_id'];
      const states = async () => Object.fromEntries((await l3Agents(r.id)).map((a) => [a.host, a.ha_state]));

      await l3call('update_ha_routers_states', { host: H2, states: { [r.id]: 'active' } });
      assert.deepEqual(await states(), { [H1]: 'standby', [H2]: 'active' });
      assert.equal(await hostOfIface(), H2);
      // failover: H1 takes over, H2 says standby
      await l3call('update_ha_routers_states', { host: H1, states: { [r.id]: 'active' } });
      await l3call('update_ha_routers_states', { host: H2, states: { [r.id]: 'standby' } });
      assert.deepEqual(await states(), { [H1]: 'active', [H2]: 'standby' });
      assert.equal(await hostOfIface(), H1);
      // a host that does not host the router changes nothing; a bad state is refused
      await l3call('update_ha_routers_states', { host: H3, states: { [r.id]: 'active' } });
      assert.deepEqual(await states(), { [H1]: 'active', [H2]: 'standby' });
      await assert.rejects(l3call('update_ha_routers_states', { host: H1, states: { [r.id]: 'master' } }), /not one of/);
      // an interface added now is bound to the active agent's host
      const sn2 = (
        await ok('POST', '/v2.0/subnets', {
          subnet: { network_id: (await ok('POST', '/v2.0/networks', { network: { name: 'ha-int3', project_id: P } })).network.id, cidr: '10.77.3.0/24', ip_version: 4, project_id: P },
        })
      ).subnet;
      const iface2 = await ok('PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: sn2.id });
      assert.equal((await ok('GET', `/v2.0/ports/${iface2.port_id}`)).port['binding:host_id'], H1);
      // the agents' own sync does not pull the ports to themselves
      await l3call('sync_routers', { host: H2 });
      assert.equal(await hostOfIface(), H1);
      await ok('PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: sn.id });
      await ok('PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: sn2.id });
      await ok('DELETE', `/v2.0/routers/${r.id}`);
    });

    it('too few live L3 agents: HANotEnoughAvailableAgents, nothing made', async () => {
      const agents = (await ok('GET', `/v2.0/agents?agent_type=L3%20agent`)).agents as Obj[];
      const a2 = agents.find((a) => a.host === H2)!.id;
      await ok('PUT', `/v2.0/agents/${a2}`, { agent: { admin_state_up: false } });
      try {
        const before = (await ok('GET', '/v2.0/routers')).routers.length;
        const msg = await fails(409, 'HANotEnoughAvailableAgents', 'POST', '/v2.0/routers', { router: { name: 'lonely', project_id: P } });
        assert.match(msg, /Minimum required 2, available 1/);
        assert.equal((await ok('GET', '/v2.0/routers')).routers.length, before);
      } finally {
        await ok('PUT', `/v2.0/agents/${a2}`, { agent: { admin_state_up: true } });
      }
    });
  });
}
