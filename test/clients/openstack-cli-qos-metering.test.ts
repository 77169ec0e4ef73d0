// QoS and metering through the real `openstack network qos …` and `openstack network meter …`
// commands against a Neutrino server with service_plugins = router,qos,metering in noauth
// mode: what the CLI prints is compared with what the API holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliServer } from '../helpers/cli-server.js';

describe('openstack CLI: QoS policies and rules, metering labels and rules', () => {
  const pfx = `qm${process.pid}`;
  const h = cliServer('qm', { DEFAULT: { service_plugins: 'router,qos,metering' }, ml2: { extension_drivers: 'port_security,qos' } });
  const api = h.api;
  const idOf = (o: Record<string, string>) => o.id ?? o.ID;

  it('qos policy create / rule create / set / list / show, rule types, a port and a network take the policy, delete', async () => {
    const pol = await h.osc.json(['network', 'qos', 'policy', 'create', '--share', `${pfx}-gold`]);
    const polId = idOf(pol);
    assert.equal((await api('GET', `/v2.0/qos/policies/${polId}`)).policy.shared, true);
    const bw = await h.osc.json(['network', 'qos', 'rule', 'create', '--type', 'bandwidth-limit', '--max-kbps', '10000', '--max-burst-kbits', '1000', '--egress', polId]);
    const bwId = idOf(bw);
    const stored = (await api('GET', `/v2.0/qos/policies/${polId}/bandwidth_limit_rules/${bwId}`)).bandwidth_limit_rule;
    assert.deepEqual([stored.max_kbps, stored.max_burst_kbps, stored.direction], [10000, 1000, 'egress']);
    await h.osc.ok(['network', 'qos', 'rule', 'create', '--type', 'dscp-marking', '--dscp-mark', '26', polId]);
    await h.osc.ok(['network', 'qos', 'rule', 'set', '--max-kbps', '20000', polId, bwId]);
    assert.equal((await api('GET', `/v2.0/qos/policies/${polId}/bandwidth_limit_rules/${bwId}`)).bandwidth_limit_rule.max_kbps, 20000);
    const rules = await h.osc.json(['network', 'qos', 'rule', 'list', polId]);
    assert.equal(rules.length, 2, JSON.stringify(rules));
    const types = await h.osc.json(['network', 'qos', 'rule', 'type', 'list']);
    assert.deepEqual(types.map((t: Record<string, string>) => t.Type ?? t.type).sort(), ['bandwidth_limit', 'dscp_marking']);
    const shown = await h.osc.json(['network', 'qos', 'policy', 'show', polId]);
    assert.equal(shown.name ?? shown.Name, `${pfx}-gold`);
    const net = await h.osc.json(['network', 'create', '--qos-policy', polId, `${pfx}-net`]);
    assert.equal((await api('GET', `/v2.0/networks/${idOf(net)}`)).network.qos_policy_id, polId);
    const port = await h.osc.json(['port', 'create', '--network', idOf(net), '--qos-policy', polId, `${pfx}-port`]);
    assert.equal((await api('GET', `/v2.0/ports/${idOf(port)}`)).port.qos_policy_id, polId);
    await h.osc.ok(['port', 'unset', '--qos-policy', idOf(port)]);
    assert.equal((await api('GET', `/v2.0/ports/${idOf(port)}`)).port.qos_policy_id, null);
    await h.osc.ok(['port', 'delete', idOf(port)]);
    await h.osc.ok(['network', 'delete', idOf(net)]);
    await h.osc.ok(['network', 'qos', 'rule', 'delete', polId, bwId]);
    await h.osc.ok(['network', 'qos', 'policy', 'delete', polId]);
    assert.equal((await api('GET', '/v2.0/qos/policies')).policies.filter((p: { id: string }) => p.id === polId).length, 0);
  });

  it('meter create / rule create / list / show / delete', async () => {
    const label = await h.osc.json(['network', 'meter', 'create', '--share', `${pfx}-web`]);
    const labelId = idOf(label);
    assert.equal((await api('GET', `/v2.0/metering/metering-labels/${labelId}`)).metering_label.shared, true);
    const rule = await h.osc.json(['network', 'meter', 'rule', 'create', '--egress', '--remote-ip-prefix', '0.0.0.0/0', labelId]);
    const stored = (await api('GET', `/v2.0/metering/metering-label-rules/${idOf(rule)}`)).metering_label_rule;
    assert.deepEqual([stored.direction, stored.remote_ip_prefix, stored.excluded], ['egress', '0.0.0.0/0', false]);
    await h.osc.ok(['network', 'meter', 'rule', 'create', '--ingress', '--exclude', '--remote-ip-prefix', '10.0.0.0/8', labelId]);
    const listed = await h.osc.json(['network', 'meter', 'rule', 'list']);
    assert.ok(listed.length >= 2, JSON.stringify(listed));
    const shown = await h.osc.json(['network', 'meter', 'show', labelId]);
    assert.equal(shown.name ?? shown.Name, `${pfx}-web`);
    await h.osc.ok(['network', 'meter', 'rule', 'delete', idOf(rule)]);
    await h.osc.ok(['network', 'meter', 'delete', labelId]);
    assert.equal((await api('GET', '/v2.0/metering/metering-labels')).metering_labels.filter((l: { id: string }) => l.id === labelId).length, 0);
  });
});
