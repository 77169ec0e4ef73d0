// The rbac-policies suite: sharing networks with one project or all, external access, what
// removing access would break, input checking, policy and quota — run on SQLite (api tier)
// and PostgreSQL (integration tier) against the real server and database.
//
// What a test expects is what Neutron does (neutron/db/rbac_db_mixin.py, the network
// callbacks in neutron/db/db_base_plugin_v2.py and neutron/db/external_net_db.py,
// neutron/extensions/rbac.py, neutron/conf/policies/rbac.py); the test name says which
// behaviour it pins down.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { asAdmin, asMember, startTestServer, storedProjectId, type DbKind, type Reply, type TestServer } from '../helpers/server.js';

type Headers = Record<string, string>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

const project = (label: string) => `${label}-${randomUUID()}`;
const ADMIN = asAdmin('admin-project');
const RBAC = '/v2.0/rbac-policies';

export function rbacSuite(kind: DbKind): void {
  describe(`rbac-policies (${kind})`, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer(kind);
    });
    after(async () => {
      await s?.close();
    });

    const show = (r: Reply) => `${r.status} ${JSON.stringify(r.body)}`;
    const ok = async (method: string, path: string, body?: unknown, headers?: Headers): Promise<Obj> => {
      const r = await s.req(method, path, body, headers);
      assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} → ${show(r)}`);
      return r.body as Obj;
    };
    const fails = async (code: number, type: string, method: string, path: string, body?: unknown, headers?: Headers): Promise<string> => {
      const r = await s.req(method, path, body, headers);
      assert.equal(r.status, code, `${method} ${path} → ${show(r)}`);
      assert.equal(r.body?.NeutronError?.type, type, `${method} ${path} → ${show(r)}`);
      return r.body.NeutronError.message as string;
    };
    /** a network of `owner` with one subnet */
    const network = async (owner: string, body: Obj = {}, headers: Headers = asMember(owner)): Promise<Obj> => {
      const n = (await ok('POST', '/v2.0/networks', { network: { name: `n-${randomUUID().slice(0, 6)}`, project_id: owner, ...body } }, headers)).network;
      await ok('POST', '/v2.0/subnets', { subnet: { network_id: n.id, cidr: '10.77.0.0/24', ip_version: 4, project_id: owner } }, headers);
      return n;
    };
    const policy = async (headers: Headers, body: Obj): Promise<Obj> => (await ok('POST', RBAC, { rbac_policy: { object_type: 'network', action: 'access_as_shared', ...body } }, headers)).rbac_policy;
    const port = async (headers: Headers, networkId: string): Promise<Obj> => (await ok('POST', '/v2.0/ports', { port: { network_id: networkId } }, headers)).port;
    const netIds = async (headers: Headers, query = ''): Promise<string[]> => (await ok('GET', `/v2.0/networks${query}`, undefined, headers)).networks.map((n: Obj) => n.id);

    it('is listed at /v2.0/extensions', async () => {
      const aliases = (await ok('GET', '/v2.0/extensions')).extensions.map((e: Obj) => e.alias);
      assert.ok(aliases.includes('rbac-policies'));
    });

    it('shares a network with one project: it sees the network and its subnets and may add ports, a third project gets 404', async () => {
      const A = project('a');
      const B = project('b');
      const C = project('c');
      const n = await network(A);
      await fails(404, 'NetworkNotFound', 'GET', `/v2.0/networks/${n.id}`, undefined, asMember(B));
      const p = await policy(asMember(A), { object_id: n.id, target_tenant: B });
      assert.equal(p.object_type, 'network');
      assert.equal(p.object_id, n.id);
      assert.equal(p.action, 'access_as_shared');
      assert.equal(p.target_tenant, B);
      assert.equal(p.target_project, B);
      assert.equal(p.project_id, A);
      assert.equal(p.tenant_id, A);
      assert.match(p.id, /^[0-9a-f-]{36}$/);

      // B: visible, shared=true for B (as Neutron shows it to a targeted project), subnets too
      const seen = (await ok('GET', `/v2.0/networks/${n.id}`, undefined, asMember(B))).network;
      assert.equal(seen.shared, true);
      assert.ok((await netIds(asMember(B))).includes(n.id));
      assert.ok((await netIds(asMember(B), '?shared=true')).includes(n.id));
      assert.ok(!(await netIds(asMember(B), '?shared=false')).includes(n.id));
      const subnets = (await ok('GET', `/v2.0/subnets?network_id=${n.id}`, undefined, asMember(B))).subnets;
      assert.equal(subnets.length, 1);
      const bp = await port(asMember(B), n.id);
      assert.equal(bp.project_id, B);
      // B may still not change the network
      await fails(403, 'PolicyNotAuthorized', 'PUT', `/v2.0/networks/${n.id}`, { network: { name: 'x' } }, asMember(B));

      // the owner still sees shared=false: only a wildcard entry shares it with everybody
      assert.equal((await ok('GET', `/v2.0/networks/${n.id}`, undefined, asMember(A))).network.shared, false);
      assert.ok(!(await netIds(asMember(A), '?shared=true')).includes(n.id));

      // C: nothing
      await fails(404, 'NetworkNotFound', 'GET', `/v2.0/networks/${n.id}`, undefined, asMember(C));
      assert.ok(!(await netIds(asMember(C))).includes(n.id));
      assert.equal((await ok('GET', `/v2.0/subnets?network_id=${n.id}`, undefined, asMember(C))).subnets.length, 0);
      await fails(404, 'NetworkNotFound', 'POST', '/v2.0/ports', { port: { network_id: n.id } }, asMember(C));
      // and C cannot see A's policy
      await fails(404, 'RbacPolicyNotFound', 'GET', `${RBAC}/${p.id}`, undefined, asMember(C));
      await fails(404, 'RbacPolicyNotFound', 'DELETE', `${RBAC}/${p.id}`, undefined, asMember(C));
    });

    it("an entry made, retargeted or removed bumps its network's revision_number, as Neutron's NetworkRBAC revises_on_change", async () => {
      const A = project('a');
      const B = project('b');
      const C = project('c');
      const n = await network(A);
      const rev = async () => (await ok('GET', `/v2.0/networks/${n.id}`, undefined, asMember(A))).network.revision_number as number;
      const r0 = await rev();
      const p = await policy(asMember(A), { object_id: n.id, target_tenant: B });
      assert.equal(await rev(), r0 + 1);
      await ok('PUT', `${RBAC}/${p.id}`, { rbac_policy: { target_tenant: C } }, asMember(A));
      assert.equal(await rev(), r0 + 2);
      await ok('DELETE', `${RBAC}/${p.id}`, undefined, asMember(A));
      assert.equal(await rev(), r0 + 3);
    });

    it('accepts target_project as another name of target_tenant, and refuses the two disagreeing', async () => {
      const A = project('a');
      const n = await network(A);
      const B = project('b');
      const p = await policy(asMember(A), { object_id: n.id, target_project: B });
      assert.equal(p.target_tenant, B);
      await fails(
        400,
        'HTTPBadRequest',
        'POST',
        RBAC,
        { rbac_policy: { object_type: 'network', action: 'access_as_shared', object_id: n.id, target_tenant: B, target_project: 'other' } },
        asMember(A),
      );
    });

    it('a wildcard entry shares with everyone and sets shared=true; shared=true on the network makes that entry', async () => {
      const A = project('a');
      const X = project('x');
      const viaRbac = await network(A);
      const w = await policy(ADMIN, { object_id: viaRbac.id, target_tenant: '*' });
      assert.equal(w.project_id, 'admin-project');
      assert.equal((await ok('GET', `/v2.0/networks/${viaRbac.id}`, undefined, asMember(A))).network.shared, true);
      assert.ok((await netIds(asMember(X), '?shared=true')).includes(viaRbac.id));
      await port(asMember(X), viaRbac.id);

      const viaShared = await network(A, { shared: true }, ADMIN);
      const entries = (await ok('GET', `${RBAC}?object_id=${viaShared.id}`, undefined, ADMIN)).rbac_policies;
      assert.equal(entries.length, 1);
      assert.equal(entries[0].target_tenant, '*');
      assert.equal(entries[0].action, 'access_as_shared');
      assert.equal(entries[0].project_id, A, 'the entry belongs to the network owner, as Neutron makes it');
      // A (the owner) sees and may delete the entry; then the network is no longer shared
      await ok('DELETE', `${RBAC}/${entries[0].id}`, undefined, asMember(A));
      assert.equal((await ok('GET', `/v2.0/networks/${viaShared.id}`, undefined, ADMIN)).network.shared, false);
      await fails(404, 'NetworkNotFound', 'GET', `/v2.0/networks/${viaShared.id}`, undefined, asMember(X));
      // shared=true again, then false: the entry comes and goes with it
      await ok('PUT', `/v2.0/networks/${viaShared.id}`, { network: { shared: true } }, ADMIN);
      assert.equal((await ok('GET', `${RBAC}?object_id=${viaShared.id}&target_tenant=*`, undefined, ADMIN)).rbac_policies.length, 1);
      assert.ok((await netIds(asMember(X))).includes(viaShared.id));
      await ok('PUT', `/v2.0/networks/${viaShared.id}`, { network: { shared: false } }, ADMIN);
      assert.equal((await ok('GET', `${RBAC}?object_id=${viaShared.id}`, undefined, ADMIN)).rbac_policies.length, 0);
    });

    it('refuses to remove access a project still has ports through (409 RbacPolicyInUse), and allows it once they are gone', async () => {
      const A = project('a');
      const B = project('b');
      const n = await network(A);
      const p = await policy(asMember(A), { object_id: n.id, target_tenant: B });
      const bp = await port(asMember(B), n.id);
      // A's own ports and DHCP ports never hold access
      await port(asMember(A), n.id);
      await ok('POST', '/v2.0/ports', { port: { network_id: n.id, device_owner: 'network:dhcp', project_id: B } }, ADMIN);
      await fails(409, 'RbacPolicyInUse', 'DELETE', `${RBAC}/${p.id}`, undefined, asMember(A));
      // narrowing it to another project is removing B's access too
      await fails(409, 'RbacPolicyInUse', 'PUT', `${RBAC}/${p.id}`, { rbac_policy: { target_tenant: project('c') } }, asMember(A));
      // while a wildcard entry also lets B in, B's entry is not needed
      const w = await policy(ADMIN, { object_id: n.id, target_tenant: '*' });
      await ok('DELETE', `${RBAC}/${p.id}`, undefined, asMember(A));
      // now the wildcard is the one B depends on: removing it, or unsharing, is refused
      await fails(409, 'RbacPolicyInUse', 'DELETE', `${RBAC}/${w.id}`, undefined, ADMIN);
      await fails(409, 'InvalidSharedSetting', 'PUT', `/v2.0/networks/${n.id}`, { network: { shared: false } }, ADMIN);
      // a targeted entry for B covers B's port, so the wildcard can go
      const again = await policy(asMember(A), { object_id: n.id, target_tenant: B });
      await ok('DELETE', `${RBAC}/${w.id}`, undefined, ADMIN);
      await fails(409, 'RbacPolicyInUse', 'DELETE', `${RBAC}/${again.id}`, undefined, asMember(A));
      await ok('DELETE', `/v2.0/ports/${bp.id}`, undefined, asMember(B));
      await ok('DELETE', `${RBAC}/${again.id}`, undefined, asMember(A));
      await fails(404, 'NetworkNotFound', 'GET', `/v2.0/networks/${n.id}`, undefined, asMember(B));
      await fails(404, 'RbacPolicyNotFound', 'GET', `${RBAC}/${again.id}`, undefined, asMember(A));
    });

    it('updates only target_tenant: retargeting moves access to the new project', async () => {
      const A = project('a');
      const B = project('b');
      const C = project('c');
      const n = await network(A);
      const p = await policy(asMember(A), { object_id: n.id, target_tenant: B });
      const u = (await ok('PUT', `${RBAC}/${p.id}`, { rbac_policy: { target_tenant: C } }, asMember(A))).rbac_policy;
      assert.equal(u.target_tenant, C);
      await fails(404, 'NetworkNotFound', 'GET', `/v2.0/networks/${n.id}`, undefined, asMember(B));
      await ok('GET', `/v2.0/networks/${n.id}`, undefined, asMember(C));
      for (const attr of [{ action: 'access_as_external' }, { object_id: randomUUID() }, { object_type: 'network' }, { project_id: C }]) {
        await fails(400, 'HTTPBadRequest', 'PUT', `${RBAC}/${p.id}`, { rbac_policy: attr }, asMember(A));
      }
      // a non-admin may not widen it to everyone
      await fails(403, 'PolicyNotAuthorized', 'PUT', `${RBAC}/${p.id}`, { rbac_policy: { target_tenant: '*' } }, asMember(A));
      // nor retarget it onto an existing entry
      await policy(asMember(A), { object_id: n.id, target_tenant: B });
      await fails(409, 'DuplicateRbacPolicy', 'PUT', `${RBAC}/${p.id}`, { rbac_policy: { target_tenant: B } }, asMember(A));
    });

    it('access_as_external makes the network visible and external, but gives no right to ports; admins only', async () => {
      const A = project('a');
      const B = project('b');
      const C = project('c');
      const n = await network(A, {}, ADMIN);
      await fails(403, 'PolicyNotAuthorized', 'POST', RBAC, { rbac_policy: { object_type: 'network', action: 'access_as_external', object_id: n.id, target_tenant: B } }, asMember(A));
      const e = await policy(ADMIN, { object_id: n.id, action: 'access_as_external', target_tenant: B });
      const seen = (await ok('GET', `/v2.0/networks/${n.id}`, undefined, asMember(B))).network;
      assert.equal(seen['router:external'], true);
      assert.equal(seen.shared, false);
      assert.ok((await netIds(asMember(B), '?router:external=true')).includes(n.id));
      await fails(403, 'PolicyNotAuthorized', 'POST', '/v2.0/ports', { port: { network_id: n.id } }, asMember(B));
      // subnets of a network that is only external to a project stay hidden, as in Neutron
      assert.equal((await ok('GET', `/v2.0/subnets?network_id=${n.id}`, undefined, asMember(B))).subnets.length, 0);
      await fails(404, 'NetworkNotFound', 'GET', `/v2.0/networks/${n.id}`, undefined, asMember(C));
      // the last external entry going makes the network internal again
      await ok('DELETE', `${RBAC}/${e.id}`, undefined, ADMIN);
      assert.equal((await ok('GET', `/v2.0/networks/${n.id}`, undefined, ADMIN)).network['router:external'], false);
      await fails(404, 'NetworkNotFound', 'GET', `/v2.0/networks/${n.id}`, undefined, asMember(B));
      // router:external=true is the wildcard external entry
      await ok('PUT', `/v2.0/networks/${n.id}`, { network: { 'router:external': true } }, ADMIN);
      const entries = (await ok('GET', `${RBAC}?object_id=${n.id}&action=access_as_external`, undefined, ADMIN)).rbac_policies;
      assert.deepEqual(
        entries.map((x: Obj) => x.target_tenant),
        ['*'],
      );
      await ok('GET', `/v2.0/networks/${n.id}`, undefined, asMember(C));
      await ok('PUT', `/v2.0/networks/${n.id}`, { network: { 'router:external': false } }, ADMIN);
      assert.equal((await ok('GET', `${RBAC}?object_id=${n.id}`, undefined, ADMIN)).rbac_policies.length, 0);
    });

    it('refuses bad input with a 400 naming the attribute', async () => {
      const A = project('a');
      const n = await network(A);
      const base = { object_type: 'network', action: 'access_as_shared', object_id: n.id, target_tenant: project('b') };
      const cases: [Obj, string][] = [
        [{ object_type: 'qos_policy' }, 'object_type'],
        [{ object_type: 42 }, 'object_type'],
        [{ action: 'access_as_owner' }, 'action'],
        [{ object_id: 'not-a-uuid' }, 'object_id'],
        [{ target_tenant: '' }, 'target_tenant'],
        [{ target_tenant: 7 }, 'target_tenant'],
        [{ target_tenant: 'has space' }, 'target_tenant'],
      ];
      for (const [change, attr] of cases) {
        const msg = await fails(400, 'HTTPBadRequest', 'POST', RBAC, { rbac_policy: { ...base, ...change } }, asMember(A));
        assert.ok(msg.includes(attr), `${JSON.stringify(change)} → ${msg}`);
      }
      for (const missing of ['object_type', 'action', 'object_id', 'target_tenant']) {
        const body: Obj = { ...base };
        delete body[missing];
        const msg = await fails(400, 'HTTPBadRequest', 'POST', RBAC, { rbac_policy: body }, asMember(A));
        assert.ok(msg.includes(missing), `without ${missing} → ${msg}`);
      }
      const msg = await fails(400, 'HTTPBadRequest', 'POST', RBAC, { rbac_policy: { ...base, colour: 'red' } }, asMember(A));
      assert.ok(msg.includes('colour'));
      // a network that does not exist
      await fails(404, 'NetworkNotFound', 'POST', RBAC, { rbac_policy: { ...base, object_id: randomUUID() } }, asMember(A));
      // filters are checked too
      await fails(400, 'HTTPBadRequest', 'GET', `${RBAC}?colour=red`, undefined, asMember(A));
    });

    it('lets only the owner (or an admin) share a network: 404 when invisible, 400 when visible but not owned, 403 for a wildcard', async () => {
      const A = project('a');
      const B = project('b');
      const n = await network(A);
      await fails(404, 'NetworkNotFound', 'POST', RBAC, { rbac_policy: { object_type: 'network', action: 'access_as_shared', object_id: n.id, target_tenant: B } }, asMember(B));
      // once shared with B, B sees it but still may not share it further
      await policy(asMember(A), { object_id: n.id, target_tenant: B });
      await fails(400, 'InvalidInput', 'POST', RBAC, { rbac_policy: { object_type: 'network', action: 'access_as_shared', object_id: n.id, target_tenant: project('c') } }, asMember(B));
      // only admins share with everyone
      await fails(403, 'PolicyNotAuthorized', 'POST', RBAC, { rbac_policy: { object_type: 'network', action: 'access_as_shared', object_id: n.id, target_tenant: '*' } }, asMember(A));
      // a member may not create one in another project's name
      await fails(
        403,
        'PolicyNotAuthorized',
        'POST',
        RBAC,
        { rbac_policy: { object_type: 'network', action: 'access_as_shared', object_id: n.id, target_tenant: project('c'), project_id: B } },
        asMember(A),
      );
      // an admin may share anyone's network
      await policy(ADMIN, { object_id: n.id, target_tenant: project('d') });
    });

    it('refuses a duplicate entry with 409 DuplicateRbacPolicy, also within one bulk request', async () => {
      const A = project('a');
      const B = project('b');
      const n = await network(A);
      await policy(asMember(A), { object_id: n.id, target_tenant: B });
      await fails(409, 'DuplicateRbacPolicy', 'POST', RBAC, { rbac_policy: { object_type: 'network', action: 'access_as_shared', object_id: n.id, target_tenant: B } }, asMember(A));
      // the same target with the other action is a different entry
      await policy(ADMIN, { object_id: n.id, action: 'access_as_external', target_tenant: B });
      const C = project('c');
      const entry = { object_type: 'network', action: 'access_as_shared', object_id: n.id, target_tenant: C };
      await fails(409, 'DuplicateRbacPolicy', 'POST', RBAC, { rbac_policies: [entry, entry] }, asMember(A));
      assert.equal((await ok('GET', `${RBAC}?target_tenant=${C}`, undefined, ADMIN)).rbac_policies.length, 0, 'a failed bulk create leaves nothing behind');
    });

    it('lists and filters policies by object_id, action, target_tenant and object_type; members see their own only', async () => {
      const A = project('a');
      const B = project('b');
      const C = project('c');
      const n1 = await network(A);
      const n2 = await network(A);
      const p1 = await policy(asMember(A), { object_id: n1.id, target_tenant: B });
      const p2 = await policy(asMember(A), { object_id: n2.id, target_tenant: B });
      const p3 = await policy(asMember(A), { object_id: n2.id, target_tenant: C });
      const p4 = await policy(ADMIN, { object_id: n2.id, target_tenant: C, action: 'access_as_external' });
      const ids = async (q: string, h: Headers = asMember(A)) => (await ok('GET', `${RBAC}${q}`, undefined, h)).rbac_policies.map((p: Obj) => p.id).sort();
      const sorted = (xs: string[]) => [...xs].sort();
      assert.deepEqual(await ids(''), sorted([p1.id, p2.id, p3.id]), "the admin-made entry is not A's");
      assert.deepEqual(await ids(`?object_id=${n2.id}`), sorted([p2.id, p3.id]));
      assert.deepEqual(await ids(`?object_id=${n2.id}`, ADMIN), sorted([p2.id, p3.id, p4.id]));
      assert.deepEqual(await ids(`?target_tenant=${B}`), sorted([p1.id, p2.id]));
      assert.deepEqual(await ids(`?target_project=${C}`, ADMIN), sorted([p3.id, p4.id]));
      assert.deepEqual(await ids(`?object_id=${n2.id}&action=access_as_external`, ADMIN), [p4.id]);
      assert.deepEqual(await ids(`?object_id=${n2.id}&action=access_as_shared`, ADMIN), sorted([p2.id, p3.id]));
      assert.deepEqual(await ids(`?object_type=network&object_id=${n1.id}`), [p1.id]);
      assert.deepEqual(await ids(`?object_type=qos_policy`), []);
      assert.deepEqual(await ids(`?project_id=${A}&tenant_id=${A}`).catch(() => 'refused'), 'refused');
      // B, the target, does not see A's entries
      assert.deepEqual(await ids('', asMember(B)), []);
      // fields and sorting
      const f = (await ok('GET', `${RBAC}?object_id=${n2.id}&fields=target_tenant&sort_key=target_tenant&sort_dir=asc`, undefined, asMember(A))).rbac_policies;
      // in the order of the ids the server stores (Keystone's own ids when the suite runs with tokens)
      assert.deepEqual(
        f,
        [{ target_tenant: B }, { target_tenant: C }].sort((a, b) => storedProjectId(a.target_tenant).localeCompare(storedProjectId(b.target_tenant))),
      );
      assert.deepEqual((await ok('GET', `${RBAC}/${p1.id}`, undefined, asMember(A))).rbac_policy.id, p1.id);
    });

    it('counts policies against quota rbac_policy (wildcards made by shared=true included)', async () => {
      const A = project('a');
      const n = await network(A, { shared: true }, ADMIN);
      await ok('PUT', `/v2.0/quotas/${A}`, { quota: { rbac_policy: 2 } }, ADMIN);
      await policy(asMember(A), { object_id: n.id, target_tenant: project('b') });
      await fails(409, 'OverQuota', 'POST', RBAC, { rbac_policy: { object_type: 'network', action: 'access_as_shared', object_id: n.id, target_tenant: project('c') } }, asMember(A));
      const d = (await ok('GET', `/v2.0/quotas/${A}/details`, undefined, ADMIN)).quota;
      assert.equal(d.rbac_policy.used, 2);
      assert.equal(d.rbac_policy.limit, 2);
      await ok('PUT', `/v2.0/quotas/${A}`, { quota: { rbac_policy: 3 } }, ADMIN);
      await policy(asMember(A), { object_id: n.id, target_tenant: project('c') });
    });

    it("removes a network's policies with the network", async () => {
      const A = project('a');
      const n = await network(A);
      const p = await policy(asMember(A), { object_id: n.id, target_tenant: project('b') });
      await ok('DELETE', `/v2.0/networks/${n.id}`, undefined, asMember(A));
      await fails(404, 'RbacPolicyNotFound', 'GET', `${RBAC}/${p.id}`, undefined, ADMIN);
    });

    it('keeps a network list to a fixed number of queries however many are shared', async () => {
      const A = project('a');
      const B = project('b');
      const nets = [];
      for (let i = 0; i < 6; i++) nets.push((await ok('POST', '/v2.0/networks', { network: { name: 'many' } }, asMember(A))).network);
      for (const n of nets.slice(0, 3)) await policy(asMember(A), { object_id: n.id, target_tenant: B });
      const count = async (expected: number) => {
        let n = 0;
        const kysely = s.db.kysely as unknown as { getExecutor(): { executeQuery: (...a: unknown[]) => Promise<unknown> } };
        const executor = kysely.getExecutor();
        const original = executor.executeQuery.bind(executor);
        executor.executeQuery = (...a: unknown[]) => {
          n++;
          return original(...a);
        };
        try {
          const list = (await ok('GET', '/v2.0/networks?name=many', undefined, asMember(B))).networks;
          assert.equal(list.length, expected);
          assert.ok(list.every((x: Obj) => x.shared === true));
        } finally {
          executor.executeQuery = original;
        }
        return n;
      };
      const few = await count(3);
      for (const n of nets.slice(3)) await policy(asMember(A), { object_id: n.id, target_tenant: B });
      const more = await count(6);
      assert.ok(few > 0);
      assert.equal(more, few);
    });
  });
}
