// FWaaS v2 through the real `openstack firewall group …` CLI (python3-neutronclient's OSC
// plugin) against a Neutrino server with service_plugins = router,firewall_v2 in noauth mode:
// what the CLI prints is compared with what the API holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliServer } from '../helpers/cli-server.js';

describe('openstack CLI: firewall groups, policies and rules', () => {
  const pfx = `fw${process.pid}`;

  const h = cliServer('fw', { DEFAULT: { service_plugins: 'router,firewall_v2' } });

  const api = h.api;

  it('rule create / set / show / list, policy create with rules, add and remove rule, group on a router port, delete all', async () => {
    const ssh = await h.osc.json(['firewall', 'group', 'rule', 'create', '--name', `${pfx}-ssh`, '--protocol', 'tcp', '--destination-port', '22', '--action', 'allow']);
    assert.equal(ssh.name ?? ssh.Name, `${pfx}-ssh`);
    const sshId = ssh.id ?? ssh.ID;
    const stored = (await api('GET', `/v2.0/fwaas/firewall_rules/${sshId}`)).firewall_rule;
    assert.deepEqual([stored.protocol, stored.destination_port, stored.action, stored.enabled], ['tcp', '22', 'allow', true]);
    const web = await h.osc.json(['firewall', 'group', 'rule', 'create', '--name', `${pfx}-web`, '--protocol', 'any', '--action', 'deny']);
    const webId = web.id ?? web.ID;
    assert.equal((await api('GET', `/v2.0/fwaas/firewall_rules/${webId}`)).firewall_rule.protocol, null, '--protocol any is no protocol');
    await h.osc.ok(['firewall', 'group', 'rule', 'set', '--destination-port', '2222', sshId]);
    assert.equal((await api('GET', `/v2.0/fwaas/firewall_rules/${sshId}`)).firewall_rule.destination_port, '2222');
    const listed = await h.osc.json(['firewall', 'group', 'rule', 'list']);
    assert.ok(
      listed.some((r: { ID: string }) => r.ID === sshId),
      JSON.stringify(listed),
    );

    const pol = await h.osc.json(['firewall', 'group', 'policy', 'create', '--firewall-rule', sshId, `${pfx}-pol`]);
    const polId = pol.id ?? pol.ID;
    assert.deepEqual((await api('GET', `/v2.0/fwaas/firewall_policies/${polId}`)).firewall_policy.firewall_rules, [sshId]);
    await h.osc.ok(['firewall', 'group', 'policy', 'add', 'rule', '--insert-before', sshId, polId, webId]);
    assert.deepEqual((await api('GET', `/v2.0/fwaas/firewall_policies/${polId}`)).firewall_policy.firewall_rules, [webId, sshId]);
    await h.osc.ok(['firewall', 'group', 'policy', 'remove', 'rule', polId, webId]);
    assert.deepEqual((await api('GET', `/v2.0/fwaas/firewall_policies/${polId}`)).firewall_policy.firewall_rules, [sshId]);
    await h.osc.ok(['firewall', 'group', 'policy', 'set', '--audited', polId]);
    const shownPolicy = await h.osc.json(['firewall', 'group', 'policy', 'show', polId]);
    assert.equal(shownPolicy.audited ?? shownPolicy.Audited, true, JSON.stringify(shownPolicy));

    // a router interface port to bind
    const net = (await api('POST', '/v2.0/networks', { network: { name: `${pfx}-net` } })).network;
    const sub = (await api('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.77.0.0/24' } })).subnet;
    const router = (await api('POST', '/v2.0/routers', { router: { name: `${pfx}-r` } })).router;
    const portId = (await api('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub.id })).port_id;

    const group = await h.osc.json(['firewall', 'group', 'create', '--name', `${pfx}-g`, '--ingress-firewall-policy', polId, '--port', portId]);
    const groupId = group.id ?? group.ID;
    const g = (await api('GET', `/v2.0/fwaas/firewall_groups/${groupId}`)).firewall_group;
    assert.deepEqual(g.ports, [portId]);
    assert.equal(g.ingress_firewall_policy_id, polId);
    assert.equal(g.status, 'PENDING_CREATE');
    const groups = await h.osc.json(['firewall', 'group', 'list']);
    assert.ok(
      groups.some((x: { ID: string }) => x.ID === groupId),
      JSON.stringify(groups),
    );
    assert.ok(
      groups.some((x: { Name: string }) => x.Name === 'default'),
      'the default group is listed',
    );
    // in use: the CLI shows neutron-fwaas's error
    assert.match(await h.osc.fails(['firewall', 'group', 'policy', 'delete', polId]), /is being used/);
    await h.osc.ok(['firewall', 'group', 'set', '--no-port', '--disable', groupId]);
    const after = (await api('GET', `/v2.0/fwaas/firewall_groups/${groupId}`)).firewall_group;
    assert.deepEqual([after.ports, after.admin_state_up, after.status], [[], false, 'INACTIVE']);
    const shown = await h.osc.json(['firewall', 'group', 'show', groupId]);
    assert.equal(shown.status ?? shown.Status, 'INACTIVE', JSON.stringify(shown));
    await h.osc.ok(['firewall', 'group', 'delete', groupId]);
    await h.osc.ok(['firewall', 'group', 'policy', 'delete', polId]);
    await h.osc.ok(['firewall', 'group', 'rule', 'delete', sshId, webId]);
    assert.equal((await h.s.req('GET', `/v2.0/fwaas/firewall_rules/${sshId}`)).status, 404);
  });
});
