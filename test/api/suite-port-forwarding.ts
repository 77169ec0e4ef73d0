// The port forwarding suite: /v2.0/floatingips/{id}/port_forwardings with Neutron's attributes,
// checks and errors, its say in floating IP associations and port deletions, the agents' RPC
// (get_port_forwardings, sync_routers' port_forwardings_fip_set) and the casts to the L3
// agent's port_forwarding extension — on SQLite (api tier) and PostgreSQL (integration tier).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { SyncRouter } from '../../src/contract/l3.js';
import { GET_PORT_FORWARDINGS, PORT_FORWARDING_AGENT, PORT_FORWARDING_PLUGIN, type RouterPortForwardings } from '../../src/contract/port-forwarding.js';
import * as topics from '../../src/contract/topics.js';
import type { Consumer } from '../../src/rpc/bus.js';
import { asAdmin, asMember, startTestServer, type DbKind, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const ADMIN = asAdmin('admin-project');
const PF_ALIASES = ['floating-ip-port-forwarding', 'floating-ip-port-forwarding-description', 'floating-ip-port-forwarding-port-ranges'];

export function portForwardingSuite(kind: DbKind): void {
  describe(`port forwarding API on ${kind}`, () => {
    let s: TestServer;
    let plain: TestServer;
    const consumers: Consumer[] = [];
    const A = `pf-a-${randomUUID().slice(0, 8)}`;
    const B = `pf-b-${randomUUID().slice(0, 8)}`;
    const MA = asMember(A);
    const MB = asMember(B);
    const HOST = `pf-host-${randomUUID().slice(0, 6)}`;
    const casts: Obj[] = [];
    let seq = 0;
    const cidr = () => `10.${150 + Math.floor(++seq / 200)}.${seq % 200}.0/24`;

    before(async () => {
      s = await startTestServer(kind, { config: { DEFAULT: { service_plugins: 'router,port_forwarding' } } });
      plain = await startTestServer(kind);
    });
    after(async () => {
      for (const c of consumers) await c.stop();
      await s?.close();
      await plain?.close();
    });

    const ok = async (method: string, path: string, body?: unknown, headers: Record<string, string> = ADMIN) => {
      const r = await s.req(method, path, body, headers);
      assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const fails = async (status: number, type: string, method: string, path: string, body?: unknown, headers: Record<string, string> = MA) => {
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

    /** external network, a project network behind a router with a gateway, on a registered network host */
    const topology = async () => {
      const ext = (await ok('POST', '/v2.0/networks', { network: { name: 'pf-ext', 'router:external': true } })).network;
      const extSub = (await ok('POST', '/v2.0/subnets', { subnet: { network_id: ext.id, cidr: cidr(), ip_version: 4 } })).subnet;
      const net = (await ok('POST', '/v2.0/networks', { network: { name: 'pf-int' } }, MA)).network;
      const sub = (await ok('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: cidr(), ip_version: 4 } }, MA)).subnet;
      const router = (await ok('POST', '/v2.0/routers', { router: { name: 'pf-r', external_gateway_info: { network_id: ext.id } } }, MA)).router;
      await ok('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub.id }, MA);
      const port = async () => (await ok('POST', '/v2.0/ports', { port: { network_id: net.id } }, MA)).port;
      const fip = async (headers = MA) => (await ok('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.id } }, headers)).floatingip;
      return { ext, extSub, net, sub, router, port, fip };
    };
    let t: Awaited<ReturnType<typeof topology>>;
    const pfs = (fipId: string) => `/v2.0/floatingips/${fipId}/port_forwardings`;

    before(async () => {
      await reportState(HOST, 'Linux bridge agent', { interface_mappings: {}, tunnel_types: [] });
      consumers.push(
        await s.bus.consume(
          PORT_FORWARDING_AGENT,
          {
            port_forwardings_updated: (a: Obj) => {
              casts.push(a);
            },
          },
          { host: HOST, fanout: true, shared: false },
        ),
      );
      assert.equal(await reportState(HOST, 'L3 agent', { agent_mode: 'legacy' }), 'alive');
      t = await topology();
    });

    it('lists its extension aliases only when the plugin is loaded', async () => {
      const aliases = (await ok('GET', '/v2.0/extensions')).extensions.map((e: Obj) => e.alias);
      for (const a of PF_ALIASES) assert.ok(aliases.includes(a), a);
      const without = (await plain.req('GET', '/v2.0/extensions', undefined, ADMIN)).body.extensions.map((e: Obj) => e.alias);
      for (const a of PF_ALIASES) assert.ok(!without.includes(a), a);
      assert.equal((await plain.req('GET', `/v2.0/floatingips/${randomUUID()}/port_forwardings`, undefined, ADMIN)).status, 404);
    });

    it('refuses to load without the router plugin', async () => {
      await assert.rejects(startTestServer(kind, { config: { DEFAULT: { service_plugins: 'port_forwarding' } } }), /port_forwarding but not router/);
    });

    it('creates, shows, lists, filters, updates and deletes a forwarding', async () => {
      const port = await t.port();
      const fip = await t.fip();
      casts.length = 0;
      const body = { port_forwarding: { protocol: 'tcp', internal_port_id: port.id, internal_port: 22, external_port: 2222, description: 'ssh' } };
      const created = (await ok('POST', pfs(fip.id), body, MA)).port_forwarding;
      assert.match(created.id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(
        { ...created, id: undefined },
        {
          id: undefined,
          protocol: 'tcp',
          internal_port_id: port.id,
          internal_ip_address: port.fixed_ips[0].ip_address,
          internal_port: 22,
          external_port: 2222,
          internal_port_range: '22:22',
          external_port_range: '2222:2222',
          description: 'ssh',
        },
      );
      assert.equal(created.project_id, undefined);
      // the floating IP now goes through the router, without a port
      const f = (await ok('GET', `/v2.0/floatingips/${fip.id}`, undefined, MA)).floatingip;
      assert.equal(f.router_id, t.router.id);
      assert.equal(f.port_id, null);
      assert.deepEqual((await ok('GET', `${pfs(fip.id)}/${created.id}`, undefined, MA)).port_forwarding, created);
      const udp = (await ok('POST', pfs(fip.id), { port_forwarding: { protocol: 'udp', internal_port_id: port.id, internal_port: 53, external_port: 2222 } }, MA)).port_forwarding;
      assert.equal(udp.description, '');
      const all = (await ok('GET', pfs(fip.id), undefined, MA)).port_forwardings;
      assert.deepEqual(all.map((p: Obj) => p.id).sort(), [created.id, udp.id].sort());
      assert.deepEqual(
        (await ok('GET', `${pfs(fip.id)}?protocol=udp`, undefined, MA)).port_forwardings.map((p: Obj) => p.id),
        [udp.id],
      );
      assert.deepEqual((await ok('GET', `${pfs(fip.id)}?external_port=2222&protocol=tcp&fields=id&fields=external_port`, undefined, MA)).port_forwardings, [{ id: created.id, external_port: 2222 }]);
      assert.deepEqual(
        (await ok('GET', `${pfs(fip.id)}?sort_key=protocol&sort_dir=desc`, undefined, MA)).port_forwardings.map((p: Obj) => p.protocol),
        ['udp', 'tcp'],
      );
      const upd = (await ok('PUT', `${pfs(fip.id)}/${created.id}`, { port_forwarding: { internal_port: 2022, description: 'moved' } }, MA)).port_forwarding;
      assert.equal(upd.internal_port, 2022);
      assert.equal(upd.external_port, 2222);
      assert.equal(upd.description, 'moved');
      // the agent's view and the casts to the router's host
      const agentView = await s.bus.call<RouterPortForwardings[]>(PORT_FORWARDING_PLUGIN, GET_PORT_FORWARDINGS, { host: HOST, router_ids: [t.router.id] });
      const mine = agentView[0].port_forwardings.filter((p) => p.floatingip_id === fip.id);
      assert.deepEqual(
        mine.find((p) => p.id === created.id),
        {
          id: created.id,
          floatingip_id: fip.id,
          floating_ip_address: fip.floating_ip_address,
          protocol: 'tcp',
          internal_ip_address: port.fixed_ips[0].ip_address,
          internal_port_start: 2022,
          internal_port_end: 2022,
          external_port_start: 2222,
          external_port_end: 2222,
        },
      );
      await until('port_forwardings_updated casts', async () => (casts.filter((c) => c.routers?.includes(t.router.id)).length >= 3 ? true : undefined));
      const [synced] = await s.bus.call<SyncRouter[]>(topics.L3_PLUGIN, 'sync_routers', { host: HOST, router_ids: [t.router.id] });
      assert.ok(synced.port_forwardings_fip_set?.includes(`${fip.floating_ip_address}/32`), JSON.stringify(synced.port_forwardings_fip_set));
      assert.ok(!synced._floatingips.some((x) => x.id === fip.id));

      assert.equal((await s.req('DELETE', `${pfs(fip.id)}/${created.id}`, undefined, MA)).status, 204);
      await fails(404, 'PortForwardingNotFound', 'GET', `${pfs(fip.id)}/${created.id}`);
      assert.equal((await ok('GET', `/v2.0/floatingips/${fip.id}`, undefined, MA)).floatingip.router_id, t.router.id);
      assert.equal((await s.req('DELETE', `${pfs(fip.id)}/${udp.id}`, undefined, MA)).status, 204);
      // the last one gone, the floating IP lets go of the router
      assert.equal((await ok('GET', `/v2.0/floatingips/${fip.id}`, undefined, MA)).floatingip.router_id, null);
      const [after] = await s.bus.call<SyncRouter[]>(topics.L3_PLUGIN, 'sync_routers', { host: HOST, router_ids: [t.router.id] });
      assert.ok(!after.port_forwardings_fip_set?.includes(`${fip.floating_ip_address}/32`));
    });

    it('port ranges: a range onto a range of the same size or onto one port; overlaps refused', async () => {
      const port = await t.port();
      const fip = await t.fip();
      const make = (pf: Obj) => s.req('POST', pfs(fip.id), { port_forwarding: { protocol: 'tcp', internal_port_id: port.id, ...pf } }, MA);
      const r1 = await make({ external_port_range: '3000:3010', internal_port_range: '4000:4010' });
      assert.equal(r1.status, 201, JSON.stringify(r1.body));
      assert.equal(r1.body.port_forwarding.external_port, null);
      assert.equal(r1.body.port_forwarding.external_port_range, '3000:3010');
      const n1 = await make({ external_port_range: '5000:5009', internal_port: 8080 });
      assert.equal(n1.status, 201, JSON.stringify(n1.body));
      assert.equal(n1.body.port_forwarding.internal_port_range, '8080:8080');
      const agentView = await s.bus.call<RouterPortForwardings[]>(PORT_FORWARDING_PLUGIN, GET_PORT_FORWARDINGS, { host: HOST, router_ids: [t.router.id] });
      const ranged = agentView[0].port_forwardings.find((p) => p.id === r1.body.port_forwarding.id)!;
      assert.deepEqual([ranged.external_port_start, ranged.external_port_end, ranged.internal_port_start, ranged.internal_port_end], [3000, 3010, 4000, 4010]);
      let m = await fails(400, 'BadRequest', 'POST', pfs(fip.id), { port_forwarding: { protocol: 'tcp', internal_port_id: port.id, external_port: 3005, internal_port: 9999 } });
      assert.match(m, /duplicate port forwarding.*3000:3010/);
      // the internal side: the same socket of the same port
      m = await fails(400, 'BadRequest', 'POST', pfs(fip.id), { port_forwarding: { protocol: 'tcp', internal_port_id: port.id, external_port: 6000, internal_port: 4005 } });
      assert.match(m, /internal_port_range/);
      m = await fails(400, 'BadRequest', 'POST', pfs(fip.id), { port_forwarding: { protocol: 'tcp', internal_port_id: port.id, external_port_range: '7000:7010', internal_port_range: '7000:7004' } });
      assert.match(m, /same number of ports/);
      m = await fails(400, 'BadRequest', 'POST', pfs(fip.id), {
        port_forwarding: { protocol: 'tcp', internal_port_id: port.id, external_port: 7100, external_port_range: '7100:7101', internal_port: 1 },
      });
      assert.match(m, /external_port and external_port_range/);
      m = await fails(400, 'HTTPBadRequest', 'POST', pfs(fip.id), { port_forwarding: { protocol: 'tcp', internal_port_id: port.id, external_port_range: '10:5', internal_port: 1 } });
      assert.match(m, /external_port_range/);
      // udp on the same ports is another forwarding
      assert.equal((await make({ protocol: 'udp', external_port_range: '3000:3010', internal_port_range: '4000:4010' })).status, 201);
      // an update into an overlap is refused too, and changes nothing
      m = await fails(400, 'BadRequest', 'PUT', `${pfs(fip.id)}/${n1.body.port_forwarding.id}`, { port_forwarding: { external_port_range: '3010:3019' } });
      assert.match(m, /duplicate/);
      assert.equal((await ok('GET', `${pfs(fip.id)}/${n1.body.port_forwarding.id}`, undefined, MA)).port_forwarding.external_port_range, '5000:5009');
      assert.deepEqual(
        (await ok('GET', `${pfs(fip.id)}?external_port_range=5000:5009`, undefined, MA)).port_forwardings.map((p: Obj) => p.id),
        [n1.body.port_forwarding.id],
      );
    });

    it('bad input names the attribute; other projects see nothing', async () => {
      const port = await t.port();
      const fip = await t.fip();
      let m = await fails(400, 'HTTPBadRequest', 'POST', pfs(fip.id), { port_forwarding: { protocol: 'icmp', internal_port_id: port.id, internal_port: 1, external_port: 1 } });
      assert.match(m, /protocol/);
      m = await fails(400, 'HTTPBadRequest', 'POST', pfs(fip.id), { port_forwarding: { protocol: 'tcp', internal_port_id: port.id, internal_port: 1, external_port: 70000 } });
      assert.match(m, /external_port/);
      m = await fails(400, 'HTTPBadRequest', 'POST', pfs(fip.id), { port_forwarding: { protocol: 'tcp', internal_port: 1, external_port: 1 } });
      assert.match(m, /internal_port_id/);
      m = await fails(400, 'BadRequest', 'POST', pfs(fip.id), { port_forwarding: { protocol: 'tcp', internal_port_id: port.id, external_port: 1 } });
      assert.match(m, /internal_port or internal_port_range/);
      m = await fails(400, 'BadRequest', 'POST', pfs(fip.id), {
        port_forwarding: { protocol: 'tcp', internal_port_id: port.id, internal_ip_address: '10.255.255.1', internal_port: 1, external_port: 1 },
      });
      assert.match(m, /not suitable for internal neutron port/);
      await fails(404, 'PortNotFound', 'POST', pfs(fip.id), { port_forwarding: { protocol: 'tcp', internal_port_id: randomUUID(), internal_port: 1, external_port: 1 } });
      await fails(404, 'FloatingIPNotFound', 'GET', pfs(randomUUID()));
      // another project's floating IP is not there for B
      await fails(404, 'FloatingIPNotFound', 'GET', pfs(fip.id), undefined, MB);
      await fails(404, 'FloatingIPNotFound', 'POST', pfs(fip.id), { port_forwarding: { protocol: 'tcp', internal_port_id: port.id, internal_port: 1, external_port: 1 } }, MB);
      // a reader may list but not create
      const reader = { 'X-Project-Id': A, 'X-Roles': 'reader' };
      assert.equal((await s.req('GET', pfs(fip.id), undefined, reader)).status, 200);
      await fails(403, 'PolicyNotAuthorized', 'POST', pfs(fip.id), { port_forwarding: { protocol: 'tcp', internal_port_id: port.id, internal_port: 1, external_port: 1 } }, reader);
      // a subnet the floating IP's network cannot reach
      const lone = (await ok('POST', '/v2.0/networks', { network: { name: 'pf-lone' } }, MA)).network;
      await ok('POST', '/v2.0/subnets', { subnet: { network_id: lone.id, cidr: cidr(), ip_version: 4 } }, MA);
      const lonePort = (await ok('POST', '/v2.0/ports', { port: { network_id: lone.id } }, MA)).port;
      m = await fails(400, 'BadRequest', 'POST', pfs(fip.id), { port_forwarding: { protocol: 'tcp', internal_port_id: lonePort.id, internal_port: 1, external_port: 1 } });
      assert.match(m, /is not reachable from subnet/);
      assert.deepEqual((await ok('GET', pfs(fip.id), undefined, MA)).port_forwardings, []);
    });

    it('a floating IP with forwardings is not associated with a port, nor the other way round', async () => {
      const a = await t.port();
      const b = await t.port();
      const fip = await t.fip();
      await ok('POST', pfs(fip.id), { port_forwarding: { protocol: 'tcp', internal_port_id: a.id, internal_port: 80, external_port: 8080 } }, MA);
      await fails(409, 'FipInUseByPortForwarding', 'PUT', `/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: b.id } });
      // port_id null on it changes nothing (it keeps its router)
      await ok('PUT', `/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: null } }, MA);
      assert.equal((await ok('GET', `/v2.0/floatingips/${fip.id}`, undefined, MA)).floatingip.router_id, t.router.id);
      const held = (await ok('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: t.ext.id, port_id: b.id } }, MA)).floatingip;
      await fails(409, 'FloatingIPPortAlreadyAssociated', 'POST', pfs(held.id), { port_forwarding: { protocol: 'tcp', internal_port_id: a.id, internal_port: 81, external_port: 81 } });
      // b's address already has a floating IP of its own
      const m = await fails(409, 'PortHasBindingFloatingIP', 'POST', pfs(fip.id), { port_forwarding: { protocol: 'tcp', internal_port_id: b.id, internal_port: 82, external_port: 82 } });
      assert.match(m, new RegExp(b.id));
    });

    it('deleting the internal port deletes its forwardings; deleting the floating IP deletes them too', async () => {
      const a = await t.port();
      const b = await t.port();
      const fip = await t.fip();
      await ok('POST', pfs(fip.id), { port_forwarding: { protocol: 'tcp', internal_port_id: a.id, internal_port: 22, external_port: 2201 } }, MA);
      const kept = (await ok('POST', pfs(fip.id), { port_forwarding: { protocol: 'tcp', internal_port_id: b.id, internal_port: 22, external_port: 2202 } }, MA)).port_forwarding;
      assert.equal((await s.req('DELETE', `/v2.0/ports/${a.id}`, undefined, MA)).status, 204);
      assert.deepEqual(
        (await ok('GET', pfs(fip.id), undefined, MA)).port_forwardings.map((p: Obj) => p.id),
        [kept.id],
      );
      assert.equal((await ok('GET', `/v2.0/floatingips/${fip.id}`, undefined, MA)).floatingip.router_id, t.router.id);
      assert.equal((await s.req('DELETE', `/v2.0/ports/${b.id}`, undefined, MA)).status, 204);
      assert.equal((await ok('GET', `/v2.0/floatingips/${fip.id}`, undefined, MA)).floatingip.router_id, null);
      const c = await t.port();
      const fip2 = await t.fip();
      await ok('POST', pfs(fip2.id), { port_forwarding: { protocol: 'udp', internal_port_id: c.id, internal_port: 53, external_port: 53 } }, MA);
      assert.equal((await s.req('DELETE', `/v2.0/floatingips/${fip2.id}`, undefined, MA)).status, 204);
      const left = await s.bus.call<RouterPortForwardings[]>(PORT_FORWARDING_PLUGIN, GET_PORT_FORWARDINGS, { host: HOST, router_ids: [t.router.id] });
      assert.ok(!(left[0]?.port_forwardings ?? []).some((p) => p.floatingip_id === fip2.id));
    });

    it('concurrent creates of one external port: exactly one wins', async () => {
      const port = await t.port();
      const fip = await t.fip();
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => s.req('POST', pfs(fip.id), { port_forwarding: { protocol: 'tcp', internal_port_id: port.id, internal_port: 100 + i, external_port: 9000 } }, MA)),
      );
      assert.equal(results.filter((r) => r.status === 201).length, 1, JSON.stringify(results.map((r) => [r.status, r.body?.NeutronError?.type])));
      assert.ok(results.filter((r) => r.status !== 201).every((r) => r.status === 400 && r.body.NeutronError.type === 'BadRequest'));
    });
  });
}
