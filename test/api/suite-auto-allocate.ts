// auto-allocated-topology on SQLite (api tier) and PostgreSQL (integration tier): is_default on
// external networks, the requirements (dry-run), a project's topology made once (also under
// concurrent requests) from the default pool and external network, a failure undoing what it
// made, a dead request's leftovers cleaned by the next, and delete.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { timestamp } from '../../src/common/time.js';
import { apiAs } from '../helpers/api-as.js';
import { asAdmin, asMember, startTestServer, type DbKind, type TestServer } from '../helpers/server.js';

type Obj = Record<string, any>;
const ADMIN = asAdmin('aa-admin');
const P = asMember('aa-project-p');
const Q = asMember('aa-project-q');

export function autoAllocateSuite(kind: DbKind): void {
  describe(`auto-allocated topology (${kind})`, () => {
    let s: TestServer;
    let ext1: Obj;
    const { ok, fails } = apiAs(() => s);
    const autoNets = async (project: string) => (await ok(ADMIN, 'GET', `/v2.0/networks?name=auto_allocated_network&project_id=${project}`)).networks;

    before(async () => {
      s = await startTestServer(kind, { config: { DEFAULT: { service_plugins: 'router,auto_allocate' } } });
      ext1 = (await ok(ADMIN, 'POST', '/v2.0/networks', { network: { name: 'aa-ext1', 'router:external': true } })).network;
      await ok(ADMIN, 'POST', '/v2.0/subnets', { subnet: { network_id: ext1.id, cidr: '203.0.113.0/24', ip_version: 4 } });
    });
    after(async () => {
      await s?.close();
    });

    it('lists the extension; is_default is for one external network, set by admins', async () => {
      const aliases = (await ok(ADMIN, 'GET', '/v2.0/extensions')).extensions.map((e: Obj) => e.alias);
      assert.ok(aliases.includes('auto-allocated-topology'));
      assert.equal(ext1.is_default, false);
      await fails(ADMIN, 409, 'AutoAllocationFailure', 'GET', '/v2.0/auto-allocated-topology/aa-project-p?fields=dry-run');
      await fails(P, 403, null, 'PUT', `/v2.0/networks/${ext1.id}`, { network: { is_default: true } });
      const internal = (await ok(ADMIN, 'POST', '/v2.0/networks', { network: { name: 'aa-internal' } })).network;
      await fails(ADMIN, 400, 'InvalidInput', 'PUT', `/v2.0/networks/${internal.id}`, { network: { is_default: true } });
      assert.equal((await ok(ADMIN, 'PUT', `/v2.0/networks/${ext1.id}`, { network: { is_default: true } })).network.is_default, true);
      const ext2 = await fails(ADMIN, 409, 'DefaultExternalNetworkExists', 'POST', '/v2.0/networks', { network: { name: 'aa-ext2', 'router:external': true, is_default: true } });
      assert.match(ext2.NeutronError.message, new RegExp(ext1.id));
      assert.deepEqual(
        (await ok(ADMIN, 'GET', '/v2.0/networks?is_default=true')).networks.map((n: Obj) => n.id),
        [ext1.id],
      );
    });

    it('dry-run names what is missing, then passes once a default pool exists', async () => {
      const missing = await fails(P, 409, 'AutoAllocationFailure', 'GET', '/v2.0/auto-allocated-topology/aa-project-p?fields=dry-run');
      assert.match(missing.NeutronError.message, /No default subnetpools defined/);
      await ok(ADMIN, 'POST', '/v2.0/subnetpools', { subnetpool: { name: 'aa-pool', prefixes: ['10.200.0.0/22'], default_prefixlen: 24, shared: true, is_default: true } });
      const dry = (await ok(P, 'GET', '/v2.0/auto-allocated-topology/aa-project-p?fields=dry-run')).auto_allocated_topology;
      assert.equal(dry.id, 'dry-run=pass');
      await fails(P, 400, null, 'GET', '/v2.0/auto-allocated-topology/aa-project-p?fields=colour');
    });

    it("makes a project's topology once: network, pool subnet, router on the default external network", async () => {
      const got = (await ok(P, 'GET', '/v2.0/auto-allocated-topology/None')).auto_allocated_topology;
      assert.equal(got.tenant_id, 'aa-project-p');
      const net = (await ok(P, 'GET', `/v2.0/networks/${got.id}`)).network;
      assert.equal(net.name, 'auto_allocated_network');
      assert.equal(net.admin_state_up, true);
      const [subnet] = (await ok(P, 'GET', `/v2.0/subnets?network_id=${got.id}`)).subnets;
      assert.match(subnet.cidr, /^10\.200\.[0-3]\.0\/24$/);
      const [router] = (await ok(P, 'GET', '/v2.0/routers?name=auto_allocated_router')).routers;
      assert.equal(router.external_gateway_info.network_id, ext1.id);
      const iface = (await ok(P, 'GET', `/v2.0/ports?device_id=${router.id}&device_owner=network:router_interface`)).ports;
      assert.equal(iface[0].fixed_ips[0].subnet_id, subnet.id);
      assert.equal((await ok(P, 'GET', '/v2.0/auto-allocated-topology/aa-project-p')).auto_allocated_topology.id, got.id, 'the same one after');
      await fails(P, 403, null, 'GET', '/v2.0/auto-allocated-topology/aa-project-q');
    });

    it('concurrent first requests of one project make one topology', async () => {
      const answers = await Promise.all([1, 2, 3, 4].map(() => s.req('GET', '/v2.0/auto-allocated-topology/None', undefined, Q)));
      for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
      assert.equal(new Set(answers.map((a) => a.body.auto_allocated_topology.id)).size, 1);
      assert.equal((await autoNets('aa-project-q')).length, 1);
    });

    it('a failure undoes what it made (the pool has room for no more subnets)', async () => {
      // the /22 pool gave two /24s; two more projects take the rest
      await ok(ADMIN, 'GET', '/v2.0/auto-allocated-topology/aa-project-r');
      await ok(ADMIN, 'GET', '/v2.0/auto-allocated-topology/aa-project-s');
      const failed = await fails(ADMIN, 409, 'AutoAllocationFailure', 'GET', '/v2.0/auto-allocated-topology/aa-project-t');
      assert.match(failed.NeutronError.message, /Deployment error/);
      assert.deepEqual(await autoNets('aa-project-t'), []);
      assert.deepEqual((await ok(ADMIN, 'GET', '/v2.0/routers?project_id=aa-project-t')).routers, []);
    });

    it("a dead request's claim is cleaned up by the next request, then the topology is made", async () => {
      await ok(ADMIN, 'DELETE', '/v2.0/auto-allocated-topology/aa-project-s');
      const left = (await ok(ADMIN, 'POST', '/v2.0/networks', { network: { name: 'auto_allocated_network', project_id: 'aa-project-u' } })).network;
      const old = new Date(Date.now() - 120_000).toISOString();
      await s.db.kysely.insertInto('auto_allocated_topologies').values({ project_id: 'aa-project-u', network_id: left.id, router_id: null, state: 'building', updated_at: old }).execute();
      const got = (await ok(ADMIN, 'GET', '/v2.0/auto-allocated-topology/aa-project-u')).auto_allocated_topology;
      assert.notEqual(got.id, left.id);
      await fails(ADMIN, 404, 'NetworkNotFound', 'GET', `/v2.0/networks/${left.id}`);
      assert.equal((await autoNets('aa-project-u')).length, 1);
      assert.ok(timestamp());
    });

    it('delete takes the topology away; the next request makes a new one', async () => {
      const before = (await ok(P, 'GET', '/v2.0/auto-allocated-topology/None')).auto_allocated_topology.id;
      const r = await s.req('DELETE', '/v2.0/auto-allocated-topology/None', undefined, P);
      assert.equal(r.status, 204);
      await fails(P, 404, 'NetworkNotFound', 'GET', `/v2.0/networks/${before}`);
      assert.deepEqual((await ok(P, 'GET', '/v2.0/routers?name=auto_allocated_router')).routers, []);
      const again = (await ok(P, 'GET', '/v2.0/auto-allocated-topology/None')).auto_allocated_topology.id;
      assert.notEqual(again, before);
    });
  });

  describe(`auto-allocated topology without the plugin (${kind})`, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer(kind);
    });
    after(async () => {
      await s?.close();
    });
    it('is not listed and not served', async () => {
      const aliases = (await s.req('GET', '/v2.0/extensions', undefined, ADMIN)).body.extensions.map((e: Obj) => e.alias);
      assert.ok(!aliases.includes('auto-allocated-topology'));
      assert.equal((await s.req('GET', '/v2.0/auto-allocated-topology/None', undefined, P)).status, 404);
    });
  });
}
