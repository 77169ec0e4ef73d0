// The L3 suite: routers (gateway, interfaces, extra routes), floating IPs, their errors and
// policy, L3 agent scheduling with router ports bound to the agent's host, the agents' RPC
// (sync_routers, get_router_ids, update_floatingip_statuses, get_external_network_id) and
// the casts to l3_agent.<host> — on SQLite (api tier) and PostgreSQL (integration tier).
// Agents register as real ones do: report_state over the test server's bus.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { SyncRouter } from '../../src/contract/l3.js';
import type { Consumer } from '../../src/rpc/bus.js';
import * as topics from '../../src/contract/topics.js';
import { asAdmin, asMember, startTestServer, type DbKind, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const ADMIN = asAdmin('admin-project');
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Cast {
  method: string;
  args: Obj;
}

export function l3Suite(kind: DbKind): void {
  describe(`L3 API on ${kind}`, () => {
    let s: TestServer;
    const consumers: Consumer[] = [];
    const A = `proj-a-${randomUUID().slice(0, 8)}`;
    const B = `proj-b-${randomUUID().slice(0, 8)}`;
    const MA = asMember(A);
    const MB = asMember(B);
    let cidrSeq = 0;
    /** a fresh 10.x.y.0/24 per call, so subnets of different tests never overlap by accident */
    const cidr = () => `10.${100 + Math.floor(++cidrSeq / 200)}.${cidrSeq % 200}.0/24`;

    before(async () => {
      s = await startTestServer(kind, { config: { DEFAULT: { max_routes: '3', agent_down_time: '30', allow_automatic_l3agent_failover: 'true' } } });
    });
    after(async () => {
      for (const c of consumers) await c.stop();
      await s?.close();
    });

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
    const net = async (body: Obj = {}, headers = ADMIN) => (await ok('POST', '/v2.0/networks', { network: { name: `n-${randomUUID().slice(0, 6)}`, ...body } }, headers)).network;
    const subnet = async (networkId: string, c: string, body: Obj = {}, headers = ADMIN) =>
      (await ok('POST', '/v2.0/subnets', { subnet: { network_id: networkId, cidr: c, ip_version: c.includes(':') ? 6 : 4, ...body } }, headers)).subnet;
    const port = async (networkId: string, body: Obj = {}, headers = ADMIN) => (await ok('POST', '/v2.0/ports', { port: { network_id: networkId, ...body } }, headers)).port;
    const router = async (body: Obj = {}, headers = MA) => (await ok('POST', '/v2.0/routers', { router: { name: `r-${randomUUID().slice(0, 6)}`, ...body } }, headers)).router;
    /** an external network (admin's) with one IPv4 subnet */
    const external = async (c = cidr()) => {
      const n = await net({ 'router:external': true });
      return { net: n, subnet: await subnet(n.id, c) };
    };
    /** a project network with one subnet */
    const internal = async (headers = MA, c = cidr()) => {
      const n = await net({}, headers);
      return { net: n, subnet: await subnet(n.id, c, {}, headers) };
    };
    const addIface = (routerId: string, body: Obj, headers = MA) => s.req('PUT', `/v2.0/routers/${routerId}/add_router_interface`, body, headers);
    const removeIface = (routerId: string, body: Obj, headers = MA) => s.req('PUT', `/v2.0/routers/${routerId}/remove_router_interface`, body, headers);
    const portsOf = async (deviceId: string) => (await ok('GET', `/v2.0/ports?device_id=${deviceId}`)).ports as Obj[];

    /** Registers an agent as the real ones do: report_state on q-reports-plugin. */
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
    /** A network host: an L2 agent (so router ports can bind there) and an L3 agent; the L3 agent's casts are recorded. */
    const networkHost = async (host: string): Promise<Cast[]> => {
      await reportState(host, 'Linux bridge agent', { interface_mappings: {}, tunnel_types: [] });
      const casts: Cast[] = [];
      const record = (method: string) => (args: Obj) => {
        casts.push({ method, args });
      };
      consumers.push(
        await s.bus.consume(
          topics.L3_AGENT,
          {
            routers_updated: record('routers_updated'),
            router_deleted: record('router_deleted'),
            router_added_to_agent: record('router_added_to_agent'),
            router_removed_from_agent: record('router_removed_from_agent'),
          },
          { host, fanout: true, shared: false },
        ),
      );
      assert.equal(await reportState(host, 'L3 agent', { agent_mode: 'legacy' }), 'alive');
      return casts;
    };
    const l3call = <T>(method: string, args: Obj) => s.bus.call<T>(topics.L3_PLUGIN, method, args);
    const castOf = (casts: Cast[], method: string, has: (a: Obj) => boolean) => until(`${method} cast`, async () => casts.find((c) => c.method === method && has(c.args)));

    describe('routers', () => {
      it('create, show, list, update and delete with Neutron defaults', async () => {
        const r = await router({ description: 'd' });
        assert.match(r.id, UUID_RE);
        assert.equal(r.project_id, A);
        assert.equal(r.tenant_id, A);
        assert.equal(r.admin_state_up, true);
        assert.equal(r.status, 'ACTIVE');
        assert.equal(r.external_gateway_info, null);
        assert.deepEqual(r.routes, []);
        assert.deepEqual(r.tags, []);
        assert.equal(r.description, 'd');
        assert.equal(r.revision_number, 0);
        const shown = (await ok('GET', `/v2.0/routers/${r.id}`, undefined, MA)).router;
        assert.deepEqual(shown, r);
        const listed = (await ok('GET', `/v2.0/routers?name=${r.name}`, undefined, MA)).routers;
        assert.deepEqual(
          listed.map((x: Obj) => x.id),
          [r.id],
        );
        const upd = (await ok('PUT', `/v2.0/routers/${r.id}`, { router: { name: 'renamed', admin_state_up: false } }, MA)).router;
        assert.equal(upd.name, 'renamed');
        assert.equal(upd.admin_state_up, false);
        assert.equal(upd.revision_number, 1);
        assert.equal((await s.req('PUT', `/v2.0/routers/${r.id}/tags/blue`, undefined, MA)).status, 201);
        assert.deepEqual(
          (await ok('GET', `/v2.0/routers?tags=blue&id=${r.id}`, undefined, MA)).routers.map((x: Obj) => x.id),
          [r.id],
        );
        assert.equal((await s.req('DELETE', `/v2.0/routers/${r.id}`, undefined, MA)).status, 204);
        await fails(404, 'RouterNotFound', 'GET', `/v2.0/routers/${r.id}`, undefined, MA);
      });

      it('another project cannot see, change or delete a router (404); routes are not given on create (400)', async () => {
        const r = await router();
        await fails(404, 'RouterNotFound', 'GET', `/v2.0/routers/${r.id}`, undefined, MB);
        await fails(404, 'RouterNotFound', 'PUT', `/v2.0/routers/${r.id}`, { router: { name: 'x' } }, MB);
        await fails(404, 'RouterNotFound', 'DELETE', `/v2.0/routers/${r.id}`, undefined, MB);
        await fails(404, 'RouterNotFound', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: randomUUID() }, MB);
        assert.deepEqual(
          (await ok('GET', '/v2.0/routers', undefined, MB)).routers.filter((x: Obj) => x.id === r.id),
          [],
        );
        await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/routers', { router: { routes: [] } }, MA);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
      });

      it('counts against [quotas] quota_router (10): the eleventh is 409 OverQuota', async () => {
        const P = asMember(`proj-q-${randomUUID().slice(0, 8)}`);
        const made = [];
        for (let i = 0; i < 10; i++) made.push(await router({}, P));
        await fails(409, 'OverQuota', 'POST', '/v2.0/routers', { router: { name: 'x' } }, P);
        for (const r of made) await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, P);
      });
    });

    describe('external gateway', () => {
      it('a gateway on a router:external network: a project-less port network:router_gateway, SNAT on by default', async () => {
        const ext = await external();
        const r = await router({ external_gateway_info: { network_id: ext.net.id } });
        assert.equal(r.external_gateway_info.network_id, ext.net.id);
        assert.equal(r.external_gateway_info.enable_snat, true);
        assert.equal(r.external_gateway_info.external_fixed_ips.length, 1);
        assert.equal(r.external_gateway_info.external_fixed_ips[0].subnet_id, ext.subnet.id);
        const [gw] = await portsOf(r.id);
        assert.equal(gw.device_owner, 'network:router_gateway');
        assert.equal(gw.project_id, '');
        assert.equal(gw.network_id, ext.net.id);
        assert.equal(gw.fixed_ips[0].ip_address, r.external_gateway_info.external_fixed_ips[0].ip_address);
        // the member does not see the gateway port, as in Neutron
        assert.deepEqual((await ok('GET', `/v2.0/ports?device_id=${r.id}`, undefined, MA)).ports, []);
        // clearing it removes the port
        const cleared = (await ok('PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: {} } }, MA)).router;
        assert.equal(cleared.external_gateway_info, null);
        assert.deepEqual(await portsOf(r.id), []);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
      });

      it('enable_snat and external_fixed_ips are for admins (403); admins set them; moving to another network replaces the port', async () => {
        const ext = await external();
        const ext2 = await external();
        const r = await router();
        const m1 = await fails(403, 'PolicyNotAuthorized', 'PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: ext.net.id, enable_snat: false } } }, MA);
        assert.match(m1, /update_router:external_gateway_info:enable_snat/);
        await fails(403, 'PolicyNotAuthorized', 'POST', '/v2.0/routers', { router: { external_gateway_info: { network_id: ext.net.id, enable_snat: false } } }, MA);
        await fails(
          403,
          'PolicyNotAuthorized',
          'PUT',
          `/v2.0/routers/${r.id}`,
          { router: { external_gateway_info: { network_id: ext.net.id, external_fixed_ips: [{ subnet_id: ext.subnet.id }] } } },
          MA,
        );
        const ip = ext.subnet.allocation_pools[0].end;
        const set = (await ok('PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: ext.net.id, enable_snat: false, external_fixed_ips: [{ ip_address: ip }] } } })).router;
        assert.equal(set.external_gateway_info.enable_snat, false);
        assert.deepEqual(set.external_gateway_info.external_fixed_ips, [{ subnet_id: ext.subnet.id, ip_address: ip }]);
        await fails(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: ext.net.id, external_fixed_ips: [{ ip_address: ext.subnet.gateway_ip }] } } });
        const moved = (await ok('PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: ext2.net.id } } }, MA)).router;
        assert.equal(moved.external_gateway_info.network_id, ext2.net.id);
        assert.equal(moved.external_gateway_info.enable_snat, true);
        const ports = await portsOf(r.id);
        assert.deepEqual(
          ports.map((p) => p.network_id),
          [ext2.net.id],
        );
        await ok('PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: null } }, MA);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
      });

      it('a network that is not external is 400 naming it; one that does not exist is 404; making it internal while used is 409', async () => {
        const plain = await internal();
        const m = await fails(400, 'BadRequest', 'POST', '/v2.0/routers', { router: { external_gateway_info: { network_id: plain.net.id } } }, MA);
        assert.match(m, new RegExp(`${plain.net.id} is not an external network`));
        await fails(404, 'NetworkNotFound', 'POST', '/v2.0/routers', { router: { external_gateway_info: { network_id: randomUUID() } } }, MA);
        await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/routers', { router: { external_gateway_info: { enable_snat: true } } }, MA);
        const ext = await external();
        const r = await router({ external_gateway_info: { network_id: ext.net.id } });
        await fails(409, 'ExternalNetworkInUse', 'PUT', `/v2.0/networks/${ext.net.id}`, { network: { 'router:external': false } });
        await fails(409, 'NetworkInUse', 'DELETE', `/v2.0/networks/${ext.net.id}`);
        const [gw] = await portsOf(r.id);
        await fails(409, 'ServicePortInUse', 'DELETE', `/v2.0/ports/${gw.id}`);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
        assert.deepEqual(await portsOf(r.id), [], 'deleting the router removes its gateway port');
        await ok('PUT', `/v2.0/networks/${ext.net.id}`, { network: { 'router:external': false } });
      });
    });

    describe('router interfaces', () => {
      it("l3-port-ip-change-not-allowed: a router interface's IPv4 address does not change through the port API (400, as Neutron)", async () => {
        const i = await internal();
        const r = await router();
        assert.equal((await addIface(r.id, { subnet_id: i.subnet.id })).status, 200);
        const [rport] = (await portsOf(r.id)).filter((p) => p.device_owner === 'network:router_interface');
        const other = i.subnet.cidr.replace(/0\/24$/, '77');
        const m = await fails(400, 'BadRequest', 'PUT', `/v2.0/ports/${rport.id}`, { port: { fixed_ips: [{ subnet_id: i.subnet.id, ip_address: other }] } });
        assert.equal(m, `Bad ports request: IP updates for port ${rport.id} are not allowed.`);
        assert.deepEqual((await ok('GET', `/v2.0/ports/${rport.id}`)).port.fixed_ips, rport.fixed_ips);
        // the same addresses, or other attributes, are fine
        await ok('PUT', `/v2.0/ports/${rport.id}`, { port: { fixed_ips: rport.fixed_ips, name: 'iface' } });
        assert.ok((await ok('GET', '/v2.0/extensions')).extensions.some((e: Obj) => e.alias === 'l3-port-ip-change-not-allowed'));
        assert.equal((await removeIface(r.id, { subnet_id: i.subnet.id })).status, 200);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
      });

      it('by subnet: a port holding the gateway_ip, device_owner network:router_interface; the answer as Neutron', async () => {
        const i = await internal();
        const r = await router();
        const add = await addIface(r.id, { subnet_id: i.subnet.id });
        assert.equal(add.status, 200, JSON.stringify(add.body));
        const info = add.body;
        assert.deepEqual(Object.keys(info).sort(), ['id', 'network_id', 'port_id', 'project_id', 'subnet_id', 'subnet_ids', 'tenant_id']);
        assert.equal(info.id, r.id);
        assert.equal(info.project_id, A);
        assert.equal(info.tenant_id, A);
        assert.equal(info.subnet_id, i.subnet.id);
        assert.deepEqual(info.subnet_ids, [i.subnet.id]);
        assert.equal(info.network_id, i.net.id);
        const p = (await ok('GET', `/v2.0/ports/${info.port_id}`, undefined, MA)).port;
        assert.equal(p.device_owner, 'network:router_interface');
        assert.equal(p.device_id, r.id);
        assert.deepEqual(p.fixed_ips, [{ subnet_id: i.subnet.id, ip_address: i.subnet.gateway_ip }]);

        // what still uses it
        await fails(409, 'SubnetInUse', 'DELETE', `/v2.0/subnets/${i.subnet.id}`, undefined, MA);
        await fails(409, 'NetworkInUse', 'DELETE', `/v2.0/networks/${i.net.id}`, undefined, MA);
        const m = await fails(409, 'ServicePortInUse', 'DELETE', `/v2.0/ports/${info.port_id}`, undefined, MA);
        assert.match(m, /network:router_interface/);
        await fails(409, 'RouterInUse', 'DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
        // twice: 400
        await fails(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: i.subnet.id }, MA);

        const rm = await removeIface(r.id, { subnet_id: i.subnet.id });
        assert.equal(rm.status, 200, JSON.stringify(rm.body));
        assert.equal(rm.body.port_id, info.port_id);
        await fails(404, 'PortNotFound', 'GET', `/v2.0/ports/${info.port_id}`, undefined, MA);
        await fails(404, 'RouterInterfaceNotFoundForSubnet', 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: i.subnet.id }, MA);
        await fails(404, 'RouterInterfaceNotFound', 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { port_id: info.port_id }, MA);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
        await ok('DELETE', `/v2.0/networks/${i.net.id}`, undefined, MA);
      });

      it("by port: the port becomes the router's; one with a device is 409 PortInUse; one without addresses is 400", async () => {
        const i = await internal();
        const r = await router();
        const p = await port(i.net.id, { fixed_ips: [{ subnet_id: i.subnet.id, ip_address: i.subnet.allocation_pools[0].start }] }, MA);
        const add = await addIface(r.id, { port_id: p.id });
        assert.equal(add.status, 200, JSON.stringify(add.body));
        assert.equal(add.body.port_id, p.id);
        assert.deepEqual(add.body.subnet_ids, [i.subnet.id]);
        const taken = (await ok('GET', `/v2.0/ports/${p.id}`, undefined, MA)).port;
        assert.equal(taken.device_owner, 'network:router_interface');
        assert.equal(taken.device_id, r.id);

        const busy = await port(i.net.id, { device_id: 'vm-1' }, MA);
        await fails(409, 'PortInUse', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { port_id: busy.id }, MA);
        const bare = await net({}, MA);
        const noIp = await port(bare.id, {}, MA);
        await fails(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { port_id: noIp.id }, MA);
        await fails(404, 'PortNotFound', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { port_id: randomUUID() }, MA);

        const wrongSubnet = await subnet(bare.id, cidr(), {}, MA);
        await fails(400, 'SubnetMismatchForPort', 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { port_id: p.id, subnet_id: wrongSubnet.id }, MA);
        const rm = await removeIface(r.id, { port_id: p.id });
        assert.equal(rm.status, 200, JSON.stringify(rm.body));
        await fails(404, 'PortNotFound', 'GET', `/v2.0/ports/${p.id}`, undefined, MA);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
      });

      it('refuses bad requests as Neutron: neither or both ids, no gateway_ip, overlapping cidrs, external subnets', async () => {
        const r = await router();
        const i = await internal();
        assert.match(await fails(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, {}, MA), /Either subnet_id or port_id must be specified/);
        const p = await port(i.net.id, {}, MA);
        assert.match(await fails(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: i.subnet.id, port_id: p.id }, MA), /Cannot specify both/);
        await fails(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: 'not-a-uuid' }, MA);
        await fails(404, 'SubnetNotFound', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: randomUUID() }, MA);

        const n2 = await net({}, MA);
        const noGw = await subnet(n2.id, cidr(), { gateway_ip: null }, MA);
        assert.match(await fails(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: noGw.id }, MA), /must have a gateway IP/);

        assert.equal((await addIface(r.id, { subnet_id: i.subnet.id })).status, 200);
        const n3 = await net({}, MA);
        const same = await subnet(n3.id, i.subnet.cidr, {}, MA);
        assert.match(await fails(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: same.id }, MA), /overlaps with cidr/);

        const ext = await external();
        await fails(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: ext.subnet.id });
        // a gateway on a network overlapping an interface: 400 as well
        const extOverlap = await external(i.subnet.cidr);
        await fails(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: extOverlap.net.id } } }, MA);
        await fails(403, 'PolicyNotAuthorized', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: i.subnet.id }, { 'x-project-id': A, 'x-roles': 'reader' });
        assert.equal((await removeIface(r.id, { subnet_id: i.subnet.id })).status, 200);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
      });
      it('IPv6: a SLAAC subnet gets an interface on its gateway; a subnet with address mode but no RA mode is 400', async () => {
        const r = await router();
        const n = await net({}, MA);
        const v6 = await subnet(n.id, 'fd00:77::/64', { ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' }, MA);
        const add = await addIface(r.id, { subnet_id: v6.id });
        assert.equal(add.status, 200, JSON.stringify(add.body));
        const p = (await ok('GET', `/v2.0/ports/${add.body.port_id}`, undefined, MA)).port;
        assert.deepEqual(p.fixed_ips, [{ subnet_id: v6.id, ip_address: 'fd00:77::1' }]);
        const n2 = await net({}, MA);
        const external = await subnet(n2.id, 'fd00:78::/64', { ipv6_address_mode: 'slaac' }, MA);
        await fails(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: external.id }, MA);
        assert.equal((await removeIface(r.id, { subnet_id: v6.id })).status, 200);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
      });

      it("another project's subnet: only when its network is shared with the project by name (RBAC), not with everyone (400)", async () => {
        const r = await router();
        const everyone = await net({ shared: true });
        const everyoneSub = await subnet(everyone.id, cidr());
        assert.match(await fails(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: everyoneSub.id }, MA), /not owned by project/);
        const named = await net();
        const namedSub = await subnet(named.id, cidr());
        await fails(404, 'SubnetNotFound', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: namedSub.id }, MA);
        await ok('POST', '/v2.0/rbac-policies', { rbac_policy: { object_type: 'network', object_id: named.id, action: 'access_as_shared', target_tenant: A } });
        const add = await addIface(r.id, { subnet_id: namedSub.id });
        assert.equal(add.status, 200, JSON.stringify(add.body));
        assert.equal(add.body.project_id, A, "the interface port is the router's project's");
        assert.equal((await removeIface(r.id, { subnet_id: namedSub.id })).status, 200);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
      });
    });

    describe('extra routes', () => {
      it("nexthops must be on the router's subnets and not the router itself (400 InvalidRoutes); at most max_routes (400 RoutesExhausted)", async () => {
        const i = await internal();
        const r = await router();
        assert.equal((await addIface(r.id, { subnet_id: i.subnet.id })).status, 200);
        const base = i.subnet.cidr.replace(/0\/24$/, '');
        const hop = `${base}50`;
        const m = await fails(400, 'InvalidRoutes', 'PUT', `/v2.0/routers/${r.id}`, { router: { routes: [{ destination: '192.168.77.0/24', nexthop: '172.31.9.9' }] } }, MA);
        assert.match(m, /not connected with router/);
        assert.match(
          await fails(400, 'InvalidRoutes', 'PUT', `/v2.0/routers/${r.id}`, { router: { routes: [{ destination: '192.168.77.0/24', nexthop: i.subnet.gateway_ip }] } }, MA),
          /used by router/,
        );
        await fails(400, 'HTTPBadRequest', 'PUT', `/v2.0/routers/${r.id}`, { router: { routes: [{ destination: 'nonsense', nexthop: hop }] } }, MA);
        const routes = [{ destination: '192.168.77.0/24', nexthop: hop }];
        const upd = (await ok('PUT', `/v2.0/routers/${r.id}`, { router: { routes } }, MA)).router;
        assert.deepEqual(upd.routes, routes);
        const four = [1, 2, 3, 4].map((n) => ({ destination: `192.168.${n}.0/24`, nexthop: hop }));
        await fails(400, 'RoutesExhausted', 'PUT', `/v2.0/routers/${r.id}`, { router: { routes: four } }, MA);
        // the interface the route needs stays
        await fails(409, 'RouterInterfaceInUseByRoute', 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: i.subnet.id }, MA);

        // extraroute-atomic
        const added = (await ok('PUT', `/v2.0/routers/${r.id}/add_extraroutes`, { router: { routes: [{ destination: '192.168.88.0/24', nexthop: hop }] } }, MA)).router;
        assert.equal(added.routes.length, 2);
        const removed = (await ok('PUT', `/v2.0/routers/${r.id}/remove_extraroutes`, { router: { routes } }, MA)).router;
        assert.deepEqual(removed.routes, [{ destination: '192.168.88.0/24', nexthop: hop }]);
        const none = (await ok('PUT', `/v2.0/routers/${r.id}`, { router: { routes: null } }, MA)).router;
        assert.deepEqual(none.routes, []);
        assert.equal((await removeIface(r.id, { subnet_id: i.subnet.id })).status, 200);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
      });
    });

    describe('floating IPs', () => {
      it('create on an external network: DOWN, an address of it held by a network:floatingip port; 400/404 as Neutron otherwise', async () => {
        const ext = await external();
        const f = (await ok('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.net.id, description: 'web' } }, MA)).floatingip;
        assert.match(f.id, UUID_RE);
        assert.equal(f.status, 'DOWN');
        assert.equal(f.project_id, A);
        assert.equal(f.floating_network_id, ext.net.id);
        assert.equal(f.router_id, null);
        assert.equal(f.port_id, null);
        assert.equal(f.fixed_ip_address, null);
        assert.equal(f.port_details, null);
        assert.equal(f.description, 'web');
        assert.deepEqual(f.tags, []);
        assert.equal('subnet_id' in f, false);
        const [fport] = await portsOf(f.id);
        assert.equal(fport.device_owner, 'network:floatingip');
        assert.equal(fport.project_id, '');
        assert.deepEqual(fport.fixed_ips, [{ subnet_id: ext.subnet.id, ip_address: f.floating_ip_address }]);
        await fails(409, 'ServicePortInUse', 'DELETE', `/v2.0/ports/${fport.id}`);
        await fails(404, 'FloatingIPNotFound', 'GET', `/v2.0/floatingips/${f.id}`, undefined, MB);
        assert.deepEqual(
          (await ok('GET', `/v2.0/floatingips?floating_network_id=${ext.net.id}`, undefined, MA)).floatingips.map((x: Obj) => x.id),
          [f.id],
        );

        const plain = await internal();
        assert.match(await fails(400, 'BadRequest', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: plain.net.id } }, MA), /not a valid external network/);
        await fails(404, 'NetworkNotFound', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: randomUUID() } }, MA);
        const addr = ext.subnet.allocation_pools[0].end;
        assert.match(
          await fails(403, 'PolicyNotAuthorized', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.net.id, floating_ip_address: addr } }, MA),
          /create_floatingip:floating_ip_address/,
        );
        const chosen = (await ok('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.net.id, floating_ip_address: addr, project_id: A } })).floatingip;
        assert.equal(chosen.floating_ip_address, addr);
        await fails(409, 'IpAddressAlreadyAllocated', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.net.id, floating_ip_address: addr } });

        assert.equal((await s.req('DELETE', `/v2.0/floatingips/${f.id}`, undefined, MA)).status, 204);
        assert.deepEqual(await portsOf(f.id), [], 'the floating IP port goes with it');
        await ok('DELETE', `/v2.0/floatingips/${chosen.id}`);
      });

      it('associate through the router joining the networks, disassociate with port_id null; the errors of Neutron', async () => {
        const ext = await external();
        const i = await internal();
        const vm = await port(i.net.id, { device_id: 'vm-a', device_owner: 'compute:nova' }, MA);
        const f = (await ok('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.net.id } }, MA)).floatingip;
        // no router yet
        await fails(404, 'ExternalGatewayForFloatingIPNotFound', 'PUT', `/v2.0/floatingips/${f.id}`, { floatingip: { port_id: vm.id } }, MA);
        const r = await router({ external_gateway_info: { network_id: ext.net.id } });
        await fails(404, 'ExternalGatewayForFloatingIPNotFound', 'PUT', `/v2.0/floatingips/${f.id}`, { floatingip: { port_id: vm.id } }, MA);
        assert.equal((await addIface(r.id, { subnet_id: i.subnet.id })).status, 200);
        const assoc = (await ok('PUT', `/v2.0/floatingips/${f.id}`, { floatingip: { port_id: vm.id } }, MA)).floatingip;
        assert.equal(assoc.port_id, vm.id);
        assert.equal(assoc.router_id, r.id);
        assert.equal(assoc.fixed_ip_address, vm.fixed_ips[0].ip_address);
        assert.equal(assoc.status, 'DOWN');
        // fip-port-details: the associated port's facts, null when none
        assert.deepEqual(assoc.port_details, {
          name: vm.name,
          network_id: i.net.id,
          mac_address: vm.mac_address,
          admin_state_up: true,
          status: vm.status,
          device_id: 'vm-a',
          device_owner: 'compute:nova',
        });
        assert.deepEqual((await ok('GET', `/v2.0/floatingips?id=${f.id}&fields=port_details`, undefined, MA)).floatingips, [{ port_details: assoc.port_details }]);
        assert.ok((await ok('GET', '/v2.0/extensions')).extensions.some((e: Obj) => e.alias === 'fip-port-details'));

        const f2 = (await ok('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.net.id } }, MA)).floatingip;
        await fails(409, 'FloatingIPPortAlreadyAssociated', 'PUT', `/v2.0/floatingips/${f2.id}`, { floatingip: { port_id: vm.id } }, MA);
        await fails(400, 'BadRequest', 'PUT', `/v2.0/floatingips/${f2.id}`, { floatingip: { fixed_ip_address: vm.fixed_ips[0].ip_address } }, MA);
        await fails(400, 'BadRequest', 'PUT', `/v2.0/floatingips/${f2.id}`, { floatingip: { port_id: vm.id, fixed_ip_address: '10.255.255.1' } }, MA);
        const [rport] = (await portsOf(r.id)).filter((p) => p.device_owner === 'network:router_interface');
        await fails(400, 'BadRequest', 'PUT', `/v2.0/floatingips/${f2.id}`, { floatingip: { port_id: rport.id } });
        const other = await port(i.net.id, {}, MA);
        await fails(404, 'PortNotFound', 'PUT', `/v2.0/floatingips/${f2.id}`, { floatingip: { port_id: randomUUID() } }, MA);
        await fails(404, 'FloatingIPNotFound', 'PUT', `/v2.0/floatingips/${f2.id}`, { floatingip: { port_id: other.id } }, MB);

        // what the association holds in place
        const m2 = await fails(400, 'BadRequest', 'PUT', `/v2.0/ports/${vm.id}`, { port: { fixed_ips: [{ subnet_id: i.subnet.id, ip_address: i.subnet.cidr.replace(/0\/24$/, '99') }] } }, ADMIN);
        assert.match(m2, /associated to a floating ip/);
        await fails(409, 'RouterInterfaceInUseByFloatingIP', 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: i.subnet.id }, MA);
        await fails(409, 'RouterExternalGatewayInUseByFloatingIp', 'PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: null } }, MA);

        // the description changes while associated; an update without port_id keeps the association
        const described = (await ok('PUT', `/v2.0/floatingips/${f.id}`, { floatingip: { description: 'while associated' } }, MA)).floatingip;
        assert.equal(described.description, 'while associated');
        assert.equal(described.port_id, vm.id);
        assert.equal(described.router_id, r.id);
        assert.equal(described.fixed_ip_address, vm.fixed_ips[0].ip_address);
        // an empty update lets it go, as Neutron's _check_and_get_fip_assoc; port_id null too
        const emptied = (await ok('PUT', `/v2.0/floatingips/${f.id}`, { floatingip: {} }, MA)).floatingip;
        assert.equal(emptied.port_id, null);
        assert.equal(emptied.router_id, null);
        assert.equal(emptied.description, 'while associated');
        assert.equal((await ok('PUT', `/v2.0/floatingips/${f.id}`, { floatingip: { port_id: vm.id } }, MA)).floatingip.port_id, vm.id);
        const dis = (await ok('PUT', `/v2.0/floatingips/${f.id}`, { floatingip: { port_id: null } }, MA)).floatingip;
        assert.equal(dis.port_id, null);
        assert.equal(dis.router_id, null);
        assert.equal(dis.fixed_ip_address, null);
        // associate again at create time
        const f3 = (await ok('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.net.id, port_id: vm.id } }, MA)).floatingip;
        assert.equal(f3.router_id, r.id);
        // deleting the port lets the floating IP go (Neutron does the same)
        await ok('DELETE', `/v2.0/ports/${vm.id}`, undefined, MA);
        const after3 = (await ok('GET', `/v2.0/floatingips/${f3.id}`, undefined, MA)).floatingip;
        assert.equal(after3.port_id, null);
        assert.equal(after3.router_id, null);
        assert.equal(after3.fixed_ip_address, null);

        for (const x of [f, f2, f3]) await ok('DELETE', `/v2.0/floatingips/${x.id}`, undefined, MA);
        await ok('DELETE', `/v2.0/ports/${other.id}`, undefined, MA);
        assert.equal((await removeIface(r.id, { subnet_id: i.subnet.id })).status, 200);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
      });
      it('floatingip-pools: GET /v2.0/floatingip_pools lists the IPv4 subnets of external networks, as Neutron', async () => {
        const ext = await external();
        await subnet(ext.net.id, 'fd00:99::/64');
        const plain = await internal();
        const pools = (await ok('GET', '/v2.0/floatingip_pools', undefined, MA)).floatingip_pools as Obj[];
        const mine = pools.filter((p) => p.network_id === ext.net.id);
        assert.deepEqual(mine, [{ subnet_id: ext.subnet.id, subnet_name: ext.subnet.name, project_id: A, tenant_id: A, network_id: ext.net.id, cidr: ext.subnet.cidr }]);
        assert.ok(!pools.some((p) => p.network_id === plain.net.id));
        const some = (await ok('GET', '/v2.0/floatingip_pools?fields=subnet_id&fields=cidr', undefined, MA)).floatingip_pools as Obj[];
        assert.ok(some.every((p) => Object.keys(p).sort().join() === 'cidr,subnet_id'));
        assert.ok((await ok('GET', '/v2.0/extensions')).extensions.some((e: Obj) => e.alias === 'floatingip-pools'));
      });

      it('deleting an external network deletes its unassociated floating IPs; an associated one holds it (409 NetworkInUse naming the port), as Neutron', async () => {
        const ext = await external();
        const i = await internal();
        const vm = await port(i.net.id, { device_id: 'vm-n', device_owner: 'compute:nova' }, MA);
        const r = await router({ external_gateway_info: { network_id: ext.net.id } });
        assert.equal((await addIface(r.id, { subnet_id: i.subnet.id })).status, 200);
        const free = (await ok('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.net.id } }, MA)).floatingip;
        const held = (await ok('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.net.id, port_id: vm.id } }, MA)).floatingip;
        const [heldPort] = await portsOf(held.id);
        const m = await fails(409, 'NetworkInUse', 'DELETE', `/v2.0/networks/${ext.net.id}`);
        assert.match(m, new RegExp(`^Unable to complete operation on network ${ext.net.id}\\. There are one or more ports still in use on the network, id for these ports is: .*${heldPort.id}`));
        // refused as a whole: the unassociated one is still there
        await ok('GET', `/v2.0/floatingips/${free.id}`, undefined, MA);
        await ok('PUT', `/v2.0/floatingips/${held.id}`, { floatingip: { port_id: null } }, MA);
        assert.equal((await removeIface(r.id, { subnet_id: i.subnet.id })).status, 200);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
        assert.equal((await s.req('DELETE', `/v2.0/networks/${ext.net.id}`)).status, 204);
        await fails(404, 'FloatingIPNotFound', 'GET', `/v2.0/floatingips/${free.id}`, undefined, MA);
        await fails(404, 'FloatingIPNotFound', 'GET', `/v2.0/floatingips/${held.id}`, undefined, MA);
        assert.deepEqual(await portsOf(free.id), []);
        assert.deepEqual(await portsOf(held.id), []);
      });
    });

    describe('quotas and routes through the gateway', () => {
      it('floating IPs count against [quotas] quota_floatingip (409 OverQuota past it)', async () => {
        const P = `proj-f-${randomUUID().slice(0, 8)}`;
        await ok('PUT', `/v2.0/quotas/${P}`, { quota: { floatingip: 1 } });
        const ext = await external();
        const f = (await ok('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.net.id } }, asMember(P))).floatingip;
        await fails(409, 'OverQuota', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.net.id } }, asMember(P));
        await ok('DELETE', `/v2.0/floatingips/${f.id}`, undefined, asMember(P));
      });

      it('a nexthop on the gateway network is a valid route; clearing the gateway under it is 400 InvalidRoutes', async () => {
        const ext = await external();
        const r = await router({ external_gateway_info: { network_id: ext.net.id } });
        const hop = ext.subnet.allocation_pools[0].end;
        const set = (await ok('PUT', `/v2.0/routers/${r.id}`, { router: { routes: [{ destination: '198.51.100.0/24', nexthop: hop }] } }, MA)).router;
        assert.equal(set.routes.length, 1);
        await fails(400, 'InvalidRoutes', 'PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: null } }, MA);
        const both = (await ok('PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: null, routes: [] } }, MA)).router;
        assert.equal(both.external_gateway_info, null);
        assert.deepEqual(both.routes, []);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
      });
    });

    describe('L3 agents: scheduling, binding, RPC and notifications', () => {
      const H1 = `net-${randomUUID().slice(0, 8)}`;
      const H2 = `net2-${randomUUID().slice(0, 8)}`;
      let casts1: Cast[];
      let ext: { net: Obj; subnet: Obj };
      let unscheduled: Obj;

      before(async () => {
        ext = await external();
        // made while no L3 agent exists: scheduled when one asks for its routers
        unscheduled = await router();
        casts1 = await networkHost(H1);
      });

      it('get_router_ids auto-schedules routers made before the agent came; l3-agents and l3-routers show it (admin only)', async () => {
        const ids = await l3call<string[]>('get_router_ids', { host: H1 });
        assert.ok(ids.includes(unscheduled.id), JSON.stringify(ids));
        const agents = (await ok('GET', `/v2.0/routers/${unscheduled.id}/l3-agents`)).agents;
        assert.equal(agents.length, 1);
        assert.equal(agents[0].host, H1);
        assert.equal(agents[0].agent_type, 'L3 agent');
        assert.equal(agents[0].alive, true);
        const routers = (await ok('GET', `/v2.0/agents/${agents[0].id}/l3-routers`)).routers;
        assert.ok(routers.some((r: Obj) => r.id === unscheduled.id));
        await fails(403, 'PolicyNotAuthorized', 'GET', `/v2.0/routers/${unscheduled.id}/l3-agents`, undefined, MA);
        await fails(403, 'PolicyNotAuthorized', 'GET', `/v2.0/agents/${agents[0].id}/l3-routers`, undefined, MA);
        const listed = (await ok('GET', '/v2.0/agents?agent_type=L3%20agent')).agents.map((a: Obj) => a.host);
        assert.ok(listed.includes(H1));
        await ok('DELETE', `/v2.0/routers/${unscheduled.id}`, undefined, MA);
        await castOf(casts1, 'router_deleted', (a) => a.router_id === unscheduled.id);
      });

      it("a new router goes to the live agent; its ports are bound to the agent's host; the agent hears of every change", async () => {
        const i = await internal();
        const r = await router({ external_gateway_info: { network_id: ext.net.id } });
        await castOf(casts1, 'router_added_to_agent', (a) => a.payload.includes(r.id));
        assert.equal((await addIface(r.id, { subnet_id: i.subnet.id })).status, 200);
        await castOf(casts1, 'routers_updated', (a) => a.routers.includes(r.id));
        const ports = await portsOf(r.id);
        assert.equal(ports.length, 2);
        for (const p of ports) {
          assert.equal(p['binding:host_id'], H1, `${p.device_owner} bound to the agent's host`);
          assert.equal(p['binding:vif_type'], 'bridge', JSON.stringify(p['binding:vif_details']));
        }

        // sync_routers: every field of the contract
        const [sr] = await l3call<SyncRouter[]>('sync_routers', { host: H1, router_ids: [r.id] });
        assert.equal(sr.id, r.id);
        assert.equal(sr.name, r.name);
        assert.equal(sr.project_id, A);
        assert.equal(sr.admin_state_up, true);
        assert.equal(sr.status, 'ACTIVE');
        assert.deepEqual(sr.routes, []);
        assert.equal(sr.enable_snat, true);
        assert.equal(sr.ha, false);
        assert.equal(sr.distributed, false);
        assert.deepEqual(sr._floatingips, []);
        const gw = sr.gw_port!;
        const gwApi = ports.find((p) => p.device_owner === 'network:router_gateway')!;
        assert.deepEqual(Object.keys(gw).sort(), ['admin_state_up', 'device_owner', 'fixed_ips', 'id', 'mac_address', 'mtu', 'network_id', 'subnets']);
        assert.equal(gw.id, gwApi.id);
        assert.equal(gw.network_id, ext.net.id);
        assert.equal(gw.mac_address, gwApi.mac_address);
        assert.equal(gw.device_owner, 'network:router_gateway');
        assert.equal(gw.admin_state_up, true);
        assert.equal(gw.mtu, ext.net.mtu);
        assert.deepEqual(gw.fixed_ips, [{ subnet_id: ext.subnet.id, ip_address: gwApi.fixed_ips[0].ip_address, prefixlen: 24 }]);
        assert.deepEqual(gw.subnets, [{ id: ext.subnet.id, cidr: ext.subnet.cidr, gateway_ip: ext.subnet.gateway_ip, ip_version: 4 }]);
        assert.equal(sr._interfaces.length, 1);
        const [iface] = sr._interfaces;
        assert.equal(iface.device_owner, 'network:router_interface');
        assert.equal(iface.network_id, i.net.id);
        assert.deepEqual(iface.fixed_ips, [{ subnet_id: i.subnet.id, ip_address: i.subnet.gateway_ip, prefixlen: 24 }]);
        assert.deepEqual(iface.subnets, [{ id: i.subnet.id, cidr: i.subnet.cidr, gateway_ip: i.subnet.gateway_ip, ip_version: 4 }]);

        // a subnet's new gateway_ip reaches the agent of a router on it
        const gwSent = casts1.length;
        const base = i.subnet.cidr.replace(/0\/24$/, '');
        await ok('PUT', `/v2.0/subnets/${i.subnet.id}`, { subnet: { gateway_ip: `${base}254`, allocation_pools: [{ start: `${base}2`, end: `${base}253` }] } }, MA);
        await until('routers_updated after the gateway_ip change', async () => casts1.slice(gwSent).find((c) => c.method === 'routers_updated' && c.args.routers.includes(r.id)));
        const [moved] = await l3call<SyncRouter[]>('sync_routers', { host: H1, router_ids: [r.id] });
        assert.equal(moved._interfaces[0].subnets[0].gateway_ip, `${base}254`);

        // floating IPs: in the router's data, ACTIVE when the agent says so
        const vm = await port(i.net.id, { device_id: 'vm-b', device_owner: 'compute:nova' }, MA);
        const sent = casts1.length;
        const f = (await ok('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.net.id, port_id: vm.id } }, MA)).floatingip;
        await until('routers_updated after the floating IP', async () => casts1.slice(sent).find((c) => c.method === 'routers_updated' && c.args.routers.includes(r.id)));
        const [withFip] = await l3call<SyncRouter[]>('sync_routers', { host: H1, router_ids: [r.id] });
        assert.deepEqual(withFip._floatingips, [
          { id: f.id, floating_ip_address: f.floating_ip_address, floating_network_id: ext.net.id, fixed_ip_address: vm.fixed_ips[0].ip_address, port_id: vm.id, status: 'DOWN' },
        ]);
        assert.equal(await l3call('update_floatingip_statuses', { router_id: r.id, fip_statuses: { [f.id]: 'ACTIVE' } }), null);
        assert.equal((await ok('GET', `/v2.0/floatingips/${f.id}`, undefined, MA)).floatingip.status, 'ACTIVE');

        // the port with the floating IP is deleted: the agent hears of it
        const n = casts1.length;
        await ok('DELETE', `/v2.0/ports/${vm.id}`, undefined, MA);
        await until('routers_updated after the port delete', async () => casts1.slice(n).find((c) => c.method === 'routers_updated' && c.args.routers.includes(r.id)));
        const [noFip] = await l3call<SyncRouter[]>('sync_routers', { host: H1, router_ids: [r.id] });
        assert.deepEqual(noFip._floatingips, []);

        // an administratively down router is left out, as Neutron's active-only sync
        await ok('PUT', `/v2.0/routers/${r.id}`, { router: { admin_state_up: false } }, MA);
        assert.deepEqual(await l3call('sync_routers', { host: H1, router_ids: [r.id] }), []);
        await ok('PUT', `/v2.0/routers/${r.id}`, { router: { admin_state_up: true } }, MA);
        const all = await l3call<SyncRouter[]>('sync_routers', { host: H1 });
        assert.ok(all.some((x) => x.id === r.id));
        assert.deepEqual(await l3call('sync_routers', { host: 'nowhere' }), []);

        await ok('DELETE', `/v2.0/floatingips/${f.id}`, undefined, MA);
        assert.equal((await removeIface(r.id, { subnet_id: i.subnet.id })).status, 200);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
        await castOf(casts1, 'router_deleted', (a) => a.router_id === r.id);
      });

      it('admins move routers between agents: ports follow, both agents are told; hosted elsewhere is 409', async () => {
        const casts2 = await networkHost(H2);
        const agents = (await ok('GET', '/v2.0/agents?agent_type=L3%20agent')).agents as Obj[];
        const a1 = agents.find((a) => a.host === H1)!;
        const a2 = agents.find((a) => a.host === H2)!;
        const r = await router({ external_gateway_info: { network_id: ext.net.id } });
        const [hosting] = (await ok('GET', `/v2.0/routers/${r.id}/l3-agents`)).agents;
        const from = hosting.id === a1.id ? a1 : a2;
        const to = from === a1 ? a2 : a1;
        const toCasts = to === a2 ? casts2 : casts1;
        const fromCasts = from === a1 ? casts1 : casts2;
        await fails(409, 'RouterHostedByL3Agent', 'POST', `/v2.0/agents/${to.id}/l3-routers`, { router_id: r.id });
        await fails(409, 'RouterNotHostedByL3Agent', 'DELETE', `/v2.0/agents/${to.id}/l3-routers/${r.id}`);
        await fails(403, 'PolicyNotAuthorized', 'DELETE', `/v2.0/agents/${from.id}/l3-routers/${r.id}`, undefined, MA);
        assert.equal((await s.req('DELETE', `/v2.0/agents/${from.id}/l3-routers/${r.id}`, undefined, ADMIN)).status, 204);
        await castOf(fromCasts, 'router_removed_from_agent', (a) => a.payload.router_id === r.id);
        assert.equal((await portsOf(r.id))[0]['binding:host_id'], '', 'unscheduled: its ports are unbound');
        const added = await s.req('POST', `/v2.0/agents/${to.id}/l3-routers`, { router_id: r.id }, ADMIN);
        assert.equal(added.status, 201, JSON.stringify(added.body));
        await castOf(toCasts, 'router_added_to_agent', (a) => a.payload.includes(r.id));
        assert.equal((await portsOf(r.id))[0]['binding:host_id'], to.host);
        await fails(404, 'AgentNotFound', 'POST', `/v2.0/agents/${randomUUID()}/l3-routers`, { router_id: r.id });
        const l2 = (await ok('GET', `/v2.0/agents?agent_type=Linux%20bridge%20agent&host=${H1}`)).agents[0];
        await fails(404, 'InvalidL3Agent', 'POST', `/v2.0/agents/${l2.id}/l3-routers`, { router_id: r.id });
        await ok('PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: null } }, MA);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
      });

      it('router ports whose binding failed (no L2 agent on the host yet) are bound again when the agent syncs', async () => {
        const H3 = `net3-${randomUUID().slice(0, 8)}`;
        // an L3 agent alone on H3: no L2 agent, so ML2 cannot bind there
        assert.equal(await reportState(H3, 'L3 agent'), 'alive');
        const a3 = (await ok('GET', `/v2.0/agents?agent_type=L3%20agent&host=${H3}`)).agents[0];
        const r = await router();
        const [hosting] = (await ok('GET', `/v2.0/routers/${r.id}/l3-agents`)).agents;
        if (hosting && hosting.id !== a3.id) await ok('DELETE', `/v2.0/agents/${hosting.id}/l3-routers/${r.id}`);
        if (!hosting || hosting.id !== a3.id) assert.equal((await s.req('POST', `/v2.0/agents/${a3.id}/l3-routers`, { router_id: r.id })).status, 201);
        await ok('PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: ext.net.id } } }, MA);
        const [failed] = await portsOf(r.id);
        assert.equal(failed['binding:host_id'], H3);
        assert.equal(failed['binding:vif_type'], 'binding_failed');
        await reportState(H3, 'Linux bridge agent', { interface_mappings: {}, tunnel_types: [] });
        const [sr] = await l3call<SyncRouter[]>('sync_routers', { host: H3, router_ids: [r.id] });
        assert.equal(sr.id, r.id);
        const [bound] = await portsOf(r.id);
        assert.equal(bound['binding:vif_type'], 'bridge');
        await ok('PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: null } }, MA);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
        await ok('DELETE', `/v2.0/agents/${a3.id}`);
      });

      it('allow_automatic_l3agent_failover: routers of an agent that stopped reporting move to the one that syncs', async () => {
        const agents = (await ok('GET', '/v2.0/agents?agent_type=L3%20agent')).agents as Obj[];
        const a1 = agents.find((a) => a.host === H1)!;
        const a2 = agents.find((a) => a.host === H2)!;
        const r = await router({ external_gateway_info: { network_id: ext.net.id } });
        const [hosting] = (await ok('GET', `/v2.0/routers/${r.id}/l3-agents`)).agents;
        const [dead, live] = hosting.id === a1.id ? [a1, a2] : [a2, a1];
        await s.db.kysely.updateTable('agents').set({ heartbeat_timestamp: '2000-01-01 00:00:00' }).where('id', '=', dead.id).execute();
        const ids = await l3call<string[]>('get_router_ids', { host: live.host });
        assert.ok(ids.includes(r.id), JSON.stringify(ids));
        assert.equal((await ok('GET', `/v2.0/routers/${r.id}/l3-agents`)).agents[0].host, live.host);
        assert.equal((await portsOf(r.id))[0]['binding:host_id'], live.host);
        await ok('PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: null } }, MA);
        await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
        await reportState(dead.host, 'L3 agent');
      });

      it('sync_routers asks the database a fixed number of queries however many routers it sends (no N+1)', async () => {
        const H4 = `net4-${randomUUID().slice(0, 8)}`;
        await networkHost(H4);
        const others = ((await ok('GET', '/v2.0/agents?agent_type=L3%20agent')).agents as Obj[]).filter((a) => a.host !== H4);
        // only H4 takes new routers meanwhile
        for (const a of others) await ok('PUT', `/v2.0/agents/${a.id}`, { agent: { admin_state_up: false } });
        const made: { r: Obj; f: Obj }[] = [];
        try {
          for (let n = 0; n < 4; n++) {
            const i = await internal();
            const r = await router({ external_gateway_info: { network_id: ext.net.id } });
            assert.equal((await addIface(r.id, { subnet_id: i.subnet.id })).status, 200);
            const vm = await port(i.net.id, { device_owner: 'compute:nova' }, MA);
            const f = (await ok('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.net.id, port_id: vm.id } }, MA)).floatingip;
            made.push({ r, f });
          }
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          const executor = s.db.kysely.getExecutor() as any;
          const original = executor.executeQuery;
          let queries = 0;
          executor.executeQuery = function (...a: unknown[]) {
            queries++;
            return original.apply(this, a);
          };
          const counted = async (ids: string[]) => {
            queries = 0;
            const got = await l3call<SyncRouter[]>('sync_routers', { host: H4, router_ids: ids });
            assert.deepEqual(got.map((x) => x.id).sort(), [...ids].sort());
            assert.ok(got.every((x) => x.gw_port && x._interfaces.length === 1 && x._floatingips.length === 1));
            return queries;
          };
          try {
            const one = await counted([made[0].r.id]);
            const four = await counted(made.map((m) => m.r.id));
            assert.equal(four, one, `1 router: ${one} queries, 4 routers: ${four}`);
            assert.ok(one <= 10, `${one} queries`);
          } finally {
            executor.executeQuery = original;
          }
        } finally {
          for (const a of others) await ok('PUT', `/v2.0/agents/${a.id}`, { agent: { admin_state_up: true } });
          for (const { r, f } of made) {
            await ok('DELETE', `/v2.0/floatingips/${f.id}`, undefined, MA);
            const iface = (await portsOf(r.id)).find((p) => p.device_owner === 'network:router_interface')!;
            assert.equal((await removeIface(r.id, { port_id: iface.id })).status, 200);
            await ok('DELETE', `/v2.0/routers/${r.id}`, undefined, MA);
          }
        }
      });

      it('get_external_network_id names the external network when there is exactly one', async () => {
        const id = await l3call<string | null>('get_external_network_id', { host: H1 });
        const externals = (await ok('GET', '/v2.0/networks?router:external=true')).networks;
        assert.equal(id, externals.length === 1 ? externals[0].id : null);
      });
    });
  });
}
