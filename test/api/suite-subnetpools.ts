// Subnet pools and address scopes (subnet_allocation, default-subnetpools, subnetpool-prefix-ops,
// subnet_onboard, address-scope, rbac-subnetpool, rbac-address-scope), run on SQLite (api
// tier) and PostgreSQL (integration tier) against the real server and database.
//
// What a test expects is what Neutron does (neutron/ipam/subnet_alloc.py,
// neutron/db/db_base_plugin_v2.py, neutron/db/address_scope_db.py, neutron-lib's definitions,
// exceptions and policies); where Neutrino differs on purpose the test says so.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { formatCidr, parseCidr } from '../../src/common/ip-address.js';
import { rangeSetOf, intersects } from '../../src/ipam/prefix-set.js';
import { asAdmin, asMember, startTestServer, type DbKind, type Reply, type TestServer } from '../helpers/server.js';

type Headers = Record<string, string>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

const project = (label: string) => `${label}-${randomUUID()}`;
const ADMIN = asAdmin('admin-project');

/** Whether any two of the cidrs share an address. */
export function overlapping(cidrs: string[]): [string, string] | null {
  const parsed = cidrs.map((c) => parseCidr(c)!).sort((a, b) => (a.network < b.network ? -1 : 1));
  for (let i = 1; i < parsed.length; i++) {
    if (intersects(rangeSetOf([parsed[i - 1]]), rangeSetOf([parsed[i]]))) return [formatCidr(parsed[i - 1]), formatCidr(parsed[i])];
  }
  return null;
}

