// Port forwardings, pure parts: the ports a request asks for (Neutron's single ports and
// ranges, and their checks) and the nft table the L3 agent's extension renders from them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffTable } from '../../src/agents/firewall/nft-table.js';
import { changedPorts, forwardedPorts, renderPortForwardings } from '../../src/agents/l3/extensions/port-forwarding/pf-table.js';
import { portRange } from '../../src/api/resources/port-forwarding.js';
import type { AgentPortForwarding } from '../../src/contract/port-forwarding.js';
import { overlaps, portsOf, shownPorts } from '../../src/plugins/port_forwarding/port-ranges.js';

const pf = (over: Partial<AgentPortForwarding>): AgentPortForwarding => ({
  id: 'x',
  floatingip_id: 'f',
  floating_ip_address: '172.24.4.10',
  protocol: 'tcp',
  internal_ip_address: '10.0.0.5',
  internal_port_start: 22,
  internal_port_end: 22,
  external_port_start: 2222,
  external_port_end: 2222,
  ...over,
});

describe('port forwarding ports', () => {
  it('port_range accepts N and N:M within 1..65535, first ≤ last', () => {
    assert.equal(portRange('80'), '80');
    assert.equal(portRange('2000:2010'), '2000:2010');
    assert.equal(portRange('7:7'), '7');
    assert.equal(portRange(null), null);
    for (const bad of ['0:10', '10:5', '1:65536', 'a:b', '1-5', '']) assert.throws(() => portRange(bad), bad);
  });

  it('single ports, ranges of one size, and N:1; refuses the rest naming the attribute', () => {
    assert.deepEqual(portsOf({ external_port: 2222, internal_port: 22 }), { external_port_start: 2222, external_port_end: 2222, internal_port_start: 22, internal_port_end: 22 });
    assert.deepEqual(portsOf({ external_port_range: '2000:2010', internal_port_range: '3000:3010' }), {
      external_port_start: 2000,
      external_port_end: 2010,
      internal_port_start: 3000,
      internal_port_end: 3010,
    });
    assert.deepEqual(portsOf({ external_port_range: '2000:2010', internal_port: 80 }).internal_port_end, 80);
    assert.throws(() => portsOf({ external_port_range: '2000:2010', internal_port_range: '3000:3005' }), /same number of ports/);
    assert.throws(() => portsOf({ external_port: 1, external_port_range: '1:2', internal_port: 1 }), /external_port and external_port_range/);
    assert.throws(() => portsOf({ internal_port: 1 }), /external_port or external_port_range/);
    // an internal range onto one external port is not a mapping
    assert.throws(() => portsOf({ external_port: 80, internal_port_range: '80:81' }), /same number of ports/);
  });

  it('shows single ports and ranges as Neutron does', () => {
    assert.deepEqual(shownPorts({ external_port_start: 2222, external_port_end: 2222, internal_port_start: 22, internal_port_end: 22 }), {
      external_port: 2222,
      internal_port: 22,
      external_port_range: '2222:2222',
      internal_port_range: '22:22',
    });
    assert.equal(shownPorts({ external_port_start: 1, external_port_end: 3, internal_port_start: 5, internal_port_end: 5 }).external_port, null);
  });

  it('overlap', () => {
    assert.ok(overlaps(1, 10, 10, 20));
    assert.ok(!overlaps(1, 9, 10, 20));
    assert.ok(overlaps(5, 5, 1, 10));
  });
});

describe('port forwarding nft table', () => {
  it('one map entry per forwarded port: ranges port by port, N:1 onto one port', () => {
    const m = forwardedPorts([
      pf({}),
      pf({ protocol: 'udp', external_port_start: 5000, external_port_end: 5002, internal_port_start: 6000, internal_port_end: 6002 }),
      pf({ external_port_start: 8000, external_port_end: 8001, internal_port_start: 80, internal_port_end: 80, internal_ip_address: '10.0.0.6' }),
    ]);
    assert.deepEqual(Object.fromEntries(m), {
      '172.24.4.10 . tcp . 2222': '10.0.0.5 . 22',
      '172.24.4.10 . udp . 5000': '10.0.0.5 . 6000',
      '172.24.4.10 . udp . 5001': '10.0.0.5 . 6001',
      '172.24.4.10 . udp . 5002': '10.0.0.5 . 6002',
      '172.24.4.10 . tcp . 8000': '10.0.0.6 . 80',
      '172.24.4.10 . tcp . 8001': '10.0.0.6 . 80',
    });
  });

  it('its own table, a DNAT by map after the router NAT table; a change is element lines only', () => {
    const a = renderPortForwardings([pf({})]);
    assert.equal(a.name, 'neutrino-pf');
    assert.match(a.chains.get('prerouting')!.hook!, /hook prerouting priority dstnat \+ 10/);
    assert.deepEqual(a.chains.get('prerouting')!.rules, ['dnat ip to ip daddr . meta l4proto . th dport map @forwards']);
    const b = renderPortForwardings([pf({ internal_ip_address: '10.0.0.9' }), pf({ external_port_start: 8080, external_port_end: 8080, internal_port_start: 80, internal_port_end: 80 })]);
    assert.deepEqual(diffTable(a, b), [
      'delete element ip neutrino-pf forwards { 172.24.4.10 . tcp . 2222 }',
      'add element ip neutrino-pf forwards { 172.24.4.10 . tcp . 2222 : 10.0.0.9 . 22, 172.24.4.10 . tcp . 8080 : 10.0.0.5 . 80 }',
    ]);
    assert.deepEqual(changedPorts(a.sets.get('forwards')!.elements, b.sets.get('forwards')!.elements), [{ dst: '172.24.4.10', protocol: 'tcp', dport: 2222 }]);
    assert.deepEqual(changedPorts(b.sets.get('forwards')!.elements, renderPortForwardings([]).sets.get('forwards')!.elements).length, 2);
  });
});
