// Subnet pools, address scopes and their RBAC through the real `openstack` CLI (Debian's
// python3-openstackclient) against a Neutrino server in noauth mode: what the CLI prints is
// compared with what the API holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliServer } from '../helpers/cli-server.js';

describe('openstack CLI: subnet pools, address scopes, their RBAC', () => {
  const pfx = `sp${process.pid}`;

  const h = cliServer('sp');

  const api = h.api;

  it('address scope create, list, show, set, delete', async () => {
    const sc = await h.osc.json(['address', 'scope', 'create', '--ip-version', '4', `${pfx}-scope`]);
    assert.equal(sc.ip_version, 4);
    assert.equal(sc.name, `${pfx}-scope`);
    assert.equal((await api('GET', `/v2.0/address-scopes/${sc.id}`)).address_scope.name, `${pfx}-scope`);
    const listed = await h.osc.json(['address', 'scope', 'list']);
    assert.ok(
      listed.some((x: { ID: string }) => x.ID === sc.id),
      JSON.stringify(listed),
    );
    await h.osc.ok(['address', 'scope', 'set', '--name', `${pfx}-scope2`, '--share', sc.id]);
    const shown = await h.osc.json(['address', 'scope', 'show', sc.id]);
    assert.equal(shown.name, `${pfx}-scope2`);
    assert.equal(shown.shared, true);
    await h.osc.ok(['address', 'scope', 'delete', sc.id]);
    assert.equal((await h.s.req('GET', `/v2.0/address-scopes/${sc.id}`)).status, 404);
  });

  it('subnet pool create with prefixes and default prefix length, subnet create from it, pool set --pool-prefix adds', async () => {
    const sc = await h.osc.json(['address', 'scope', 'create', '--ip-version', '4', `${pfx}-s`]);
    const pool = await h.osc.json([
      'subnet',
      'pool',
      'create',
      '--pool-prefix',
      '10.160.0.0/24',
      '--pool-prefix',
      '10.160.1.0/24',
      '--default-prefix-length',
      '26',
      '--address-scope',
      sc.id,
      `${pfx}-pool`,
    ]);
    assert.deepEqual(pool.prefixes, ['10.160.0.0/23']);
    assert.equal(pool.default_prefixlen, 26);
    assert.equal(pool.address_scope_id, sc.id);
    const net = await h.osc.json(['network', 'create', `${pfx}-net`]);
    const sub = await h.osc.json(['subnet', 'create', '--network', net.id, '--subnet-pool', pool.id, '--prefix-length', '25', `${pfx}-sub`]);
    assert.equal(sub.cidr, '10.160.0.0/25');
    assert.equal(sub.subnetpool_id, pool.id);
    const dflt = await h.osc.json(['subnet', 'create', '--network', net.id, '--subnet-pool', pool.id, `${pfx}-sub2`]);
    assert.equal(dflt.cidr, '10.160.0.128/26');
    assert.equal((await api('GET', `/v2.0/networks/${net.id}`)).network.ipv4_address_scope, sc.id);
    // a cidr outside the pool: the CLI shows Neutron's error
    const err = await h.osc.fails(['subnet', 'create', '--network', net.id, '--subnet-pool', pool.id, '--subnet-range', '10.170.0.0/24', `${pfx}-bad`]);
    assert.match(err, /Cannot allocate requested subnet from the available set of prefixes/);
    await h.osc.ok(['subnet', 'pool', 'set', '--pool-prefix', '10.161.0.0/24', pool.id]);
    const grown = await h.osc.json(['subnet', 'pool', 'show', pool.id]);
    assert.deepEqual(grown.prefixes, ['10.160.0.0/23', '10.161.0.0/24']);
    const listed = await h.osc.json(['subnet', 'pool', 'list', '--long']);
    assert.ok(
      listed.some((x: { ID: string }) => x.ID === pool.id),
      JSON.stringify(listed),
    );
    // in use: the CLI reports the refusal
    assert.match(await h.osc.fails(['subnet', 'pool', 'delete', pool.id]), /Subnet pool has existing allocations|failed to delete/i);
    await h.osc.ok(['subnet', 'delete', sub.id, dflt.id]);
    await h.osc.ok(['subnet', 'pool', 'delete', pool.id]);
    await h.osc.ok(['address', 'scope', 'delete', sc.id]);
  });

  it('network rbac create --type subnetpool and --type address_scope', async () => {
    // --target-project would look the project up in Keystone, which noauth has not: everyone ('*')
    const other = 'b1c2d3e4f5a6478990aabbccddeeff00';
    const pool = await h.osc.json(['subnet', 'pool', 'create', '--pool-prefix', '10.180.0.0/16', `${pfx}-rbacpool`]);
    const sc = await h.osc.json(['address', 'scope', 'create', '--ip-version', '6', `${pfx}-rbacscope`]);
    const r1 = await h.osc.json(['network', 'rbac', 'create', '--type', 'subnetpool', '--action', 'access_as_shared', '--target-all-projects', pool.id]);
    assert.equal(r1.object_type, 'subnetpool');
    assert.equal(r1.object_id, pool.id);
    assert.equal(r1.target_project_id, '*');
    const r2 = await h.osc.json(['network', 'rbac', 'create', '--type', 'address_scope', '--action', 'access_as_shared', '--target-all-projects', sc.id]);
    assert.equal(r2.object_type, 'address_scope');
    // any other project sees both, as shared
    const asOther = { 'x-project-id': other, 'x-roles': 'member,reader' };
    assert.equal((await h.s.req('GET', `/v2.0/subnetpools/${pool.id}`, undefined, asOther)).body.subnetpool.shared, true);
    assert.equal((await h.s.req('GET', `/v2.0/address-scopes/${sc.id}`, undefined, asOther)).body.address_scope.shared, true);
    const listed = await h.osc.json(['network', 'rbac', 'list', '--type', 'subnetpool']);
    assert.deepEqual(
      listed.map((x: { ID: string }) => x.ID),
      [r1.id],
    );
    await h.osc.ok(['network', 'rbac', 'delete', r1.id, r2.id]);
    assert.equal((await h.s.req('GET', `/v2.0/subnetpools/${pool.id}`, undefined, asOther)).status, 404);
  });
});
