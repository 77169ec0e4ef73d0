// address-group, rbac-address-group and security-groups-remote-address-group on SQLite (api
// tier) and PostgreSQL (integration tier): prefixes normalised and deduplicated, add/remove
// with Neutron's errors, rules naming a group (alone), in-use deletes refused, sharing, and the
// agents' security_group_info carrying the group's prefixes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiAs } from '../helpers/api-as.js';
import { asAdmin, asMember, startTestServer, type DbKind, type TestServer } from '../helpers/server.js';

type Obj = Record<string, any>;
const ADMIN = asAdmin('ag-admin');
const A = asMember('ag-owner');
const B = asMember('ag-target');

export function addressGroupSuite(kind: DbKind): void {
  describe(`address groups (${kind})`, () => {
    let s: TestServer;
    let ag: Obj;
    let sg: Obj;
    const { ok, fails } = apiAs(() => s);

    before(async () => {
      s = await startTestServer(kind);
      sg = (await ok(A, 'POST', '/v2.0/security-groups', { security_group: { name: 'ag-sg' } })).security_group;
    });
    after(async () => {
      await s?.close();
    });

    it('lists the three extensions; a group keeps its prefixes as networks, once each', async () => {
      const aliases = (await ok(ADMIN, 'GET', '/v2.0/extensions')).extensions.map((e: Obj) => e.alias);
      for (const a of ['address-group', 'rbac-address-group', 'security-groups-remote-address-group']) assert.ok(aliases.includes(a), a);
      ag = (await ok(A, 'POST', '/v2.0/address-groups', { address_group: { name: 'ag-office', description: 'desk', addresses: ['10.1.2.3/24', '10.1.2.0/24', '2001:db8::1/64', '192.0.2.7/32'] } }))
        .address_group;
      assert.deepEqual(ag.addresses, ['10.1.2.0/24', '192.0.2.7/32', '2001:db8::/64']);
      assert.equal(ag.description, 'desk');
      assert.equal(ag.revision_number, 0);
      assert.deepEqual(
        (await ok(A, 'GET', `/v2.0/address-groups?name=ag-office`)).address_groups.map((g: Obj) => g.id),
        [ag.id],
      );
      assert.equal((await ok(A, 'PUT', `/v2.0/address-groups/${ag.id}`, { address_group: { name: 'ag-office2' } })).address_group.name, 'ag-office2');
      await fails(A, 400, null, 'POST', '/v2.0/address-groups', { address_group: { name: 'bad', addresses: ['10.0.0.1'] } });
      await fails(A, 400, null, 'PUT', `/v2.0/address-groups/${ag.id}`, { address_group: { addresses: [] } });
    });

    it('add_addresses and remove_addresses, with AddressesAlreadyExist and AddressesNotFound', async () => {
      const added = (await ok(A, 'PUT', `/v2.0/address-groups/${ag.id}/add_addresses`, { addresses: ['198.51.100.9/24'] })).address_group;
      assert.ok(added.addresses.includes('198.51.100.0/24'));
      const exists = await fails(A, 400, 'AddressesAlreadyExist', 'PUT', `/v2.0/address-groups/${ag.id}/add_addresses`, { addresses: ['10.1.2.0/24', '203.0.113.0/24'] });
      assert.match(exists.NeutronError.message, /10\.1\.2\.0\/24/);
      await fails(A, 404, 'AddressesNotFound', 'PUT', `/v2.0/address-groups/${ag.id}/remove_addresses`, { addresses: ['203.0.113.0/24'] });
      assert.ok(!(await ok(A, 'GET', `/v2.0/address-groups/${ag.id}`)).address_group.addresses.includes('203.0.113.0/24'), 'nothing half-written');
      const removed = (await ok(A, 'PUT', `/v2.0/address-groups/${ag.id}/remove_addresses`, { addresses: ['198.51.100.0/24'] })).address_group;
      assert.deepEqual(removed.addresses, ['10.1.2.0/24', '192.0.2.7/32', '2001:db8::/64']);
      await fails(A, 400, null, 'PUT', `/v2.0/address-groups/${ag.id}/add_addresses`, { prefixes: [] });
    });

    it('a rule names an address group as its only remote side; the agents get its prefixes', async () => {
      const r = (
        await ok(A, 'POST', '/v2.0/security-group-rules', {
          security_group_rule: { security_group_id: sg.id, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_address_group_id: ag.id },
        })
      ).security_group_rule;
      assert.equal(r.remote_address_group_id, ag.id);
      assert.equal(r.remote_ip_prefix, null);
      assert.deepEqual(
        (await ok(A, 'GET', `/v2.0/security-group-rules?remote_address_group_id=${ag.id}`)).security_group_rules.map((x: Obj) => x.id),
        [r.id],
      );
      await fails(A, 400, 'SecurityGroupMultipleRemoteEntites', 'POST', '/v2.0/security-group-rules', {
        security_group_rule: { security_group_id: sg.id, direction: 'ingress', remote_ip_prefix: '10.0.0.0/8', remote_address_group_id: ag.id },
      });
      await fails(A, 404, 'AddressGroupNotFound', 'POST', '/v2.0/security-group-rules', {
        security_group_rule: { security_group_id: sg.id, direction: 'ingress', remote_address_group_id: '00000000-0000-0000-0000-000000000000' },
      });
      await fails(A, 409, 'SecurityGroupRuleExists', 'POST', '/v2.0/security-group-rules', {
        security_group_rule: { security_group_id: sg.id, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_address_group_id: ag.id },
      });
      // what an L2 agent is told about a port in the group
      const net = (await ok(A, 'POST', '/v2.0/networks', { network: { name: 'ag-net' } })).network;
      await ok(A, 'POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.77.0.0/24', ip_version: 4 } });
      const port = (await ok(A, 'POST', '/v2.0/ports', { port: { network_id: net.id, security_groups: [sg.id] } })).port;
      const info = (await s.api.rpc.securityGroupInfo([port.id])) as Obj;
      assert.deepEqual(info.address_groups[ag.id], { IPv4: ['10.1.2.0/24', '192.0.2.7/32'], IPv6: ['2001:db8::/64'] });
      assert.equal(info.security_groups[sg.id].find((x: Obj) => x.id === r.id).remote_address_group_id, ag.id);
      await fails(A, 409, 'AddressGroupInUse', 'DELETE', `/v2.0/address-groups/${ag.id}`);
    });

    it('shared with another project: seen and usable in its rules, not changed by it', async () => {
      await fails(B, 404, 'AddressGroupNotFound', 'GET', `/v2.0/address-groups/${ag.id}`);
      const sgB = (await ok(B, 'POST', '/v2.0/security-groups', { security_group: { name: 'ag-sg-b' } })).security_group;
      await fails(B, 404, 'AddressGroupNotFound', 'POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: sgB.id, direction: 'ingress', remote_address_group_id: ag.id } });
      const p = (await ok(A, 'POST', '/v2.0/rbac-policies', { rbac_policy: { object_type: 'address_group', object_id: ag.id, action: 'access_as_shared', target_tenant: 'ag-target' } })).rbac_policy;
      assert.equal((await ok(B, 'GET', `/v2.0/address-groups/${ag.id}`)).address_group.id, ag.id);
      await ok(B, 'POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: sgB.id, direction: 'ingress', remote_address_group_id: ag.id } });
      await fails(B, 403, null, 'PUT', `/v2.0/address-groups/${ag.id}/add_addresses`, { addresses: ['203.0.113.0/24'] });
      await fails(B, 403, null, 'PUT', `/v2.0/address-groups/${ag.id}`, { address_group: { name: 'mine' } });
      await fails(A, 409, 'RbacPolicyInUse', 'DELETE', `/v2.0/rbac-policies/${p.id}`);
    });
  });
}
