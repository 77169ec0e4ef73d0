// The L3 agent's plan of a router (devices, addresses, routes) and the ip lines that move the
// kernel to it: only differences, only what the agent owns.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressChanges, canonicalRoutes, devicesToDelete, linkMatches, routeChanges } from '../../src/agents/l3/router-diff.js';
import { planRouter } from '../../src/agents/l3/router-plan.js';
import { syncFip, syncPort, syncRouter } from '../helpers/sync-router.js';

const GW = syncPort(
  'gwgwgwgw-0000-4000-8000-000000000001',
  'network:router_gateway',
  [
    { subnet_id: 'ext-sub', ip_address: '203.0.113.10', cidr: '203.0.113.0/24', gateway_ip: '203.0.113.1' },
    { subnet_id: 'ext-v6', ip_address: '2001:db8::10', cidr: '2001:db8::/64', gateway_ip: '2001:db8::1' },
  ],
  { mac_address: 'FA:16:3E:AA:00:01', mtu: 1500 },
);
const IF1 = syncPort('if1if1if-0000-4000-8000-000000000002', 'network:router_interface', [{ subnet_id: 's1', ip_address: '10.0.1.1', cidr: '10.0.1.0/24' }]);
const IF2 = syncPort('if2if2if-0000-4000-8000-000000000003', 'network:router_interface', [{ subnet_id: 's2', ip_address: '10.0.2.1', cidr: '10.0.2.0/24' }]);

describe('L3 router plan and kernel diff', () => {
  it('plans the gateway first with its addresses and floating IPs as /32, interfaces with all fixed IPs', () => {
    const plan = planRouter(syncRouter('r1', { gw_port: GW, _interfaces: [IF1, IF2], _floatingips: [syncFip('f1', '203.0.113.50', '10.0.1.5'), syncFip('f0', '203.0.113.10', '10.0.1.6')] }));
    assert.deepEqual(
      plan.ports.map((p) => [p.dev, p.mac, p.mtu, p.addresses]),
      [
        ['qg-gwgwgwgw-00', 'fa:16:3e:aa:00:01', 1500, ['203.0.113.10/24', '2001:db8::10/64', '203.0.113.50/32']],
        ['qr-if1if1if-00', 'fa:16:3e:00:00:01', 1450, ['10.0.1.1/24']],
        ['qr-if2if2if-00', 'fa:16:3e:00:00:01', 1450, ['10.0.2.1/24']],
      ],
    );
    assert.deepEqual(plan.routes, [
      { destination: '0.0.0.0/0', via: '203.0.113.1' },
      { destination: '::/0', via: '2001:db8::1' },
    ]);
  });

  it('an interface that is administratively down is not planned; extra routes are canonical', () => {
    const down = { ...IF2, admin_state_up: false };
    const plan = planRouter(
      syncRouter('r1', {
        _interfaces: [IF1, down],
        routes: [
          { destination: '192.168.5.0/24', nexthop: '10.0.1.9' },
          { destination: '192.168.6.7', nexthop: '10.0.1.9' },
        ],
      }),
    );
    assert.deepEqual(
      plan.ports.map((p) => p.dev),
      ['qr-if1if1if-00'],
    );
    assert.deepEqual(plan.routes, [
      { destination: '192.168.5.0/24', via: '10.0.1.9' },
      { destination: '192.168.6.7/32', via: '10.0.1.9' },
    ]);
  });

  it('address lines: only the difference, on the planned devices', () => {
    const plan = planRouter(syncRouter('r1', { gw_port: GW, _interfaces: [IF1] }));
    const have = new Map([
      ['qg-gwgwgwgw-00', ['203.0.113.10/24', '203.0.113.99/32']],
      ['qr-if1if1if-00', ['10.0.1.1/24']],
      ['eth9', ['1.2.3.4/8']],
    ]);
    assert.deepEqual(addressChanges(have, plan.ports), ['addr del 203.0.113.99/32 dev qg-gwgwgwgw-00', 'addr add 2001:db8::10/64 dev qg-gwgwgwgw-00 nodad']);
    const all = new Map([
      ['qg-gwgwgwgw-00', ['203.0.113.10/24', '2001:db8::10/64']],
      ['qr-if1if1if-00', ['10.0.1.1/24']],
    ]);
    assert.deepEqual(addressChanges(all, plan.ports), []);
  });

  it('devices: router devices not planned are deleted, others are never touched', () => {
    const plan = planRouter(syncRouter('r1', { gw_port: GW, _interfaces: [IF1] }));
    assert.deepEqual(devicesToDelete(['lo', 'qg-gwgwgwgw-00', 'qr-if1if1if-00', 'qr-old00000-00', 'qg-old00000-00', 'eth0'], plan.ports), ['qg-old00000-00', 'qr-old00000-00']);
    const p = plan.ports[0];
    assert.equal(linkMatches({ name: p.dev, address: 'fa:16:3e:aa:00:01', mtu: 1500, up: true }, p), true);
    assert.equal(linkMatches({ name: p.dev, address: 'fa:16:3e:aa:00:01', mtu: 1450, up: true }, p), false);
    assert.equal(linkMatches({ name: p.dev, address: 'fa:16:3e:aa:00:01', mtu: 1500, up: false }, p), false);
    assert.equal(linkMatches(undefined, p), false);
  });

  it('routes: kernel listing made canonical; deletions before additions; nothing when right', () => {
    const have = canonicalRoutes([
      { dst: 'default', gateway: '203.0.113.1' },
      { dst: '192.168.6.7', gateway: '10.0.1.9' },
      { dst: '10.0.1.0/24', dev: 'qr-x' },
      { dst: 'default', gateway: '2001:db8::1' },
    ]);
    assert.deepEqual(have, [
      { destination: '0.0.0.0/0', via: '203.0.113.1' },
      { destination: '192.168.6.7/32', via: '10.0.1.9' },
      { destination: '::/0', via: '2001:db8::1' },
    ]);
    const want = [
      { destination: '0.0.0.0/0', via: '203.0.113.254' },
      { destination: '192.168.6.7/32', via: '10.0.1.9' },
      { destination: '::/0', via: '2001:db8::1' },
    ];
    assert.deepEqual(routeChanges(have, want), {
      del: ['route del 0.0.0.0/0 via 203.0.113.1 proto static'],
      add: ['route replace 0.0.0.0/0 via 203.0.113.254 proto static'],
    });
    assert.deepEqual(routeChanges(want, want), { del: [], add: [] });
  });
});
