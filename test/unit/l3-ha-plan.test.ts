// l3-ha on the agent, pure: an HA router's plan (ha- port, keepalived's addresses and routes,
// NAT only on the master) and its keepalived.conf.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderKeepalivedConfig } from '../../src/agents/l3/ha/keepalived-config.js';
import { addressChanges } from '../../src/agents/l3/router-diff.js';
import { planRouter } from '../../src/agents/l3/router-plan.js';
import { syncFip, syncPort, syncRouter } from '../helpers/sync-router.js';

const haRouter = () =>
  syncRouter('r1', {
    ha: true,
    ha_vr_id: 7,
    gw_port: syncPort('gw000000000000', 'network:router_gateway', [{ subnet_id: 'ext', ip_address: '172.24.4.5', cidr: '172.24.4.0/24', gateway_ip: '172.24.4.1' }]),
    _interfaces: [syncPort('if0000000000000', 'network:router_interface', [{ subnet_id: 's1', ip_address: '10.0.0.1', cidr: '10.0.0.0/24' }])],
    _floatingips: [syncFip('f1', '172.24.4.9', '10.0.0.5')],
    _ha_interface: syncPort('ha0000000000000', 'network:router_ha_interface', [{ subnet_id: 'has', ip_address: '169.254.192.3', cidr: '169.254.192.0/18' }]),
    _ha_state: 'standby',
  });

describe('HA router plan', () => {
  it('adds the ha- port; gateway, interface and floating addresses and the routes are keepalived’s', () => {
    const p = planRouter(haRouter(), { master: true });
    assert.deepEqual(
      p.ports.map((x) => [x.dev, !!x.vrrp]),
      [
        ['qg-gw000000000', true],
        ['qr-if000000000', true],
        ['ha-ha000000000', false],
      ],
    );
    assert.deepEqual(p.routes, []);
    assert.equal(p.ha?.vrid, 7);
    assert.equal(p.ha?.haDev, 'ha-ha000000000');
    assert.deepEqual(p.ha?.addresses, [
      { cidr: '172.24.4.5/24', dev: 'qg-gw000000000' },
      { cidr: '172.24.4.9/32', dev: 'qg-gw000000000' },
      { cidr: '10.0.0.1/24', dev: 'qr-if000000000' },
    ]);
    assert.deepEqual(p.ha?.routes, [{ destination: '0.0.0.0/0', via: '172.24.4.1', dev: 'qg-gw000000000' }]);
    // the dataplane sets only the ha- address and never removes keepalived's
    const have = new Map([
      ['qg-gw000000000', ['172.24.4.5/24']],
      ['qr-if000000000', ['10.0.0.1/24']],
    ]);
    assert.deepEqual(addressChanges(have, p.ports), ['addr add 169.254.192.3/18 dev ha-ha000000000']);
  });

  it('the master has the NAT and the floating IPs; a standby none', () => {
    const m = planRouter(haRouter(), { master: true });
    assert.equal(m.nat.gatewayDev, 'qg-gw000000000');
    assert.deepEqual([...m.nat.floating], [['172.24.4.9', '10.0.0.5']]);
    assert.equal(m.floatingIps.length, 1);
    const s = planRouter(haRouter(), { master: false });
    assert.equal(s.nat.gatewayDev, null);
    assert.equal(s.nat.floating.size, 0);
    assert.deepEqual(s.floatingIps, []);
  });

  it('a legacy router is unchanged', () => {
    const r = haRouter();
    r.ha = false;
    const p = planRouter(r);
    assert.equal(p.ha, undefined);
    assert.ok(p.ports.every((x) => !x.vrrp));
    assert.equal(p.routes.length, 1);
  });
});

describe('keepalived.conf', () => {
  const conf = (advertInt: number) =>
    renderKeepalivedConfig({
      routerId: 'abcdef01-2345',
      vrid: 7,
      haDev: 'ha-x',
      advertInt,
      addresses: [{ cidr: '10.0.0.1/24', dev: 'qr-x' }],
      routes: [{ destination: '0.0.0.0/0', via: '172.24.4.1', dev: 'qg-x' }],
      notifyScript: '/s/notify.sh',
      stateFile: '/s/r/state',
    });
  it('one BACKUP, nopreempt instance on ha- with the primary VIP, the router addresses excluded, routes and notify', () => {
    const c = conf(2);
    for (const line of [
      'vrrp_instance VR_7 {',
      '  state BACKUP',
      '  interface ha-x',
      '  virtual_router_id 7',
      '  nopreempt',
      '  advert_int 2',
      '    169.254.0.7/24 dev ha-x',
      '  virtual_ipaddress_excluded {',
      '    10.0.0.1/24 dev qr-x',
      '    0.0.0.0/0 via 172.24.4.1 dev qg-x',
      '  notify_master "/s/notify.sh master /s/r/state"',
      '  notify_backup "/s/notify.sh backup /s/r/state"',
    ])
      assert.ok(c.split('\n').includes(line), line);
    assert.ok(!c.includes('vrrp_version 3'));
  });
  it('sub-second adverts speak VRRPv3', () => {
    assert.ok(conf(0.2).includes('  vrrp_version 3'));
    assert.ok(conf(0.2).includes('  advert_int 0.2'));
  });
});
