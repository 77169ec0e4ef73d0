// Availability zones, service providers, subnet service types, shared security groups and
// address groups through the real `openstack` CLI against a Neutrino server in noauth
// mode: `availability zone list --network` shows the agents' zones, and network and router
// create take --availability-zone-hint.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as topics from '../../src/contract/topics.js';
import { cliServer } from '../helpers/cli-server.js';

describe('openstack CLI: availability zones, service providers, subnet service types, security group RBAC, address groups', () => {
  const pfx = `az${process.pid}`;

  const register = (host: string, agentType: string, topic: string, zone: string) =>
    h.s.api.rpc
      .reportEndpoints()
      .report_state({ agent_state: { agent_state: { agent_type: agentType, binary: 'x', host, topic, availability_zone: zone, configurations: {} } } }, { topic: '', method: '', kind: 'call' });

  const h = cliServer('az');
  before(async () => {
    await register(`${pfx}-dhcp`, 'DHCP agent', topics.DHCP_AGENT, `${pfx}-zone1`);
    await register(`${pfx}-l3`, 'L3 agent', topics.L3_AGENT, `${pfx}-zone2`);
  });

  it('availability zone list --network --long shows the network and router zones', async () => {
    const listed = await h.osc.json(['availability', 'zone', 'list', '--network', '--long']);
    const rows = listed.map((z: Record<string, string>) => `${z['Zone Name']}/${z['Zone Resource']}/${z['Zone Status']}`).sort();
    assert.deepEqual(rows, [`${pfx}-zone1/network/available`, `${pfx}-zone2/router/available`]);
  });

  it('network service provider list shows the router driver', async () => {
    const listed = await h.osc.json(['network', 'service', 'provider', 'list']);
    assert.deepEqual(listed, [{ 'Service Type': 'L3_ROUTER_NAT', Name: 'single_node', Default: false }]);
  });

  it('network create and router create take --availability-zone-hint', async () => {
    const net = await h.osc.json(['network', 'create', '--availability-zone-hint', `${pfx}-zone1`, `${pfx}-net`]);
    assert.deepEqual(net.availability_zone_hints, [`${pfx}-zone1`]);
    const router = await h.osc.json(['router', 'create', '--availability-zone-hint', `${pfx}-zone2`, `${pfx}-router`]);
    assert.deepEqual(router.availability_zone_hints, [`${pfx}-zone2`]);
    assert.deepEqual(router.availability_zones, [`${pfx}-zone2`]);
    const wrong = await h.osc.run(['network', 'create', '--availability-zone-hint', `${pfx}-zone2`, `${pfx}-wrong`]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, new RegExp(`AvailabilityZone ${pfx}-zone2 could not be found`));
  });

  it('subnet create and set take --service-type, and ports follow it', async () => {
    const net = await h.osc.json(['network', 'create', `${pfx}-sst`]);
    const sub = await h.osc.json(['subnet', 'create', '--network', net.id, '--subnet-range', '10.95.0.0/24', '--service-type', 'compute:nova', `${pfx}-sst-a`]);
    assert.deepEqual(sub.service_types, ['compute:nova']);
    await h.osc.ok(['subnet', 'set', '--service-type', 'network:dhcp', sub.id]);
    assert.deepEqual((await h.osc.json(['subnet', 'show', sub.id])).service_types.sort(), ['compute:nova', 'network:dhcp']);
    const p = await h.osc.json(['port', 'create', '--network', net.id, '--device-owner', 'compute:nova', `${pfx}-sst-p`]);
    assert.equal(p.fixed_ips[0].subnet_id, sub.id);
    const refused = await h.osc.run(['port', 'create', '--network', net.id, '--device-owner', 'network:router_gateway', `${pfx}-sst-q`]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /No valid service subnet/);
  });

  it('network rbac create --type security_group shares a group: another project sees it and may use it', async () => {
    const sg = await h.osc.json(['security', 'group', 'create', `${pfx}-shared-sg`]);
    // --target-project would look the project up in Keystone, which noauth has not: everyone ('*')
    const rbac = await h.osc.json(['network', 'rbac', 'create', '--type', 'security_group', '--action', 'access_as_shared', '--target-all-projects', sg.id]);
    assert.equal(rbac.object_type, 'security_group');
    const listed = await h.osc.json(['network', 'rbac', 'list', '--type', 'security_group']);
    assert.ok(
      listed.some((r: { ID: string }) => r.ID === rbac.id),
      JSON.stringify(listed),
    );
    const other = { 'x-project-id': `${pfx}-other`, 'x-roles': 'member,reader' };
    const seen = await h.s.req('GET', `/v2.0/security-groups/${sg.id}`, undefined, other);
    assert.equal(seen.status, 200);
    assert.equal(seen.body.security_group.shared, true);
    const net = (await h.s.req('POST', '/v2.0/networks', { network: { name: `${pfx}-other-net` } }, other)).body.network;
    assert.equal((await h.s.req('POST', '/v2.0/ports', { port: { network_id: net.id, security_groups: [sg.id] } }, other)).status, 201);
    // the other project's port uses the group: the entry stays
    const del = await h.osc.run(['network', 'rbac', 'delete', rbac.id]);
    assert.notEqual(del.code, 0);
    assert.match(del.stderr, /RBAC policy on object .* cannot be removed|in use|still/i);
  });

  it('address group create, set --address, unset --address, and a rule with --remote-address-group', async () => {
    const ag = await h.osc.json(['address', 'group', 'create', '--address', '10.1.0.0/16', '--address', '192.0.2.1', `${pfx}-ag`]);
    assert.deepEqual(ag.addresses, ['10.1.0.0/16', '192.0.2.1/32']);
    await h.osc.ok(['address', 'group', 'set', '--address', '198.51.100.0/24', ag.id]);
    await h.osc.ok(['address', 'group', 'unset', '--address', '192.0.2.1', ag.id]);
    assert.deepEqual((await h.osc.json(['address', 'group', 'show', ag.id])).addresses, ['10.1.0.0/16', '198.51.100.0/24']);
    const sg = await h.osc.json(['security', 'group', 'create', `${pfx}-ag-sg`]);
    const rule = await h.osc.json(['security', 'group', 'rule', 'create', '--ingress', '--protocol', 'tcp', '--dst-port', '22', '--remote-address-group', ag.id, sg.id]);
    assert.equal(rule.remote_address_group_id, ag.id);
    const inUse = await h.osc.run(['address', 'group', 'delete', ag.id]);
    assert.notEqual(inUse.code, 0);
    assert.equal((await h.s.req('GET', `/v2.0/address-groups/${ag.id}`)).status, 200);
  });
});