export function subnetPoolSuite(kind: DbKind): void {
  describe(`subnet pools and address scopes (${kind})`, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer(kind);
    });
    after(async () => {
      await s?.close();
    });

    const show = (r: Reply) => `${r.status} ${JSON.stringify(r.body)}`;
    const ok = async (method: string, path: string, body?: unknown, headers: Headers = ADMIN): Promise<Obj> => {
      const r = await s.req(method, path, body, headers);
      assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} ${JSON.stringify(body)} → ${show(r)}`);
      return r.body as Obj;
    };
    const fails = async (code: number, type: string, method: string, path: string, body?: unknown, headers: Headers = ADMIN): Promise<string> => {
      const r = await s.req(method, path, body, headers);
      assert.equal(r.status, code, `${method} ${path} ${JSON.stringify(body)} → ${show(r)}`);
      assert.equal(r.body?.NeutronError?.type, type, `${method} ${path} → ${show(r)}`);
      return r.body.NeutronError.message as string;
    };
    const pool = async (body: Obj, headers: Headers = ADMIN): Promise<Obj> =>
      (await ok('POST', '/v2.0/subnetpools', { subnetpool: { name: `p-${randomUUID().slice(0, 6)}`, ...body } }, headers)).subnetpool;
    const scope = async (body: Obj, headers: Headers = ADMIN): Promise<Obj> =>
      (await ok('POST', '/v2.0/address-scopes', { address_scope: { name: `s-${randomUUID().slice(0, 6)}`, ...body } }, headers)).address_scope;
    const network = async (headers: Headers = ADMIN): Promise<Obj> => (await ok('POST', '/v2.0/networks', { network: { name: `n-${randomUUID().slice(0, 6)}` } }, headers)).network;
    const subnet = async (body: Obj, headers: Headers = ADMIN): Promise<Obj> => (await ok('POST', '/v2.0/subnets', { subnet: { ip_version: 4, ...body } }, headers)).subnet;

    it('lists the aliases at /v2.0/extensions', async () => {
      const aliases = (await ok('GET', '/v2.0/extensions')).extensions.map((e: Obj) => e.alias);
      for (const a of ['subnet_allocation', 'default-subnetpools', 'subnetpool-prefix-ops', 'subnet_onboard', 'address-scope', 'rbac-subnetpool', 'rbac-address-scope']) {
        assert.ok(aliases.includes(a), `${a} in ${aliases.join(',')}`);
      }
    });

    it('address scopes: create, show, list, rename, share (admin only, never unshare), delete', async () => {
      const A = project('a');
      const sc = await scope({ ip_version: 4 }, asMember(A));
      assert.equal(sc.ip_version, 4);
      assert.equal(sc.shared, false);
      assert.equal(sc.project_id, A);
      assert.equal((await ok('GET', `/v2.0/address-scopes/${sc.id}`, undefined, asMember(A))).address_scope.name, sc.name);
      assert.ok((await ok('GET', '/v2.0/address-scopes?ip_version=4', undefined, asMember(A))).address_scopes.some((x: Obj) => x.id === sc.id));
      assert.equal((await ok('PUT', `/v2.0/address-scopes/${sc.id}`, { address_scope: { name: 'renamed' } }, asMember(A))).address_scope.name, 'renamed');
      await fails(403, 'PolicyNotAuthorized', 'PUT', `/v2.0/address-scopes/${sc.id}`, { address_scope: { shared: true } }, asMember(A));
      await fails(403, 'PolicyNotAuthorized', 'POST', '/v2.0/address-scopes', { address_scope: { name: 'x', ip_version: 4, shared: true } }, asMember(A));
      await fails(404, 'AddressScopeNotFound', 'GET', `/v2.0/address-scopes/${sc.id}`, undefined, asMember(project('b')));
      assert.equal((await ok('PUT', `/v2.0/address-scopes/${sc.id}`, { address_scope: { shared: true } })).address_scope.shared, true);
      // shared: everyone sees it
      assert.equal((await ok('GET', `/v2.0/address-scopes/${sc.id}`, undefined, asMember(project('b')))).address_scope.shared, true);
      await fails(400, 'AddressScopeUpdateError', 'PUT', `/v2.0/address-scopes/${sc.id}`, { address_scope: { shared: false } });
      await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/address-scopes', { address_scope: { name: 'x', ip_version: 5 } });
      await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/address-scopes', { address_scope: { name: 'x' } });
      await ok('DELETE', `/v2.0/address-scopes/${sc.id}`, undefined, asMember(A));
      await fails(404, 'AddressScopeNotFound', 'GET', `/v2.0/address-scopes/${sc.id}`);
    });

    it('subnet pools: prefixes compacted, ip_version and prefix lengths defaulted as Neutron', async () => {
      const p = await pool({ prefixes: ['10.10.0.128/25', '10.10.0.0/25', '10.10.4.0/24', '10.10.4.0/23'] });
      assert.deepEqual(p.prefixes, ['10.10.0.0/24', '10.10.4.0/23']);
      assert.equal(p.ip_version, 4);
      assert.equal(p.min_prefixlen, 8);
      assert.equal(p.max_prefixlen, 32);
      assert.equal(p.default_prefixlen, 8);
      assert.equal(p.default_quota, null);
      assert.equal(p.is_default, false);
      assert.equal(p.shared, false);
      assert.equal(p.address_scope_id, null);
      assert.equal(p.revision_number, 0);
      const p6 = await pool({ prefixes: ['2001:db8::/48'] });
      assert.equal(p6.ip_version, 6);
      assert.equal(p6.min_prefixlen, 64);
      assert.equal(p6.max_prefixlen, 128);
      assert.equal(p6.default_prefixlen, 64);
    });

    it('subnet pools: bad prefixes and bounds are refused with Neutron types, nothing half-written', async () => {
      const before = (await ok('GET', '/v2.0/subnetpools')).subnetpools.length;
      await fails(400, 'PrefixVersionMismatch', 'POST', '/v2.0/subnetpools', { subnetpool: { name: 'x', prefixes: ['10.0.0.0/8', '2001:db8::/32'] } });
      await fails(400, 'EmptySubnetPoolPrefixList', 'POST', '/v2.0/subnetpools', { subnetpool: { name: 'x', prefixes: [] } });
      await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/subnetpools', { subnetpool: { name: 'x', prefixes: ['10.0.0.1/8'] } });
      await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/subnetpools', { subnetpool: { prefixes: ['10.0.0.0/8'] } });
      const m = await fails(400, 'IllegalSubnetPoolPrefixBounds', 'POST', '/v2.0/subnetpools', { subnetpool: { name: 'x', prefixes: ['10.0.0.0/8'], min_prefixlen: 24, max_prefixlen: 16 } });
      assert.match(m, /min_prefixlen=24, max_prefixlen=16/);
      await fails(400, 'IllegalSubnetPoolPrefixBounds', 'POST', '/v2.0/subnetpools', { subnetpool: { name: 'x', prefixes: ['10.0.0.0/8'], max_prefixlen: 33 } });
      await fails(400, 'IllegalSubnetPoolPrefixBounds', 'POST', '/v2.0/subnetpools', { subnetpool: { name: 'x', prefixes: ['10.0.0.0/8'], min_prefixlen: 16, default_prefixlen: 12 } });
      // bulk: the second item is bad, the first is not left behind
      await fails(400, 'PrefixVersionMismatch', 'POST', '/v2.0/subnetpools', {
        subnetpools: [
          { name: 'ok', prefixes: ['10.0.0.0/8'] },
          { name: 'bad', prefixes: ['10.0.0.0/8', '::/0'] },
        ],
      });
      assert.equal((await ok('GET', '/v2.0/subnetpools')).subnetpools.length, before);
    });

    it('subnets from a pool: by prefixlen (best fit, lowest first), by default_prefixlen, by a cidr inside it; errors as Neutron', async () => {
      const p = await pool({ prefixes: ['10.20.0.0/24', '10.21.0.0/26'], default_prefixlen: 26, min_prefixlen: 24, max_prefixlen: 28 });
      const n = await network();
      // best fit: the /26 prefix is used before the /24 is cut
      const a = await subnet({ network_id: n.id, subnetpool_id: p.id });
      assert.equal(a.cidr, '10.21.0.0/26');
      assert.equal(a.subnetpool_id, p.id);
      assert.equal(a.gateway_ip, '10.21.0.1');
      assert.deepEqual(a.allocation_pools, [{ start: '10.21.0.2', end: '10.21.0.62' }]);
      const b = await subnet({ network_id: n.id, subnetpool_id: p.id, prefixlen: 28 });
      assert.equal(b.cidr, '10.20.0.0/28');
      const c = await subnet({ network_id: n.id, subnetpool_id: p.id, cidr: '10.20.0.128/25' });
      assert.equal(c.cidr, '10.20.0.128/25');
      await fails(409, 'SubnetAllocationError', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, subnetpool_id: p.id, cidr: '10.20.0.128/26' } });
      await fails(409, 'SubnetAllocationError', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, subnetpool_id: p.id, cidr: '10.99.0.0/26' } });
      await fails(400, 'MaxPrefixSubnetAllocationError', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, subnetpool_id: p.id, prefixlen: 29 } });
      await fails(400, 'MinPrefixSubnetAllocationError', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, subnetpool_id: p.id, prefixlen: 23 } });
      await fails(400, 'BadRequest', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, subnetpool_id: p.id, prefixlen: 28, cidr: '10.20.0.64/28' } });
      await fails(400, 'BadRequest', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4 } });
      await fails(400, 'BadRequest', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 6, subnetpool_id: p.id } });
      await fails(400, 'BadRequest', 'POST', '/v2.0/subnets', {
        subnet: { network_id: n.id, ip_version: 4, subnetpool_id: p.id, allocation_pools: [{ start: '10.20.0.70', end: '10.20.0.80' }] },
      });
      await fails(404, 'SubnetPoolNotFound', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, subnetpool_id: randomUUID() } });
      // the rest of the /24's first half: /28s until it is full, then 409
      const got: string[] = [a.cidr, b.cidr, c.cidr];
      for (let i = 0; i < 7; i++) got.push((await subnet({ network_id: n.id, subnetpool_id: p.id, prefixlen: 28 })).cidr);
      assert.ok(got.includes('10.20.0.112/28'), got.join());
      const m = await fails(409, 'SubnetAllocationError', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, subnetpool_id: p.id, prefixlen: 28 } });
      assert.match(m, /Insufficient prefix space to allocate subnet size \/28/);
      assert.equal(overlapping(got), null);
      assert.deepEqual((await ok('GET', `/v2.0/subnets?subnetpool_id=${p.id}`)).subnets.map((x: Obj) => x.cidr).sort(), [...got].sort());
      // a deleted subnet gives its prefix back
      await ok('DELETE', `/v2.0/subnets/${b.id}`);
      assert.equal((await subnet({ network_id: n.id, subnetpool_id: p.id, prefixlen: 28 })).cidr, '10.20.0.0/28');
    });

    it('a pool with allocations cannot be deleted (SubnetPoolDeleteError); without them it can', async () => {
      const p = await pool({ prefixes: ['10.30.0.0/24'], default_prefixlen: 26 });
      const n = await network();
      const sub = await subnet({ network_id: n.id, subnetpool_id: p.id });
      const m = await fails(400, 'SubnetPoolDeleteError', 'DELETE', `/v2.0/subnetpools/${p.id}`);
      assert.match(m, /Subnet pool has existing allocations/);
      await ok('DELETE', `/v2.0/subnets/${sub.id}`);
      await ok('DELETE', `/v2.0/subnetpools/${p.id}`);
      await fails(404, 'SubnetPoolNotFound', 'GET', `/v2.0/subnetpools/${p.id}`);
    });

    it("a deleted subnet's prefix, and a deleted network's subnets' prefixes, are free again", async () => {
      const p = await pool({ prefixes: ['10.31.0.0/24'], default_prefixlen: 24 });
      const first = await network();
      await subnet({ network_id: first.id, subnetpool_id: p.id });
      await ok('DELETE', `/v2.0/networks/${first.id}`);
      const second = await network();
      const again = await subnet({ network_id: second.id, subnetpool_id: p.id });
      assert.equal(again.cidr, '10.31.0.0/24');
      await ok('DELETE', `/v2.0/subnets/${again.id}`);
      assert.equal((await subnet({ network_id: second.id, subnetpool_id: p.id })).cidr, '10.31.0.0/24');
    });

    it('prefix updates: only growing (IllegalSubnetPoolPrefixUpdate), add_prefixes and remove_prefixes, revision bumped', async () => {
      const A = project('a');
      const p = await pool({ prefixes: ['10.40.0.0/24'], default_prefixlen: 26 }, asMember(A));
      await fails(400, 'IllegalSubnetPoolPrefixUpdate', 'PUT', `/v2.0/subnetpools/${p.id}`, { subnetpool: { prefixes: ['10.40.0.0/25'] } }, asMember(A));
      const grown = (await ok('PUT', `/v2.0/subnetpools/${p.id}`, { subnetpool: { prefixes: ['10.40.0.0/24', '10.40.1.0/24'] } }, asMember(A))).subnetpool;
      assert.deepEqual(grown.prefixes, ['10.40.0.0/23']);
      assert.equal(grown.revision_number, 1);
      assert.deepEqual((await ok('PUT', `/v2.0/subnetpools/${p.id}/add_prefixes`, { prefixes: ['10.41.0.0/24'] }, asMember(A))).prefixes, ['10.40.0.0/23', '10.41.0.0/24']);
      const n = await network(asMember(A));
      const sub = await subnet({ network_id: n.id, subnetpool_id: p.id, cidr: '10.41.0.0/26' }, asMember(A));
      await fails(400, 'IllegalSubnetPoolPrefixUpdate', 'PUT', `/v2.0/subnetpools/${p.id}/remove_prefixes`, { prefixes: ['10.41.0.0/24'] }, asMember(A));
      assert.deepEqual((await ok('PUT', `/v2.0/subnetpools/${p.id}/remove_prefixes`, { prefixes: ['10.40.1.0/24'] }, asMember(A))).prefixes, ['10.40.0.0/24', '10.41.0.0/24']);
      await fails(400, 'HTTPBadRequest', 'PUT', `/v2.0/subnetpools/${p.id}/add_prefixes`, { prefixes: ['nope'] }, asMember(A));
      await fails(404, 'SubnetPoolNotFound', 'PUT', `/v2.0/subnetpools/${p.id}/add_prefixes`, { prefixes: ['10.42.0.0/24'] }, asMember(project('b')));
      assert.equal((await ok('GET', `/v2.0/subnetpools/${p.id}`, undefined, asMember(A))).subnetpool.revision_number, 3);
      // bounds can change; default_prefixlen is checked against them
      await fails(400, 'IllegalSubnetPoolPrefixBounds', 'PUT', `/v2.0/subnetpools/${p.id}`, { subnetpool: { min_prefixlen: 27 } }, asMember(A));
      assert.equal((await ok('PUT', `/v2.0/subnetpools/${p.id}`, { subnetpool: { min_prefixlen: 20, description: 'd' } }, asMember(A))).subnetpool.min_prefixlen, 20);
      await ok('DELETE', `/v2.0/subnets/${sub.id}`, undefined, asMember(A));
    });

    it('default pools: admin only, one per IP version, used by use_default_subnetpool', async () => {
      const A = project('a');
      await fails(403, 'PolicyNotAuthorized', 'POST', '/v2.0/subnetpools', { subnetpool: { name: 'd', prefixes: ['10.50.0.0/16'], is_default: true } }, asMember(A));
      const n = await network(asMember(A));
      const none = await fails(400, 'BadRequest', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 6, use_default_subnetpool: true } }, asMember(A));
      assert.match(none, /No default subnetpool found for IPv6/);
      const d = await pool({ prefixes: ['10.50.0.0/16'], is_default: true, shared: true, default_prefixlen: 24 });
      assert.equal(d.is_default, true);
      await fails(400, 'InvalidInput', 'POST', '/v2.0/subnetpools', { subnetpool: { name: 'd2', prefixes: ['10.51.0.0/16'], is_default: true } });
      const other = await pool({ prefixes: ['10.52.0.0/16'] });
      await fails(400, 'InvalidInput', 'PUT', `/v2.0/subnetpools/${other.id}`, { subnetpool: { is_default: true } });
      const sub = await subnet({ network_id: n.id, use_default_subnetpool: true }, asMember(A));
      assert.equal(sub.subnetpool_id, d.id);
      assert.equal(sub.cidr, '10.50.0.0/24');
      await fails(400, 'BadRequest', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, use_default_subnetpool: true, subnetpool_id: d.id } }, asMember(A));
      await ok('DELETE', `/v2.0/subnets/${sub.id}`, undefined, asMember(A));
      await ok('PUT', `/v2.0/subnetpools/${d.id}`, { subnetpool: { is_default: false } });
    });

    it("default_quota: a project's share of a pool, in addresses (IPv4)", async () => {
      const A = project('a');
      const p = await pool({ prefixes: ['10.60.0.0/16'], default_quota: 512, shared: true, default_prefixlen: 24 });
      const n = await network(asMember(A));
      await subnet({ network_id: n.id, subnetpool_id: p.id }, asMember(A));
      await subnet({ network_id: n.id, subnetpool_id: p.id }, asMember(A));
      await fails(409, 'SubnetPoolQuotaExceeded', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, subnetpool_id: p.id } }, asMember(A));
      // another project has its own share
      const B = project('b');
      await subnet({ network_id: (await network(asMember(B))).id, subnetpool_id: p.id }, asMember(B));
    });

    it('address scopes and pools: same IP version, no overlap inside a scope, networks show their scope', async () => {
      const sc = await scope({ ip_version: 4 });
      const sc6 = await scope({ ip_version: 6 });
      await fails(400, 'IllegalSubnetPoolIpVersionAssociationToAddressScope', 'POST', '/v2.0/subnetpools', { subnetpool: { name: 'x', prefixes: ['10.70.0.0/16'], address_scope_id: sc6.id } });
      const p1 = await pool({ prefixes: ['10.70.0.0/16'], address_scope_id: sc.id, default_prefixlen: 24 });
      assert.equal(p1.address_scope_id, sc.id);
      await fails(409, 'AddressScopePrefixConflict', 'POST', '/v2.0/subnetpools', { subnetpool: { name: 'x', prefixes: ['10.70.128.0/24'], address_scope_id: sc.id } });
      const p2 = await pool({ prefixes: ['10.71.0.0/16'], default_prefixlen: 24 });
      await fails(409, 'AddressScopePrefixConflict', 'PUT', `/v2.0/subnetpools/${p2.id}`, { subnetpool: { prefixes: ['10.71.0.0/16', '10.70.0.0/24'], address_scope_id: sc.id } });
      const B = project('b');
      await fails(400, 'IllegalSubnetPoolAssociationToAddressScope', 'POST', '/v2.0/subnetpools', { subnetpool: { name: 'x', prefixes: ['10.72.0.0/16'], address_scope_id: sc.id } }, asMember(B));
      const n = await network();
      assert.equal((await ok('GET', `/v2.0/networks/${n.id}`)).network.ipv4_address_scope, null);
      await subnet({ network_id: n.id, subnetpool_id: p1.id });
      const shown = (await ok('GET', `/v2.0/networks/${n.id}`)).network;
      assert.equal(shown.ipv4_address_scope, sc.id);
      assert.equal(shown.ipv6_address_scope, null);
      // a subnet from no pool (or another scope) may not join that network
      await fails(400, 'NetworkAddressScopeAffinityError', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '192.168.9.0/24' } });
      await fails(400, 'NetworkAddressScopeAffinityError', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, subnetpool_id: p2.id } });
      await fails(409, 'AddressScopeInUse', 'DELETE', `/v2.0/address-scopes/${sc.id}`);
    });

    it('without scopes, a network takes subnets of one IP version from one pool only (NetworkSubnetPoolAffinityError)', async () => {
      const p1 = await pool({ prefixes: ['10.80.0.0/16'], default_prefixlen: 24 });
      const p2 = await pool({ prefixes: ['10.81.0.0/16'], default_prefixlen: 24 });
      const n = await network();
      await subnet({ network_id: n.id, subnetpool_id: p1.id });
      await fails(400, 'NetworkSubnetPoolAffinityError', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, subnetpool_id: p2.id } });
      await fails(400, 'NetworkSubnetPoolAffinityError', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '192.168.10.0/24' } });
      await subnet({ network_id: n.id, subnetpool_id: p1.id });
    });

    it("pools are private to their project: another project's pool is 404, shared ones may be used", async () => {
      const A = project('a');
      const B = project('b');
      const p = await pool({ prefixes: ['10.90.0.0/16'], default_prefixlen: 24 }, asMember(A));
      await fails(404, 'SubnetPoolNotFound', 'GET', `/v2.0/subnetpools/${p.id}`, undefined, asMember(B));
      const nb = await network(asMember(B));
      await fails(404, 'SubnetPoolNotFound', 'POST', '/v2.0/subnets', { subnet: { network_id: nb.id, ip_version: 4, subnetpool_id: p.id } }, asMember(B));
      await fails(403, 'PolicyNotAuthorized', 'POST', '/v2.0/subnetpools', { subnetpool: { name: 's', prefixes: ['10.91.0.0/16'], shared: true } }, asMember(A));
      const shared = await pool({ prefixes: ['10.92.0.0/16'], default_prefixlen: 24, shared: true });
      const got = (await ok('GET', `/v2.0/subnetpools?shared=true`, undefined, asMember(B))).subnetpools.map((x: Obj) => x.id);
      assert.ok(got.includes(shared.id));
      await subnet({ network_id: nb.id, subnetpool_id: shared.id }, asMember(B));
      // others may not change a shared pool
      await fails(403, 'PolicyNotAuthorized', 'PUT', `/v2.0/subnetpools/${shared.id}`, { subnetpool: { name: 'mine' } }, asMember(B));
    });

    it('rbac-subnetpool: the owner shares a pool with one project; the entry cannot go while that project has subnets from it', async () => {
      const A = project('a');
      const B = project('b');
      const p = await pool({ prefixes: ['10.100.0.0/16'], default_prefixlen: 24 }, asMember(A));
      await fails(
        400,
        'InvalidActionForType',
        'POST',
        '/v2.0/rbac-policies',
        { rbac_policy: { object_type: 'subnetpool', object_id: p.id, action: 'access_as_external', target_tenant: B } },
        asMember(A),
      );
      await fails(404, 'SubnetPoolNotFound', 'POST', '/v2.0/rbac-policies', { rbac_policy: { object_type: 'subnetpool', object_id: p.id, action: 'access_as_shared', target_tenant: B } }, asMember(B));
      const entry = (await ok('POST', '/v2.0/rbac-policies', { rbac_policy: { object_type: 'subnetpool', object_id: p.id, action: 'access_as_shared', target_tenant: B } }, asMember(A))).rbac_policy;
      assert.equal(entry.object_type, 'subnetpool');
      const seen = (await ok('GET', `/v2.0/subnetpools/${p.id}`, undefined, asMember(B))).subnetpool;
      assert.equal(seen.shared, true, 'shared with the caller, as Neutron shows it');
      assert.equal((await ok('GET', `/v2.0/subnetpools/${p.id}`, undefined, asMember(A))).subnetpool.shared, false);
      const listed = (await ok('GET', '/v2.0/rbac-policies?object_type=subnetpool', undefined, asMember(A))).rbac_policies.map((x: Obj) => x.id);
      assert.deepEqual(listed, [entry.id]);
      assert.deepEqual((await ok('GET', '/v2.0/rbac-policies?object_type=network', undefined, asMember(A))).rbac_policies, []);
      const sub = await subnet({ network_id: (await network(asMember(B))).id, subnetpool_id: p.id }, asMember(B));
      await fails(409, 'RbacPolicyInUse', 'DELETE', `/v2.0/rbac-policies/${entry.id}`, undefined, asMember(A));
      await fails(409, 'RbacPolicyInUse', 'PUT', `/v2.0/rbac-policies/${entry.id}`, { rbac_policy: { target_tenant: project('c') } }, asMember(A));
      await ok('DELETE', `/v2.0/subnets/${sub.id}`, undefined, asMember(B));
      await ok('DELETE', `/v2.0/rbac-policies/${entry.id}`, undefined, asMember(A));
      await fails(404, 'SubnetPoolNotFound', 'GET', `/v2.0/subnetpools/${p.id}`, undefined, asMember(B));
      // a wildcard entry (admin) makes the pool shared=true for all
      const w = (await ok('POST', '/v2.0/rbac-policies', { rbac_policy: { object_type: 'subnetpool', object_id: p.id, action: 'access_as_shared', target_tenant: '*' } })).rbac_policy;
      assert.equal((await ok('GET', `/v2.0/subnetpools/${p.id}`, undefined, asMember(A))).subnetpool.shared, true);
      await ok('DELETE', `/v2.0/rbac-policies/${w.id}`);
      assert.equal((await ok('GET', `/v2.0/subnetpools/${p.id}`, undefined, asMember(A))).subnetpool.shared, false);
    });

    it('rbac-address-scope: a shared scope takes the other project’s pools; the entry cannot go while they are in it', async () => {
      const A = project('a');
      const B = project('b');
      const sc = await scope({ ip_version: 4 }, asMember(A));
      const entry = (await ok('POST', '/v2.0/rbac-policies', { rbac_policy: { object_type: 'address_scope', object_id: sc.id, action: 'access_as_shared', target_tenant: B } }, asMember(A)))
        .rbac_policy;
      assert.equal((await ok('GET', `/v2.0/address-scopes/${sc.id}`, undefined, asMember(B))).address_scope.shared, true);
      const pb = await pool({ prefixes: ['10.110.0.0/16'], address_scope_id: sc.id }, asMember(B));
      await fails(409, 'RbacPolicyInUse', 'DELETE', `/v2.0/rbac-policies/${entry.id}`, undefined, asMember(A));
      // a pool in another project's scope is that project's to rescope, not ours (Neutron)
      await fails(400, 'IllegalSubnetPoolUpdate', 'PUT', `/v2.0/subnetpools/${pb.id}`, { subnetpool: { address_scope_id: null } }, asMember(B));
      await ok('DELETE', `/v2.0/subnetpools/${pb.id}`, undefined, asMember(B));
      await ok('DELETE', `/v2.0/rbac-policies/${entry.id}`, undefined, asMember(A));
      await fails(404, 'AddressScopeNotFound', 'GET', `/v2.0/address-scopes/${sc.id}`, undefined, asMember(B));
    });

    it('quotas: subnetpool and address_scope are counted, rbac_policy counts every object type', async () => {
      const A = project('a');
      const q = (await ok('GET', `/v2.0/quotas/${A}`)).quota;
      assert.equal(q.subnetpool, -1);
      assert.equal(q.address_scope, -1);
      await ok('PUT', `/v2.0/quotas/${A}`, { quota: { subnetpool: 1, address_scope: 1, rbac_policy: 1 } });
      const p = await pool({ prefixes: ['10.120.0.0/16'] }, asMember(A));
      await fails(409, 'OverQuota', 'POST', '/v2.0/subnetpools', { subnetpool: { name: 'x', prefixes: ['10.121.0.0/16'] } }, asMember(A));
      const sc = await scope({ ip_version: 4 }, asMember(A));
      await fails(409, 'OverQuota', 'POST', '/v2.0/address-scopes', { address_scope: { name: 'x', ip_version: 4 } }, asMember(A));
      await ok('POST', '/v2.0/rbac-policies', { rbac_policy: { object_type: 'subnetpool', object_id: p.id, action: 'access_as_shared', target_tenant: project('b') } }, asMember(A));
      await fails(
        409,
        'OverQuota',
        'POST',
        '/v2.0/rbac-policies',
        { rbac_policy: { object_type: 'address_scope', object_id: sc.id, action: 'access_as_shared', target_tenant: project('b') } },
        asMember(A),
      );
      const details = (await ok('GET', `/v2.0/quotas/${A}/details`)).quota;
      assert.equal(details.subnetpool.used, 1);
      assert.equal(details.address_scope.used, 1);
      assert.equal(details.rbac_policy.used, 1);
    });

    it('onboard_network_subnets: a network’s subnets join the pool, their cidrs its prefixes', async () => {
      const p = await pool({ prefixes: ['10.130.0.0/24'] });
      const n = await network();
      const sub = await subnet({ network_id: n.id, cidr: '10.131.0.0/24' });
      const r = await ok('PUT', `/v2.0/subnetpools/${p.id}/onboard_network_subnets`, { network_id: n.id });
      assert.deepEqual(r, [{ id: sub.id, cidr: '10.131.0.0/24' }]);
      assert.equal((await ok('GET', `/v2.0/subnets/${sub.id}`)).subnet.subnetpool_id, p.id);
      assert.deepEqual((await ok('GET', `/v2.0/subnetpools/${p.id}`)).subnetpool.prefixes, ['10.130.0.0/24', '10.131.0.0/24']);
      await fails(404, 'NetworkNotFound', 'PUT', `/v2.0/subnetpools/${p.id}/onboard_network_subnets`, { network_id: randomUUID() });
      await fails(400, 'InvalidInput', 'PUT', `/v2.0/subnetpools/${p.id}/onboard_network_subnets`, {});
    });

    it('concurrent allocations from one pool never overlap, and a full pool refuses the rest', async () => {
      const A = project('a');
      await ok('PUT', `/v2.0/quotas/${A}`, { quota: { subnet: -1 } });
      const p = await pool({ prefixes: ['10.140.0.0/22'], default_prefixlen: 28, min_prefixlen: 22 }, asMember(A));
      const nets = await Promise.all(Array.from({ length: 4 }, () => network(asMember(A))));
      // 64 /28s fit; 80 requests race for them, spread over four networks
      const replies = await Promise.all(
        Array.from({ length: 80 }, (_, i) => s.req('POST', '/v2.0/subnets', { subnet: { network_id: nets[i % 4].id, ip_version: 4, subnetpool_id: p.id } }, asMember(A))),
      );
      const made = replies.filter((r) => r.status === 201).map((r) => r.body.subnet.cidr as string);
      const refused = replies.filter((r) => r.status !== 201);
      assert.equal(made.length, 64, `made ${made.length}: ${refused.map(show).slice(0, 3).join('; ')}`);
      assert.ok(
        refused.every((r) => r.status === 409 && r.body.NeutronError.type === 'SubnetAllocationError'),
        refused.map(show).slice(0, 3).join('; '),
      );
      assert.equal(overlapping(made), null, `overlap: ${overlapping(made)}`);
      // specific requests for one cidr: exactly one wins
      const q = await pool({ prefixes: ['10.141.0.0/24'] }, asMember(A));
      const fresh = await Promise.all(Array.from({ length: 8 }, () => network(asMember(A))));
      const same = await Promise.all(fresh.map((n) => s.req('POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, subnetpool_id: q.id, cidr: '10.141.0.0/25' } }, asMember(A))));
      assert.equal(same.filter((r) => r.status === 201).length, 1, same.map(show).join('; '));
    });
  });
}
