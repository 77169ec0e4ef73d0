// Router advertisements, pure parts: which interfaces of a router radvd advertises on and the
// configuration it gets (Neutron's ra.py: flags by ipv6_ra_mode, MTU, prefixes, RDNSS).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advertisedInterfaces, renderRadvdConfig } from '../../src/agents/l3/radvd-config.js';
import type { SyncPort, SyncRouter } from '../../src/contract/l3.js';

const port = (id: string, subnets: { cidr: string; ra: string | null; v?: 4 | 6; dns?: string[] }[], up = true): SyncPort => ({
  id,
  network_id: `net-${id}`,
  mac_address: 'fa:16:3e:00:00:01',
  device_owner: 'network:router_interface',
  admin_state_up: up,
  fixed_ips: [],
  subnets: subnets.map((s, i) => ({ id: `${id}-${i}`, cidr: s.cidr, gateway_ip: null, ip_version: s.v ?? 6, ipv6_ra_mode: s.ra, ipv6_address_mode: s.ra, dns_nameservers: s.dns ?? [] })),
  mtu: 1450,
});

const router = (ports: SyncPort[]): SyncRouter => ({
  id: 'r1',
  name: 'r1',
  project_id: 'p',
  admin_state_up: true,
  status: 'ACTIVE',
  routes: [],
  enable_snat: true,
  gw_port: null,
  _interfaces: ports,
  _floatingips: [],
  ha: false,
  distributed: false,
});

describe('radvd configuration', () => {
  it('advertises only IPv6 subnets with ipv6_ra_mode on interfaces that are up', () => {
    const r = router([
      port('aaaaaaaa-1111', [{ cidr: '10.0.0.0/24', ra: null, v: 4 }]),
      port('bbbbbbbb-2222', [{ cidr: 'fd00:1::/64', ra: null }]),
      port('cccccccc-3333', [{ cidr: 'fd00:2::/64', ra: 'slaac' }]),
      port('dddddddd-4444', [{ cidr: 'fd00:3::/64', ra: 'slaac' }], false),
    ]);
    assert.deepEqual(
      advertisedInterfaces(r).map((i) => i.dev),
      ['qr-cccccccc-33'],
    );
    assert.equal(renderRadvdConfig(advertisedInterfaces(router([port('x', [{ cidr: '10.0.0.0/24', ra: null, v: 4 }])]))), '');
  });

  it('SLAAC: autonomous prefix, no flags; stateless: Other-config; stateful: Managed and Other-config, prefix not autonomous', () => {
    const conf = (ra: string) => renderRadvdConfig(advertisedInterfaces(router([port('eeeeeeee-5555', [{ cidr: 'fd00:9::/64', ra, dns: ['fd00::53'] }])])));
    const slaac = conf('slaac');
    assert.equal(
      slaac,
      [
        'interface qr-eeeeeeee-55',
        '{',
        '   AdvSendAdvert on;',
        '   MinRtrAdvInterval 30;',
        '   MaxRtrAdvInterval 100;',
        '   AdvLinkMTU 1450;',
        '   RDNSS fd00::53 {};',
        '   prefix fd00:9::/64',
        '   {',
        '        AdvOnLink on;',
        '        AdvAutonomous on;',
        '   };',
        '};',
        '',
      ].join('\n'),
    );
    const stateless = conf('dhcpv6-stateless');
    assert.doesNotMatch(stateless, /AdvManagedFlag/);
    assert.match(stateless, /AdvOtherConfigFlag on;/);
    assert.match(stateless, /AdvAutonomous on;/);
    const stateful = conf('dhcpv6-stateful');
    assert.match(stateful, /AdvManagedFlag on;/);
    assert.match(stateful, /AdvOtherConfigFlag on;/);
    assert.match(stateful, /AdvAutonomous off;/);
  });

  it('several prefixes on one interface, each with its own autonomy', () => {
    const conf = renderRadvdConfig(
      advertisedInterfaces(
        router([
          port('ffffffff-6666', [
            { cidr: 'fd00:b::/64', ra: 'dhcpv6-stateful' },
            { cidr: 'fd00:a::/64', ra: 'slaac' },
          ]),
        ]),
      ),
    );
    assert.equal((conf.match(/^interface /gm) ?? []).length, 1);
    assert.ok(conf.indexOf('fd00:a::/64') < conf.indexOf('fd00:b::/64'));
    assert.match(conf, /prefix fd00:a::\/64\n {3}\{\n {8}AdvOnLink on;\n {8}AdvAutonomous on;/);
    assert.match(conf, /prefix fd00:b::\/64\n {3}\{\n {8}AdvOnLink on;\n {8}AdvAutonomous off;/);
    assert.match(conf, /AdvManagedFlag on;/);
  });
});
