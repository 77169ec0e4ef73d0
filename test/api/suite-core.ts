// The core API suite: networks, subnets, ports, errors and policy, run on SQLite (api tier)
// and PostgreSQL (integration tier) against the real server and database.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { asAdmin, asMember, asReader, startTestServer, type DbKind, type TestServer } from '../helpers/server.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TS_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

export function coreSuite(kind: DbKind): void {
  describe(`core API on ${kind}`, () => {
    let s: TestServer;
    const A = `proj-a-${randomUUID().slice(0, 8)}`;
    const B = `proj-b-${randomUUID().slice(0, 8)}`;

    before(async () => {
      s = await startTestServer(kind);
    });
    after(async () => {
      await s?.close();
    });

    const ok = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
      const r = await s.req(method, path, body, headers);
      assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const fails = async (status: number, type: string, method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
      const r = await s.req(method, path, body, headers);
      assert.equal(r.status, status, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body?.NeutronError?.type, type, JSON.stringify(r.body));
      assert.equal(typeof r.body.NeutronError.message, 'string');
      assert.equal(r.body.NeutronError.detail, '');
      return r.body.NeutronError.message as string;
    };
    const net = async (body: Record<string, unknown> = {}, headers?: Record<string, string>) =>
      (await ok('POST', '/v2.0/networks', { network: { name: `n-${randomUUID().slice(0, 6)}`, ...body } }, headers)).network;
    const subnet = async (networkId: string, cidr: string, body: Record<string, unknown> = {}, headers?: Record<string, string>) =>
      (await ok('POST', '/v2.0/subnets', { subnet: { network_id: networkId, cidr, ip_version: cidr.includes(':') ? 6 : 4, ...body } }, headers)).subnet;
    const port = async (networkId: string, body: Record<string, unknown> = {}, headers?: Record<string, string>) =>
      (await ok('POST', '/v2.0/ports', { port: { network_id: networkId, ...body } }, headers)).port;

    describe('networks', () => {
      it('creates with Neutron defaults and every attribute', async () => {
        const n = await net({}, asMember(A));
        assert.match(n.id, UUID_RE);
        assert.equal(n.project_id, A);
        assert.equal(n.tenant_id, A);
        assert.equal(n.admin_state_up, true);
        assert.equal(n.status, 'ACTIVE');
        assert.equal(n.shared, false);
        assert.equal(n['router:external'], false);
        assert.equal(n.mtu, 1500);
        assert.equal(n.port_security_enabled, true);
        assert.deepEqual(n.subnets, []);
        assert.deepEqual(n.availability_zone_hints, []);
        assert.deepEqual(n.availability_zones, []);
        assert.deepEqual(n.tags, []);
        assert.equal(n.description, '');
        assert.match(n.created_at, TS_RE);
        assert.match(n.updated_at, TS_RE);
        assert.equal(n.revision_number, 0);
        const shown = (await ok('GET', `/v2.0/networks/${n.id}`, undefined, asMember(A))).network;
        assert.deepEqual(shown, n);
        const r = await s.req('GET', `/v2.0/networks/${n.id}`, undefined, asMember(A));
        assert.match(String(r.headers['x-openstack-request-id']), /^req-[0-9a-f-]{36}$/);
      });

      it('updates, bumps revision_number and honours If-Match', async () => {
        const n = await net({}, asMember(A));
        const u = (await ok('PUT', `/v2.0/networks/${n.id}`, { network: { name: 'renamed', description: 'd', admin_state_up: false } }, asMember(A))).network;
        assert.equal(u.name, 'renamed');
        assert.equal(u.description, 'd');
        assert.equal(u.admin_state_up, false);
        assert.equal(u.revision_number, 1);
        await fails(412, 'RevisionNumberConstraintFailed', 'PUT', `/v2.0/networks/${n.id}`, { network: { name: 'x' } }, { ...asMember(A), 'if-match': 'revision_number=0' });
        const v = (await ok('PUT', `/v2.0/networks/${n.id}`, { network: { name: 'y' } }, { ...asMember(A), 'if-match': 'revision_number=1' })).network;
        assert.equal(v.revision_number, 2);
        assert.equal((await s.req('DELETE', `/v2.0/networks/${n.id}`, undefined, { ...asMember(A), 'if-match': 'revision_number=1' })).status, 412);
        assert.equal((await s.req('DELETE', `/v2.0/networks/${n.id}`, undefined, { ...asMember(A), 'if-match': 'revision_number=2' })).status, 204);
      });

      it('refuses bad input with 400 naming the field, and changes nothing', async () => {
        const before = (await ok('GET', '/v2.0/networks', undefined, asAdmin(A))).networks.length;
        assert.match(await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/networks', { network: { name: 5 } }), /name/);
        assert.match(await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/networks', { network: { admin_state_up: 'maybe' } }), /admin_state_up/);
        assert.match(await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/networks', { network: { bogus: 1 } }), /bogus/);
        assert.match(await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/networks', { network: { status: 'DOWN' } }), /status/);
        assert.match(await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/networks', { network: { mtu: 20 } }), /mtu/);
        assert.match(await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/networks', { network: { name: 'x'.repeat(256) } }), /name/);
        await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/networks', { netwerk: {} });
        await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/networks', [1, 2]);
        await fails(400, 'MalformedRequestBody', 'POST', '/v2.0/networks', '{"network": {');
        await fails(400, 'HTTPBadRequest', 'PUT', `/v2.0/networks/${randomUUID()}`, { network: { id: randomUUID() } });
        const after = (await ok('GET', '/v2.0/networks', undefined, asAdmin(A))).networks.length;
        assert.equal(after, before);
      });

      it('keeps projects apart: 404 for another project, shared and external visible', async () => {
        const mine = await net({}, asMember(A));
        await fails(404, 'NetworkNotFound', 'GET', `/v2.0/networks/${mine.id}`, undefined, asMember(B));
        await fails(404, 'NetworkNotFound', 'PUT', `/v2.0/networks/${mine.id}`, { network: { name: 'x' } }, asMember(B));
        await fails(404, 'NetworkNotFound', 'DELETE', `/v2.0/networks/${mine.id}`, undefined, asMember(B));
        const shared = await net({ shared: true, project_id: A }, asAdmin('admin-project'));
        const external = await net({ 'router:external': true, project_id: A }, asAdmin('admin-project'));
        const seen = (await ok('GET', '/v2.0/networks', undefined, asMember(B))).networks.map((n: { id: string }) => n.id);
        assert.ok(seen.includes(shared.id));
        assert.ok(seen.includes(external.id));
        assert.ok(!seen.includes(mine.id));
        // visible but not B's: B may not change it
        await fails(403, 'PolicyNotAuthorized', 'PUT', `/v2.0/networks/${shared.id}`, { network: { name: 'x' } }, asMember(B));
      });

      it('reserves admin-only attributes for admins (403)', async () => {
        await fails(403, 'PolicyNotAuthorized', 'POST', '/v2.0/networks', { network: { shared: true } }, asMember(A));
        await fails(403, 'PolicyNotAuthorized', 'POST', '/v2.0/networks', { network: { 'router:external': true } }, asMember(A));
        await fails(403, 'PolicyNotAuthorized', 'POST', '/v2.0/networks', { network: { project_id: B } }, asMember(A));
        const n = await net({}, asMember(A));
        await fails(403, 'PolicyNotAuthorized', 'PUT', `/v2.0/networks/${n.id}`, { network: { shared: true } }, asMember(A));
        // tenant_id and project_id must agree
        await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/networks', { network: { project_id: A, tenant_id: B } }, asAdmin(A));
        const forB = await net({ tenant_id: B }, asAdmin(A));
        assert.equal(forB.project_id, B);
      });

      it('lets a reader read but not write', async () => {
        await fails(403, 'PolicyNotAuthorized', 'POST', '/v2.0/networks', { network: { name: 'r' } }, asReader(A));
        const n = await net({}, asMember(A));
        assert.equal((await s.req('GET', `/v2.0/networks/${n.id}`, undefined, asReader(A))).status, 200);
        await fails(403, 'PolicyNotAuthorized', 'DELETE', `/v2.0/networks/${n.id}`, undefined, asReader(A));
      });

      it('creates in bulk atomically', async () => {
        const p = `bulk-${randomUUID().slice(0, 6)}`;
        const r = await ok('POST', '/v2.0/networks', { networks: [{ name: `${p}-1` }, { name: `${p}-2` }] }, asMember(A));
        assert.equal(r.networks.length, 2);
        await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/networks', { networks: [{ name: `${p}-3` }, { name: 7 }] }, asMember(A));
        const names = (await ok('GET', `/v2.0/networks?name=${p}-1&name=${p}-2&name=${p}-3`, undefined, asMember(A))).networks.map((n: { name: string }) => n.name).sort();
        assert.deepEqual(names, [`${p}-1`, `${p}-2`]);
      });

      it('refuses to delete a network with ports (409) and deletes its subnets with it', async () => {
        const n = await net({}, asMember(A));
        const sn = await subnet(n.id, '10.9.0.0/24', {}, asMember(A));
        const p = await port(n.id, { device_owner: 'compute:nova' }, asMember(A));
        // DHCP ports (and Neutron's other auto-deleted owners) do not hold the network; they go with it
        const dhcp = await port(n.id, { device_owner: 'network:dhcp' }, asAdmin(A));
        const dist = await port(n.id, { device_owner: 'network:distributed' }, asAdmin(A));
        const m = await fails(409, 'NetworkInUse', 'DELETE', `/v2.0/networks/${n.id}`, undefined, asMember(A));
        assert.equal(m, `Unable to complete operation on network ${n.id}. There are one or more ports still in use on the network, id for these ports is: ${p.id}.`);
        await ok('DELETE', `/v2.0/ports/${p.id}`, undefined, asMember(A));
        assert.equal((await s.req('DELETE', `/v2.0/networks/${n.id}`, undefined, asMember(A))).status, 204);
        await fails(404, 'SubnetNotFound', 'GET', `/v2.0/subnets/${sn.id}`, undefined, asMember(A));
        for (const gone of [dhcp, dist]) await fails(404, 'PortNotFound', 'GET', `/v2.0/ports/${gone.id}`);
      });

      it('filters on attributes and 400s on unknown filters', async () => {
        const tag = randomUUID().slice(0, 6);
        const up = await net({ name: `f-${tag}` }, asMember(A));
        const down = await net({ name: `f-${tag}`, admin_state_up: false }, asMember(A));
        const r = (await ok('GET', `/v2.0/networks?name=f-${tag}&admin_state_up=false`, undefined, asMember(A))).networks;
        assert.deepEqual(
          r.map((n: { id: string }) => n.id),
          [down.id],
        );
        const both = (await ok('GET', `/v2.0/networks?id=${up.id}&id=${down.id}`, undefined, asMember(A))).networks;
        assert.equal(both.length, 2);
        await fails(400, 'HTTPBadRequest', 'GET', '/v2.0/networks?colour=blue');
        await fails(400, 'HTTPBadRequest', 'GET', '/v2.0/networks?admin_state_up=perhaps');
      });
    });

    describe('subnets', () => {
      it('fills Neutron defaults: gateway first host, pool the rest', async () => {
        const n = await net({}, asMember(A));
        const sn = await subnet(n.id, '10.1.0.0/24', {}, asMember(A));
        assert.equal(sn.gateway_ip, '10.1.0.1');
        assert.deepEqual(sn.allocation_pools, [{ start: '10.1.0.2', end: '10.1.0.254' }]);
        assert.equal(sn.enable_dhcp, true);
        assert.deepEqual(sn.dns_nameservers, []);
        assert.deepEqual(sn.host_routes, []);
        assert.equal(sn.ipv6_ra_mode, null);
        assert.equal(sn.ipv6_address_mode, null);
        assert.equal(sn.subnetpool_id, null);
        assert.equal(sn.ip_version, 4);
        const shown = (await ok('GET', `/v2.0/networks/${n.id}`, undefined, asMember(A))).network;
        assert.deepEqual(shown.subnets, [sn.id]);
      });

      it('takes explicit gateway, pools, DNS and host routes, and null gateway', async () => {
        const n = await net({}, asMember(A));
        const sn = await subnet(
          n.id,
          '10.2.0.0/24',
          {
            gateway_ip: '10.2.0.254',
            allocation_pools: [
              { start: '10.2.0.10', end: '10.2.0.20' },
              { start: '10.2.0.100', end: '10.2.0.110' },
            ],
            dns_nameservers: ['8.8.8.8', '1.1.1.1'],
            host_routes: [{ destination: '192.168.0.0/16', nexthop: '10.2.0.5' }],
            enable_dhcp: false,
          },
          asMember(A),
        );
        assert.equal(sn.gateway_ip, '10.2.0.254');
        assert.equal(sn.allocation_pools.length, 2);
        assert.deepEqual(sn.dns_nameservers, ['8.8.8.8', '1.1.1.1']);
        assert.deepEqual(sn.host_routes, [{ destination: '192.168.0.0/16', nexthop: '10.2.0.5' }]);
        const n2 = await net({}, asMember(A));
        const nogw = await subnet(n2.id, '10.3.0.0/29', { gateway_ip: null }, asMember(A));
        assert.equal(nogw.gateway_ip, null);
        assert.deepEqual(nogw.allocation_pools, [{ start: '10.3.0.1', end: '10.3.0.6' }]);
      });

      it('supports IPv6, normalising the cidr', async () => {
        const n = await net({}, asMember(A));
        const sn = await subnet(n.id, '2001:DB8:0:1::/64', { ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' }, asMember(A));
        assert.equal(sn.cidr, '2001:db8:0:1::/64');
        assert.equal(sn.gateway_ip, '2001:db8:0:1::1');
        assert.equal(sn.ip_version, 6);
        const p = await port(n.id, { mac_address: 'fa:16:3e:11:22:33' }, asMember(A));
        assert.deepEqual(p.fixed_ips, [{ subnet_id: sn.id, ip_address: '2001:db8:0:1:f816:3eff:fe11:2233' }]);
        // ports already on the network get their SLAAC address when the subnet arrives
        const n3 = await net({}, asMember(A));
        const early = await port(n3.id, { mac_address: 'fa:16:3e:44:55:66' }, asMember(A));
        assert.deepEqual(early.fixed_ips, []);
        const late = await subnet(n3.id, '2001:db8:0:3::/64', { ipv6_address_mode: 'slaac' }, asMember(A));
        const after = (await ok('GET', `/v2.0/ports/${early.id}`, undefined, asMember(A))).port;
        assert.deepEqual(after.fixed_ips, [{ subnet_id: late.id, ip_address: '2001:db8:0:3:f816:3eff:fe44:5566' }]);
        // and a SLAAC subnet can be deleted under its ports, taking their addresses with it
        assert.equal((await s.req('DELETE', `/v2.0/subnets/${late.id}`, undefined, asMember(A))).status, 204);
        assert.deepEqual((await ok('GET', `/v2.0/ports/${early.id}`, undefined, asMember(A))).port.fixed_ips, []);
        const n2 = await net({}, asMember(A));
        const stateful = await subnet(n2.id, '2001:db8:5::/120', {}, asMember(A));
        const p2 = await port(n2.id, {}, asMember(A));
        assert.deepEqual(p2.fixed_ips, [{ subnet_id: stateful.id, ip_address: '2001:db8:5::2' }]);
      });

      it('validates cidr, gateway, pools, versions and overlaps', async () => {
        const n = await net({}, asMember(A));
        const sub = (body: Record<string, unknown>) => ({ subnet: { network_id: n.id, ip_version: 4, cidr: '10.4.0.0/24', ...body } });
        assert.match(await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/subnets', sub({ cidr: '10.4.0.1/24' }), asMember(A)), /10\.4\.0\.0\/24/);
        assert.match(await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/subnets', sub({ cidr: 'banana' }), asMember(A)), /cidr/);
        await fails(400, 'InvalidInput', 'POST', '/v2.0/subnets', sub({ ip_version: 6 }), asMember(A));
        assert.match(await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/subnets', sub({ ip_version: 5 }), asMember(A)), /ip_version/);
        await fails(400, 'InvalidInput', 'POST', '/v2.0/subnets', sub({ gateway_ip: '10.5.0.1' }), asMember(A));
        assert.match(await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/subnets', sub({ gateway_ip: '10.4.0.300' }), asMember(A)), /gateway_ip/);
        await fails(400, 'OutOfBoundsAllocationPool', 'POST', '/v2.0/subnets', sub({ allocation_pools: [{ start: '10.4.0.2', end: '10.4.1.5' }] }), asMember(A));
        await fails(400, 'InvalidAllocationPool', 'POST', '/v2.0/subnets', sub({ allocation_pools: [{ start: '10.4.0.20', end: '10.4.0.10' }] }), asMember(A));
        await fails(
          409,
          'OverlappingAllocationPools',
          'POST',
          '/v2.0/subnets',
          sub({
            allocation_pools: [
              { start: '10.4.0.2', end: '10.4.0.20' },
              { start: '10.4.0.15', end: '10.4.0.30' },
            ],
          }),
          asMember(A),
        );
        await fails(409, 'GatewayConflictWithAllocationPools', 'POST', '/v2.0/subnets', sub({ gateway_ip: '10.4.0.5', allocation_pools: [{ start: '10.4.0.2', end: '10.4.0.20' }] }), asMember(A));
        assert.match(await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/subnets', sub({ allocation_pools: [{ start: '10.4.0.2' }] }), asMember(A)), /allocation_pools/);
        assert.match(await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/subnets', sub({ network_id: 'not-a-uuid' }), asMember(A)), /network_id/);
        await fails(404, 'NetworkNotFound', 'POST', '/v2.0/subnets', sub({ network_id: randomUUID() }), asMember(A));
        // with subnet_allocation a cidr may come from a pool; without either, Neutron's BadRequest
        assert.match(await fails(400, 'BadRequest', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4 } }, asMember(A)), /a subnetpool must be specified in the absence of a cidr/);
        await fails(400, 'DNSNameServersExhausted', 'POST', '/v2.0/subnets', sub({ dns_nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4', '1.1.1.5', '1.1.1.6'] }), asMember(A));
        assert.match(await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/subnets', sub({ dns_nameservers: ['1.1.1.1', '1.1.1.1'] }), asMember(A)), /dns_nameservers/);
        await fails(400, 'InvalidInput', 'POST', '/v2.0/subnets', sub({ host_routes: [{ destination: '2001:db8::/64', nexthop: '10.4.0.1' }] }), asMember(A));
        await fails(400, 'InvalidInput', 'POST', '/v2.0/subnets', sub({ ipv6_ra_mode: 'slaac' }), asMember(A));
        await subnet(n.id, '10.4.0.0/24', {}, asMember(A));
        assert.match(await fails(400, 'InvalidInput', 'POST', '/v2.0/subnets', sub({ cidr: '10.4.0.128/25' }), asMember(A)), /overlaps/);
        const list = (await ok('GET', `/v2.0/subnets?network_id=${n.id}`, undefined, asMember(A))).subnets;
        assert.equal(list.length, 1, 'no failed request left a subnet behind');
      });

      it('updates pools, gateway and DNS; cidr is read-only', async () => {
        const n = await net({}, asMember(A));
        const sn = await subnet(n.id, '10.6.0.0/24', {}, asMember(A));
        const u = (await ok('PUT', `/v2.0/subnets/${sn.id}`, { subnet: { allocation_pools: [{ start: '10.6.0.50', end: '10.6.0.60' }], dns_nameservers: ['9.9.9.9'], name: 'x' } }, asMember(A)))
          .subnet;
        assert.deepEqual(u.allocation_pools, [{ start: '10.6.0.50', end: '10.6.0.60' }]);
        assert.deepEqual(u.dns_nameservers, ['9.9.9.9']);
        assert.equal(u.revision_number, 1);
        const p = await port(n.id, {}, asMember(A));
        assert.equal(p.fixed_ips[0].ip_address, '10.6.0.50', 'allocation follows the new pool');
        await fails(400, 'HTTPBadRequest', 'PUT', `/v2.0/subnets/${sn.id}`, { subnet: { cidr: '10.7.0.0/24' } }, asMember(A));
        await fails(409, 'GatewayConflictWithAllocationPools', 'PUT', `/v2.0/subnets/${sn.id}`, { subnet: { gateway_ip: '10.6.0.55' } }, asMember(A));
        const g = (await ok('PUT', `/v2.0/subnets/${sn.id}`, { subnet: { gateway_ip: '10.6.0.200' } }, asMember(A))).subnet;
        assert.equal(g.gateway_ip, '10.6.0.200');
        const holder = await port(n.id, { fixed_ips: [{ ip_address: '10.6.0.201' }] }, asMember(A));
        await fails(409, 'GatewayIpInUse', 'PUT', `/v2.0/subnets/${sn.id}`, { subnet: { gateway_ip: holder.fixed_ips[0].ip_address } }, asMember(A));
      });

      it('refuses to delete a subnet with allocations (409)', async () => {
        const n = await net({}, asMember(A));
        const sn = await subnet(n.id, '10.8.0.0/24', {}, asMember(A));
        const p = await port(n.id, {}, asMember(A));
        await fails(409, 'SubnetInUse', 'DELETE', `/v2.0/subnets/${sn.id}`, undefined, asMember(A));
        await ok('DELETE', `/v2.0/ports/${p.id}`, undefined, asMember(A));
        assert.equal((await s.req('DELETE', `/v2.0/subnets/${sn.id}`, undefined, asMember(A))).status, 204);
        const shown = (await ok('GET', `/v2.0/networks/${n.id}`, undefined, asMember(A))).network;
        assert.deepEqual(shown.subnets, []);
      });

      it('pages through a sort key with NULLs, in both directions, the same on every database', async () => {
        const P = `paging-${randomUUID().slice(0, 8)}`;
        const n = await net({}, asMember(P));
        const made = [];
        for (const [i, gw] of [
          [1, null],
          [2, '10.61.2.1'],
          [3, null],
          [4, '10.61.4.1'],
          [5, '10.61.5.1'],
        ] as const) {
          made.push(await subnet(n.id, `10.61.${i}.0/24`, { gateway_ip: gw }, asMember(P)));
        }
        for (const dir of ['asc', 'desc']) {
          const all = (await ok('GET', `/v2.0/subnets?sort_key=gateway_ip&sort_dir=${dir}`, undefined, asMember(P))).subnets.map((x: { id: string }) => x.id);
          assert.equal(all.length, 5);
          const gws = (await ok('GET', `/v2.0/subnets?sort_key=gateway_ip&sort_dir=${dir}`, undefined, asMember(P))).subnets.map((x: { gateway_ip: string | null }) => x.gateway_ip);
          const nulls = gws.filter((g: string | null) => g === null).length;
          assert.equal(nulls, 2);
          // NULL is the smallest value: first ascending, last descending
          if (dir === 'asc') assert.deepEqual(gws.slice(0, 2), [null, null]);
          else assert.deepEqual(gws.slice(3), [null, null]);
          const paged: string[] = [];
          let marker = '';
          for (let i = 0; i < 6; i++) {
            const page = (await ok('GET', `/v2.0/subnets?sort_key=gateway_ip&sort_dir=${dir}&limit=2${marker}`, undefined, asMember(P))).subnets;
            if (!page.length) break;
            paged.push(...page.map((x: { id: string }) => x.id));
            marker = `&marker=${page[page.length - 1].id}`;
          }
          assert.deepEqual(paged, all, `paging ${dir} visits every subnet once, in order`);
        }
      });

      it("a subnet made, changed or removed bumps its network's revision_number, as Neutron's Subnet revises_on_change", async () => {
        const n = await net({}, asMember(A));
        const rev = async () => (await ok('GET', `/v2.0/networks/${n.id}`, undefined, asMember(A))).network.revision_number as number;
        const r0 = await rev();
        const sn = await subnet(n.id, '10.62.9.0/24', {}, asMember(A));
        assert.equal(await rev(), r0 + 1);
        await ok('PUT', `/v2.0/subnets/${sn.id}`, { subnet: { name: 'renamed' } }, asMember(A));
        assert.equal(await rev(), r0 + 2);
        await ok('DELETE', `/v2.0/subnets/${sn.id}`, undefined, asMember(A));
        assert.equal(await rev(), r0 + 3);
      });

      it("takes shared as a filter (the network's, for the caller), never shows it, as Neutron", async () => {
        const P = `shf-${randomUUID().slice(0, 8)}`;
        const sharedNet = await net({ shared: true }, asAdmin(A));
        const sharedSn = await subnet(sharedNet.id, '10.62.1.0/24', {}, asAdmin(A));
        const own = await net({}, asMember(P));
        const ownSn = await subnet(own.id, '10.62.2.0/24', {}, asMember(P));
        const ids = async (q: string) => (await ok('GET', `/v2.0/subnets?${q}`, undefined, asMember(P))).subnets.map((x: { id: string }) => x.id);
        const yes = await ids('shared=true');
        assert.ok(yes.includes(sharedSn.id) && !yes.includes(ownSn.id), JSON.stringify(yes));
        const no = await ids('shared=False');
        assert.ok(no.includes(ownSn.id) && !no.includes(sharedSn.id), JSON.stringify(no));
        assert.deepEqual(await ids(`shared=1&network_id=${own.id}`), []);
        await fails(400, 'HTTPBadRequest', 'GET', '/v2.0/subnets?shared=maybe', undefined, asMember(P));
        const shown = (await ok('GET', `/v2.0/subnets/${ownSn.id}`, undefined, asMember(P))).subnet;
        assert.equal('shared' in shown, false);
      });

      it('does not let another project add a subnet to a shared network', async () => {
        const shared = await net({ shared: true }, asAdmin(A));
        await fails(403, 'PolicyNotAuthorized', 'POST', '/v2.0/subnets', { subnet: { network_id: shared.id, cidr: '10.10.0.0/24', ip_version: 4 } }, asMember(B));
      });
    });

    describe('ports', () => {
      let n: { id: string };
      let sn: { id: string };
      before(async () => {
        n = await net({}, asMember(A));
        sn = await subnet(n.id, '10.20.0.0/28', {}, asMember(A));
      });

      it('creates with generated MAC, an IP from the pool, default security group, DOWN', async () => {
        const p = await port(n.id, { name: 'p1', device_id: 'vm-1', device_owner: 'compute:nova' }, asMember(A));
        assert.match(p.mac_address, /^fa:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/);
        assert.equal(p.fixed_ips.length, 1);
        assert.equal(p.fixed_ips[0].subnet_id, sn.id);
        assert.notEqual(p.fixed_ips[0].ip_address, '10.20.0.1', 'never the gateway');
        assert.equal(p.status, 'DOWN');
        assert.equal(p.admin_state_up, true);
        assert.equal(p.port_security_enabled, true);
        assert.equal(p.security_groups.length, 1);
        const groups = (await ok('GET', `/v2.0/security-groups?name=default`, undefined, asMember(A))).security_groups;
        assert.deepEqual(p.security_groups, [groups[0].id]);
        assert.deepEqual(p.allowed_address_pairs, []);
        assert.deepEqual(p.extra_dhcp_opts, []);
        assert.equal(p.device_id, 'vm-1');
        assert.equal(p.device_owner, 'compute:nova');
        assert.equal(p.revision_number, 0);
        const shown = (await ok('GET', `/v2.0/ports/${p.id}`, undefined, asMember(A))).port;
        assert.deepEqual(shown, p);
      });

      it('takes fixed IPs by address, by subnet, and refuses taken or foreign addresses', async () => {
        const p = await port(n.id, { fixed_ips: [{ ip_address: '10.20.0.10' }] }, asMember(A));
        assert.deepEqual(p.fixed_ips, [{ subnet_id: sn.id, ip_address: '10.20.0.10' }]);
        await fails(409, 'IpAddressAlreadyAllocated', 'POST', '/v2.0/ports', { port: { network_id: n.id, fixed_ips: [{ ip_address: '10.20.0.10' }] } }, asMember(A));
        await fails(400, 'InvalidIpForNetwork', 'POST', '/v2.0/ports', { port: { network_id: n.id, fixed_ips: [{ ip_address: '10.99.0.10' }] } }, asMember(A));
        await fails(400, 'InvalidIpForSubnet', 'POST', '/v2.0/ports', { port: { network_id: n.id, fixed_ips: [{ subnet_id: sn.id, ip_address: '10.99.0.10' }] } }, asMember(A));
        await fails(400, 'InvalidIpForSubnet', 'POST', '/v2.0/ports', { port: { network_id: n.id, fixed_ips: [{ subnet_id: sn.id, ip_address: '10.20.0.15' }] } }, asMember(A));
        await fails(400, 'InvalidInput', 'POST', '/v2.0/ports', { port: { network_id: n.id, fixed_ips: [{ subnet_id: randomUUID() }] } }, asMember(A));
        await fails(400, 'InvalidInput', 'POST', '/v2.0/ports', { port: { network_id: n.id, fixed_ips: [{ ip_address: '10.20.0.1' }] } }, asMember(A));
        assert.match(await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/ports', { port: { network_id: n.id, fixed_ips: [{ ip_address: '10.20.0.256' }] } }, asMember(A)), /fixed_ips/);
        const bySubnet = await port(n.id, { fixed_ips: [{ subnet_id: sn.id }] }, asMember(A));
        assert.equal(bySubnet.fixed_ips[0].subnet_id, sn.id);
        const none = await port(n.id, { fixed_ips: [] }, asMember(A));
        assert.deepEqual(none.fixed_ips, []);
        // the gateway may go to a router port
        const rtr = await port(n.id, { fixed_ips: [{ ip_address: '10.20.0.1' }], device_owner: 'network:router_interface' }, asAdmin(A));
        assert.equal(rtr.fixed_ips[0].ip_address, '10.20.0.1');
      });

      it('runs out of addresses with 409 IpAddressGenerationFailure, and reuses released ones', async () => {
        const small = await net({}, asMember(A));
        const smallSub = await subnet(small.id, '10.21.0.0/29', {}, asMember(A)); // pool .2-.6
        const made = [];
        for (let i = 0; i < 5; i++) made.push(await port(small.id, {}, asMember(A)));
        const ips = made.map((p) => p.fixed_ips[0].ip_address).sort();
        assert.deepEqual(ips, ['10.21.0.2', '10.21.0.3', '10.21.0.4', '10.21.0.5', '10.21.0.6']);
        await fails(409, 'IpAddressGenerationFailure', 'POST', '/v2.0/ports', { port: { network_id: small.id } }, asMember(A));
        await ok('DELETE', `/v2.0/ports/${made[2].id}`, undefined, asMember(A));
        const again = await port(small.id, {}, asMember(A));
        assert.deepEqual(again.fixed_ips, [{ subnet_id: smallSub.id, ip_address: made[2].fixed_ips[0].ip_address }]);
      });

      it('updates fixed IPs: keeps, adds and releases addresses', async () => {
        const p = await port(n.id, { fixed_ips: [{ ip_address: '10.20.0.11' }] }, asMember(A));
        const u = (await ok('PUT', `/v2.0/ports/${p.id}`, { port: { fixed_ips: [{ ip_address: '10.20.0.11' }, { ip_address: '10.20.0.12' }] } }, asMember(A))).port;
        assert.deepEqual(
          u.fixed_ips.map((f: { ip_address: string }) => f.ip_address),
          ['10.20.0.11', '10.20.0.12'],
        );
        const v = (await ok('PUT', `/v2.0/ports/${p.id}`, { port: { fixed_ips: [{ ip_address: '10.20.0.12' }] } }, asMember(A))).port;
        assert.deepEqual(
          v.fixed_ips.map((f: { ip_address: string }) => f.ip_address),
          ['10.20.0.12'],
        );
        const q = await port(n.id, { fixed_ips: [{ ip_address: '10.20.0.11' }] }, asMember(A));
        assert.equal(q.fixed_ips[0].ip_address, '10.20.0.11', 'the released address is free again');
        await fails(409, 'IpAddressAlreadyAllocated', 'PUT', `/v2.0/ports/${p.id}`, { port: { fixed_ips: [{ ip_address: '10.20.0.11' }] } }, asMember(A));
        const still = (await ok('GET', `/v2.0/ports/${p.id}`, undefined, asMember(A))).port;
        assert.deepEqual(
          still.fixed_ips.map((f: { ip_address: string }) => f.ip_address),
          ['10.20.0.12'],
          'a refused update changes nothing',
        );
      });

      it('handles MAC addresses: settable on create, unique per network, admin-only on update', async () => {
        const p = await port(n.id, { mac_address: 'FA:16:3E:AA:BB:CC', fixed_ips: [] }, asMember(A));
        assert.equal(p.mac_address, 'fa:16:3e:aa:bb:cc');
        await fails(409, 'MacAddressInUse', 'POST', '/v2.0/ports', { port: { network_id: n.id, mac_address: 'fa:16:3e:aa:bb:cc', fixed_ips: [] } }, asMember(A));
        assert.match(await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/ports', { port: { network_id: n.id, mac_address: 'zz:16:3e:aa:bb:cc' } }, asMember(A)), /mac_address/);
        assert.match(await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/ports', { port: { network_id: n.id, mac_address: '01:00:5e:00:00:01' } }, asMember(A)), /mac_address/);
        await fails(403, 'PolicyNotAuthorized', 'PUT', `/v2.0/ports/${p.id}`, { port: { mac_address: 'fa:16:3e:aa:bb:cd' } }, asMember(A));
        const u = (await ok('PUT', `/v2.0/ports/${p.id}`, { port: { mac_address: 'fa:16:3e:aa:bb:cd' } }, asAdmin(A))).port;
        assert.equal(u.mac_address, 'fa:16:3e:aa:bb:cd');
        const other = await net({}, asMember(A));
        const same = await port(other.id, { mac_address: 'fa:16:3e:aa:bb:cd' }, asMember(A));
        assert.equal(same.mac_address, 'fa:16:3e:aa:bb:cd', 'unique per network, not globally');
        // port-mac-address-regenerate: null makes a new MAC from base_mac (admin-only as any MAC change)
        await fails(403, 'PolicyNotAuthorized', 'PUT', `/v2.0/ports/${p.id}`, { port: { mac_address: null } }, asMember(A));
        const regen = (await ok('PUT', `/v2.0/ports/${p.id}`, { port: { mac_address: null } }, asAdmin(A))).port;
        assert.match(regen.mac_address, /^fa:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/);
        assert.notEqual(regen.mac_address, 'fa:16:3e:aa:bb:cd');
        assert.equal(regen.revision_number, u.revision_number + 1);
        assert.equal((await ok('GET', `/v2.0/ports/${p.id}`, undefined, asAdmin(A))).port.mac_address, regen.mac_address);
        const made = await port(other.id, { mac_address: null }, asAdmin(A));
        assert.match(made.mac_address, /^fa:16:3e:/);
        assert.ok((await ok('GET', '/v2.0/extensions')).extensions.some((e: { alias: string }) => e.alias === 'port-mac-address-regenerate'));
      });

      it('port security, security groups and allowed address pairs go together', async () => {
        const sg = (await ok('POST', '/v2.0/security-groups', { security_group: { name: 'web' } }, asMember(A))).security_group;
        const p = await port(n.id, { port_security_enabled: false, fixed_ips: [] }, asMember(A));
        assert.deepEqual(p.security_groups, []);
        await fails(400, 'PortSecurityAndIPRequiredForSecurityGroups', 'PUT', `/v2.0/ports/${p.id}`, { port: { security_groups: [sg.id] } }, asMember(A));
        await fails(400, 'PortSecurityAndIPRequiredForSecurityGroups', 'POST', '/v2.0/ports', { port: { network_id: n.id, port_security_enabled: false, security_groups: [sg.id] } }, asMember(A));
        const q = await port(
          n.id,
          { security_groups: [sg.id], allowed_address_pairs: [{ ip_address: '10.20.0.100' }, { ip_address: '192.168.0.0/24', mac_address: 'fa:16:3e:00:00:01' }], fixed_ips: [] },
          asMember(A),
        );
        assert.deepEqual(q.security_groups, [sg.id]);
        assert.deepEqual(q.allowed_address_pairs, [
          { ip_address: '10.20.0.100', mac_address: q.mac_address },
          { ip_address: '192.168.0.0/24', mac_address: 'fa:16:3e:00:00:01' },
        ]);
        await fails(409, 'PortSecurityPortHasSecurityGroup', 'PUT', `/v2.0/ports/${q.id}`, { port: { port_security_enabled: false } }, asMember(A));
        await fails(409, 'AddressPairAndPortSecurityRequired', 'PUT', `/v2.0/ports/${q.id}`, { port: { port_security_enabled: false, security_groups: [] } }, asMember(A));
        const off = (await ok('PUT', `/v2.0/ports/${q.id}`, { port: { port_security_enabled: false, security_groups: [], allowed_address_pairs: [] } }, asMember(A))).port;
        assert.equal(off.port_security_enabled, false);
        assert.deepEqual(off.security_groups, []);
        await fails(404, 'SecurityGroupNotFound', 'POST', '/v2.0/ports', { port: { network_id: n.id, security_groups: [randomUUID()] } }, asMember(A));
        await fails(
          400,
          'DuplicateAddressPairInRequest',
          'POST',
          '/v2.0/ports',
          { port: { network_id: n.id, allowed_address_pairs: [{ ip_address: '1.2.3.4' }, { ip_address: '1.2.3.4' }] } },
          asMember(A),
        );
        await fails(
          400,
          'AllowedAddressPairExhausted',
          'POST',
          '/v2.0/ports',
          { port: { network_id: n.id, allowed_address_pairs: Array.from({ length: 11 }, (_, i) => ({ ip_address: `1.2.3.${i}` })) } },
          asMember(A),
        );
        // network default flows to the port
        const insecure = await net({ port_security_enabled: false }, asMember(A));
        const ip = await port(insecure.id, {}, asMember(A));
        assert.equal(ip.port_security_enabled, false);
        assert.deepEqual(ip.security_groups, []);
      });

      it('merges extra_dhcp_opts, a null value removing an option', async () => {
        const p = await port(
          n.id,
          {
            fixed_ips: [],
            extra_dhcp_opts: [
              { opt_name: 'bootfile-name', opt_value: 'pxelinux.0' },
              { opt_name: 'tftp-server', opt_value: '10.0.0.9' },
            ],
          },
          asMember(A),
        );
        assert.deepEqual(p.extra_dhcp_opts, [
          { opt_name: 'bootfile-name', opt_value: 'pxelinux.0', ip_version: 4 },
          { opt_name: 'tftp-server', opt_value: '10.0.0.9', ip_version: 4 },
        ]);
        const u = (
          await ok(
            'PUT',
            `/v2.0/ports/${p.id}`,
            {
              port: {
                extra_dhcp_opts: [
                  { opt_name: 'tftp-server', opt_value: null },
                  { opt_name: 'mtu', opt_value: '1400' },
                ],
              },
            },
            asMember(A),
          )
        ).port;
        assert.deepEqual(u.extra_dhcp_opts.map((o: { opt_name: string }) => o.opt_name).sort(), ['bootfile-name', 'mtu']);
      });

      it('filters ports by fixed_ips, device_id and security_groups', async () => {
        const p = await port(n.id, { fixed_ips: [{ ip_address: '10.20.0.13' }], device_id: 'vm-filter' }, asMember(A));
        const byIp = (await ok('GET', '/v2.0/ports?fixed_ips=ip_address%3D10.20.0.13', undefined, asMember(A))).ports;
        assert.deepEqual(
          byIp.map((x: { id: string }) => x.id),
          [p.id],
        );
        const byDevice = (await ok('GET', '/v2.0/ports?device_id=vm-filter', undefined, asMember(A))).ports;
        assert.deepEqual(
          byDevice.map((x: { id: string }) => x.id),
          [p.id],
        );
        const bySubnet = (await ok('GET', `/v2.0/ports?fixed_ips=subnet_id%3D${sn.id}&device_id=vm-filter`, undefined, asMember(A))).ports;
        assert.equal(bySubnet.length, 1);
        const bySg = (await ok('GET', `/v2.0/ports?security_groups=${p.security_groups[0]}&device_id=vm-filter`, undefined, asMember(A))).ports;
        assert.equal(bySg.length, 1);
        const bySubstr = (await ok('GET', '/v2.0/ports?fixed_ips=ip_address_substr%3D20.0.13&device_id=vm-filter', undefined, asMember(A))).ports;
        assert.deepEqual(
          bySubstr.map((x: { id: string }) => x.id),
          [p.id],
        );
        const noSubstr = (await ok('GET', '/v2.0/ports?fixed_ips=ip_address_substr%3D20.0.1_&device_id=vm-filter', undefined, asMember(A))).ports;
        assert.equal(noSubstr.length, 0, 'LIKE wildcards are literal');
        await fails(400, 'HTTPBadRequest', 'GET', '/v2.0/ports?fixed_ips=mac%3Dx', undefined, asMember(A));
      });

      it('keeps other projects out, but lets them use shared networks', async () => {
        const p = await port(n.id, { fixed_ips: [] }, asMember(A));
        await fails(404, 'PortNotFound', 'GET', `/v2.0/ports/${p.id}`, undefined, asMember(B));
        await fails(404, 'PortNotFound', 'DELETE', `/v2.0/ports/${p.id}`, undefined, asMember(B));
        await fails(404, 'NetworkNotFound', 'POST', '/v2.0/ports', { port: { network_id: n.id } }, asMember(B));
        const shared = await net({ shared: true }, asAdmin(A));
        await subnet(shared.id, '10.30.0.0/24', {}, asAdmin(A));
        const theirs = await port(shared.id, {}, asMember(B));
        assert.equal(theirs.project_id, B);
        const external = await net({ 'router:external': true }, asAdmin(A));
        await fails(403, 'PolicyNotAuthorized', 'POST', '/v2.0/ports', { port: { network_id: external.id } }, asMember(B));
        // unsharing while B has a port there is refused
        await fails(409, 'InvalidSharedSetting', 'PUT', `/v2.0/networks/${shared.id}`, { network: { shared: false } }, asAdmin(A));
      });

      it('creates ports in bulk atomically', async () => {
        const bn = await net({}, asMember(A));
        await subnet(bn.id, '10.40.0.0/24', {}, asMember(A));
        const r = await ok('POST', '/v2.0/ports', { ports: [{ network_id: bn.id }, { network_id: bn.id }, { network_id: bn.id }] }, asMember(A));
        assert.equal(r.ports.length, 3);
        assert.equal(new Set(r.ports.map((p: { fixed_ips: { ip_address: string }[] }) => p.fixed_ips[0].ip_address)).size, 3);
        await fails(
          409,
          'IpAddressAlreadyAllocated',
          'POST',
          '/v2.0/ports',
          {
            ports: [
              { network_id: bn.id, name: 'atomic' },
              { network_id: bn.id, fixed_ips: [{ ip_address: r.ports[0].fixed_ips[0].ip_address }] },
            ],
          },
          asMember(A),
        );
        const left = (await ok('GET', `/v2.0/ports?network_id=${bn.id}&name=atomic`, undefined, asMember(A))).ports;
        assert.equal(left.length, 0, 'a failed bulk create leaves nothing');
        const next = await port(bn.id, {}, asMember(A));
        assert.equal(next.fixed_ips[0].ip_address, '10.40.0.5', 'addresses of the failed bulk were given back');
      });

      it('allocates on a /16 without scanning: the 2nd address after thousands are taken', async () => {
        const big = await net({}, asMember(A));
        const bs = await subnet(big.id, '172.16.0.0/16', { allocation_pools: [{ start: '172.16.0.2', end: '172.16.255.254' }] }, asMember(A));
        const t0 = performance.now();
        const r = await ok('POST', '/v2.0/ports', { ports: Array.from({ length: 300 }, () => ({ network_id: big.id })) }, asMember(A));
        assert.equal(r.ports.length, 300);
        const last = (await port(big.id, {}, asMember(A))).fixed_ips[0];
        assert.deepEqual(last, { subnet_id: bs.id, ip_address: '172.16.1.46' });
        assert.ok(performance.now() - t0 < 20000);
      });
    });

    describe('errors and routing', () => {
      it('answers unknown paths and ids with NeutronError 404s', async () => {
        await fails(404, 'HTTPNotFound', 'GET', '/v2.0/widgets');
        await fails(404, 'NetworkNotFound', 'GET', `/v2.0/networks/${randomUUID()}`);
        await fails(404, 'NetworkNotFound', 'GET', '/v2.0/networks/not-a-uuid');
        await fails(404, 'PortNotFound', 'PUT', `/v2.0/ports/${randomUUID()}`, { port: { name: 'x' } });
      });
      it('answers wrong methods with 405', async () => {
        await fails(405, 'HTTPMethodNotAllowed', 'PUT', '/v2.0/networks', { network: {} });
        await fails(405, 'HTTPMethodNotAllowed', 'DELETE', '/v2.0/ports');
      });
      it('refuses a body that is not for this resource', async () => {
        await fails(400, 'HTTPBadRequest', 'PUT', `/v2.0/networks/${randomUUID()}`, { port: { name: 'x' } });
        await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/ports', {});
      });
    });
  });
}
