// The Open vSwitch firewall's flows (pure): port ranges as masked matches, remote groups
// expanded, stateless ports without ct(), unfiltered ports straight to the switching stage.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FirewallState } from '../../src/agents/firewall/model.js';
import { planFirewallFlows } from '../../src/agents/firewall/ovs/flows.js';
import { portRangeMatches } from '../../src/agents/firewall/ovs/port-ranges.js';
import { FW_EGRESS_CT, FW_EGRESS_OUT, FW_INGRESS_RULES } from '../../src/agents/firewall/ovs/tables.js';
import { sgRule } from '../helpers/sg-rule.js';

describe('OVS firewall flows', () => {
  it('cuts port ranges into aligned blocks', () => {
    assert.deepEqual(portRangeMatches(22, 22), ['tp_dst=22']);
    assert.deepEqual(portRangeMatches(1024, 2047), ['tp_dst=0x400/0xfc00']);
    assert.deepEqual(portRangeMatches(5000, 5001), ['tp_dst=0x1388/0xfffe']);
    assert.deepEqual(portRangeMatches(5, 8), ['tp_dst=5', 'tp_dst=0x6/0xfffe', 'tp_dst=8']);
  });

  it('renders rules per port, remote groups per member, and no ct() for stateless ports', () => {
    const st = new FirewallState();
    const dev = (id: string, groups: string[], ps = true) => ({
      device: `tap${id}`,
      port_id: id,
      mac_address: `fa:16:3e:00:00:0${id}`,
      fixed_ips: [`10.0.0.${id}`],
      allowed_address_pairs: [],
      security_groups: groups,
      port_security_enabled: ps,
      network_id: 'n',
    });
    st.replace({
      devices: { 1: dev('1', ['g']), 2: dev('2', ['s']), 3: dev('3', [], false) },
      security_groups: { g: [sgRule('r1', { protocol: 'tcp', port_range_min: 5000, port_range_max: 5001, remote_group_id: 'g' })], s: [sgRule('r2', { direction: 'egress' })] },
      sg_member_ips: { g: { IPv4: ['10.0.0.1', '10.0.0.9'], IPv6: [] } },
      sg_stateful: { s: false },
    });
    const { model } = st.build();
    const { flows } = planFirewallFlows(model, [
      { portId: '1', ofport: 1, lvid: 5 },
      { portId: '2', ofport: 2, lvid: 5 },
      { portId: '3', ofport: 3, lvid: 5 },
    ]);
    const rules = flows.filter((f) => f.table === FW_INGRESS_RULES && f.priority === 50).map((f) => f.match);
    assert.deepEqual(rules.sort(), ['tcp,nw_src=10.0.0.1,tp_dst=0x1388/0xfffe,reg5=0x1', 'tcp,nw_src=10.0.0.9,tp_dst=0x1388/0xfffe,reg5=0x1']);
    const ct = flows.filter((f) => f.table === FW_EGRESS_CT && f.priority === 50);
    assert.ok(ct.some((f) => f.match === 'ip,reg5=0x1' && f.actions.startsWith('ct(')));
    assert.ok(
      ct.some((f) => f.match === 'ip,reg5=0x2' && f.actions === 'goto_table:73'),
      'stateless: no conntrack',
    );
    assert.ok(
      flows.some((f) => f.table === 0 && f.match === 'in_port=3' && f.actions.endsWith(`goto_table:${FW_EGRESS_OUT}`)),
      'port security off: unfiltered',
    );
  });
});
