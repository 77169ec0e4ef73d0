// rbac-security-groups and security-groups-shared-filtering on SQLite (api tier) and
// PostgreSQL (integration tier): a group shared with a project is seen (shared: true, with its
// rules) and used by its ports, never changed by it; the entry cannot go while that project's
// ports use the group; other projects see nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiAs } from '../helpers/api-as.js';
import { asAdmin, asMember, startTestServer, type DbKind, type TestServer } from '../helpers/server.js';

type Obj = Record<string, any>;
const ADMIN = asAdmin('sgr-admin');
const A = asMember('sgr-owner');
const B = asMember('sgr-target');
const C = asMember('sgr-other');

export function sgRbacSuite(kind: DbKind): void {
  describe(`security group RBAC (${kind})`, () => {
    let s: TestServer;
    let group: Obj;
    let policyId: string;
    let portOfB: string;
    const { ok } = apiAs(() => s);
    const status = async (headers: Record<string, string>, method: string, path: string, body?: unknown) => (await s.req(method, path, body, headers)).status;

    before(async () => {
      s = await startTestServer(kind);
      group = (await ok(A, 'POST', '/v2.0/security-groups', { security_group: { name: 'sgr-web' } })).security_group;
      await ok(A, 'POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: group.id, direction: 'ingress', protocol: 'tcp', port_range_min: 80, port_range_max: 80 } });
    });
    after(async () => {
      await s?.close();
    });

    it('lists both extensions and accepts security_group as an RBAC object type', async () => {
      const aliases = (await ok(ADMIN, 'GET', '/v2.0/extensions')).extensions.map((e: Obj) => e.alias);
      for (const a of ['rbac-security-groups', 'security-groups-shared-filtering']) assert.ok(aliases.includes(a), a);
      assert.equal(group.shared, false);
      assert.equal(await status(B, 'GET', `/v2.0/security-groups/${group.id}`), 404);
      const notOwner = await s.req('POST', '/v2.0/rbac-policies', { rbac_policy: { object_type: 'security_group', object_id: group.id, action: 'access_as_shared', target_tenant: 'sgr-target' } }, C);
      assert.equal(notOwner.status, 404, JSON.stringify(notOwner.body));
      policyId = (await ok(A, 'POST', '/v2.0/rbac-policies', { rbac_policy: { object_type: 'security_group', object_id: group.id, action: 'access_as_shared', target_tenant: 'sgr-target' } }))
        .rbac_policy.id;
    });

    it('the target sees the group, shared, with its rules; shared= filters', async () => {
      const seen = (await ok(B, 'GET', `/v2.0/security-groups/${group.id}`)).security_group;
      assert.equal(seen.shared, true);
      assert.equal(seen.security_group_rules.filter((r: Obj) => r.port_range_min === 80).length, 1);
      const sharedOnly = (await ok(B, 'GET', '/v2.0/security-groups?shared=true')).security_groups.map((g: Obj) => g.id);
      assert.deepEqual(sharedOnly, [group.id]);
      const notShared = (await ok(B, 'GET', '/v2.0/security-groups?shared=false')).security_groups.map((g: Obj) => g.id);
      assert.ok(!notShared.includes(group.id));
      assert.ok(notShared.length >= 1, 'its own default group');
      const rules = (await ok(B, 'GET', `/v2.0/security-group-rules?security_group_id=${group.id}`)).security_group_rules;
      assert.ok(rules.length >= 3, JSON.stringify(rules));
      // the owner sees it as not shared with itself
      assert.equal((await ok(A, 'GET', `/v2.0/security-groups/${group.id}`)).security_group.shared, false);
      assert.equal(await status(C, 'GET', `/v2.0/security-groups/${group.id}`), 404);
    });

    it("the target's ports may use it; a third project's may not", async () => {
      const netB = (await ok(B, 'POST', '/v2.0/networks', { network: { name: 'sgr-b' } })).network;
      portOfB = (await ok(B, 'POST', '/v2.0/ports', { port: { network_id: netB.id, security_groups: [group.id] } })).port.id;
      const netC = (await ok(C, 'POST', '/v2.0/networks', { network: { name: 'sgr-c' } })).network;
      const r = await s.req('POST', '/v2.0/ports', { port: { network_id: netC.id, security_groups: [group.id] } }, C);
      assert.equal(r.status, 404);
      assert.equal(r.body.NeutronError.type, 'SecurityGroupNotFound');
    });

    it('the target may not change, extend or delete it', async () => {
      assert.equal(await status(B, 'PUT', `/v2.0/security-groups/${group.id}`, { security_group: { name: 'mine' } }), 403);
      assert.equal(await status(B, 'DELETE', `/v2.0/security-groups/${group.id}`), 403);
      const rule = await s.req(
        'POST',
        '/v2.0/security-group-rules',
        { security_group_rule: { security_group_id: group.id, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22 } },
        B,
      );
      assert.equal(rule.status, 403);
      assert.equal((await ok(A, 'GET', `/v2.0/security-groups/${group.id}`)).security_group.name, 'sgr-web');
    });

    it('the entry cannot go while the target uses the group, then can', async () => {
      const refused = await s.req('DELETE', `/v2.0/rbac-policies/${policyId}`, undefined, A);
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.NeutronError.type, 'RbacPolicyInUse');
      await ok(B, 'DELETE', `/v2.0/ports/${portOfB}`);
      assert.equal(await status(A, 'DELETE', `/v2.0/rbac-policies/${policyId}`), 204);
      assert.equal(await status(B, 'GET', `/v2.0/security-groups/${group.id}`), 404);
    });

    it("an admin's wildcard entry opens it to every project", async () => {
      await ok(ADMIN, 'POST', '/v2.0/rbac-policies', { rbac_policy: { object_type: 'security_group', object_id: group.id, action: 'access_as_shared', target_tenant: '*' } });
      assert.equal((await ok(C, 'GET', `/v2.0/security-groups/${group.id}`)).security_group.shared, true);
      assert.equal((await ok(A, 'GET', `/v2.0/security-groups/${group.id}`)).security_group.shared, true);
    });
  });
}
