// What the DHCP agent tells dnsmasq, without a kernel: host file, options file, command line,
// lease parsing, which leases are stale, and the DHCP port's device id.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dhcpPortAddresses, dnsmasqArgs, parseLeases, renderAddnHosts, renderHosts, renderOpts, servedSubnets, staleLeases, type DnsmasqSettings } from '../../src/agents/dhcp/dnsmasq-config.js';
import { dhcpDeviceId, uuid5 } from '../../src/agents/dhcp/device-id.js';
import type { DhcpNetwork, DhcpPort, DhcpSubnet } from '../../src/contract/dhcp.js';

const NET = '11111111-1111-4111-8111-111111111111';
const SUB = '22222222-2222-4222-8222-222222222222';
const SUB2 = '33333333-3333-4333-8333-333333333333';
const NODHCP = '44444444-4444-4444-8444-444444444444';

const subnet = (o: Partial<DhcpSubnet> = {}): DhcpSubnet => ({
  id: SUB,
  network_id: NET,
  cidr: '10.0.0.0/24',
  ip_version: 4,
  gateway_ip: '10.0.0.1',
  enable_dhcp: true,
  dns_nameservers: [],
  host_routes: [],
  ipv6_address_mode: null,
  ipv6_ra_mode: null,
  ...o,
});
const port = (id: string, mac: string, ip: string, o: Partial<DhcpPort> = {}): DhcpPort => ({
  id,
  network_id: NET,
  mac_address: mac,
  device_owner: 'compute:nova',
  device_id: 'vm',
  admin_state_up: true,
  fixed_ips: [{ subnet_id: SUB, ip_address: ip }],
  extra_dhcp_opts: [],
  ...o,
});
const net = (o: Partial<DhcpNetwork> = {}): DhcpNetwork => ({ id: NET, name: 'n', project_id: 'p', admin_state_up: true, mtu: 1450, subnets: [subnet()], ports: [], ...o });
const SETTINGS: DnsmasqSettings = { dir: '/s/dhcp/n', interfaceName: 'ns-abcdef01234', leaseDuration: 86400, leaseMax: 16777216, dnsServers: [], domain: 'openstacklocal' };

describe('dnsmasq host file', () => {
  it('lists every address on a DHCP subnet, router and DHCP ports included, and nothing of a DHCP-off subnet', () => {
    const n = net({
      subnets: [subnet(), subnet({ id: NODHCP, cidr: '10.9.0.0/24', enable_dhcp: false })],
      ports: [
        port('b-vm', 'fa:16:3e:00:00:0b', '10.0.0.11'),
        port('a-router', 'fa:16:3e:00:00:01', '10.0.0.1', { device_owner: 'network:router_interface' }),
        port('c-dhcp', 'fa:16:3e:00:00:02', '10.0.0.2', { device_owner: 'network:dhcp' }),
        port('d-off', 'fa:16:3e:00:00:0d', '10.9.0.5', { fixed_ips: [{ subnet_id: NODHCP, ip_address: '10.9.0.5' }] }),
      ],
    });
    assert.equal(
      renderHosts(n, 'openstacklocal'),
      'fa:16:3e:00:00:01,host-10-0-0-1.openstacklocal,10.0.0.1\n' + 'fa:16:3e:00:00:0b,host-10-0-0-11.openstacklocal,10.0.0.11\n' + 'fa:16:3e:00:00:02,host-10-0-0-2.openstacklocal,10.0.0.2\n',
    );
    assert.match(renderAddnHosts(n, 'openstacklocal'), /^10\.0\.0\.1\thost-10-0-0-1\.openstacklocal host-10-0-0-1$/m);
  });

  it('tags a port that has extra DHCP options, so its options reach only it', () => {
    const n = net({ ports: [port('p1', 'fa:16:3e:00:00:0b', '10.0.0.11', { extra_dhcp_opts: [{ opt_name: 'bootfile-name', opt_value: 'pxelinux.0', ip_version: 4 }] })] });
    assert.equal(renderHosts(n, ''), 'fa:16:3e:00:00:0b,host-10-0-0-11,10.0.0.11,set:port-p1\n');
    assert.match(renderOpts(n, []), /^tag:port-p1,option:bootfile-name,pxelinux\.0$/m);
  });

  it("a port's dns_name (dns-integration) names its addresses instead of host-<ip>; a FQDN is taken as it is", () => {
    const n = net({ ports: [port('p1', 'fa:16:3e:00:00:0b', '10.0.0.11', { dns_name: 'web1' }), port('p2', 'fa:16:3e:00:00:0c', '10.0.0.12', { dns_name: 'db1.example.org.' })] });
    assert.equal(renderHosts(n, 'example.org'), 'fa:16:3e:00:00:0b,web1.example.org,10.0.0.11\nfa:16:3e:00:00:0c,db1.example.org,10.0.0.12\n');
    assert.equal(renderAddnHosts(n, 'example.org'), '10.0.0.11\tweb1.example.org web1\n10.0.0.12\tdb1.example.org db1\n');
  });

  it('is empty for a network without ports', () => {
    assert.equal(renderHosts(net(), 'openstacklocal'), '');
  });
});

describe('dnsmasq options file', () => {
  it("router = the gateway; DNS = the subnet's servers, else dnsmasq_dns_servers", () => {
    const tag = `tag:subnet-${SUB}`;
    assert.equal(renderOpts(net(), []), `${tag},option:router,10.0.0.1\n`);
    assert.equal(renderOpts(net(), ['192.0.2.53']), `${tag},option:dns-server,192.0.2.53\n${tag},option:router,10.0.0.1\n`);
    const withDns = net({ subnets: [subnet({ dns_nameservers: ['8.8.8.8', '8.8.4.4'] })] });
    assert.equal(renderOpts(withDns, ['192.0.2.53']), `${tag},option:dns-server,8.8.8.8,8.8.4.4\n${tag},option:router,10.0.0.1\n`);
  });

  it('no gateway: an empty router option, so clients set no default route', () => {
    assert.equal(renderOpts(net({ subnets: [subnet({ gateway_ip: null })] }), []), `tag:subnet-${SUB},option:router\n`);
  });

  it('host routes become options 121 and 249 with the default route via the gateway added', () => {
    const n = net({ subnets: [subnet({ host_routes: [{ destination: '172.16.0.0/16', nexthop: '10.0.0.254' }] })] });
    const lines = renderOpts(n, []).trim().split('\n');
    assert.deepEqual(lines, [
      `tag:subnet-${SUB},option:classless-static-route,172.16.0.0/16,10.0.0.254,0.0.0.0/0,10.0.0.1`,
      `tag:subnet-${SUB},249,172.16.0.0/16,10.0.0.254,0.0.0.0/0,10.0.0.1`,
      `tag:subnet-${SUB},option:router,10.0.0.1`,
    ]);
  });

  it('a 0.0.0.0/0 host route stands in for a missing gateway; other subnets of the network are on-link', () => {
    const n = net({
      subnets: [subnet({ gateway_ip: null, host_routes: [{ destination: '0.0.0.0/0', nexthop: '10.0.0.254' }] }), subnet({ id: SUB2, cidr: '10.1.0.0/24', gateway_ip: '10.1.0.1' })],
    });
    const text = renderOpts(n, []);
    assert.match(text, new RegExp(`^tag:subnet-${SUB},option:classless-static-route,10\\.1\\.0\\.0/24,0\\.0\\.0\\.0,0\\.0\\.0\\.0/0,10\\.0\\.0\\.254$`, 'm'));
    assert.match(text, new RegExp(`^tag:subnet-${SUB},option:router,10\\.0\\.0\\.254$`, 'm'));
  });
});

describe('dnsmasq command line', () => {
  it('static range per DHCP subnet with the lease time, MTU, lease cap, the namespace interface', () => {
    const args = dnsmasqArgs(net({ subnets: [subnet(), subnet({ id: NODHCP, cidr: '10.9.0.0/24', enable_dhcp: false })] }), SETTINGS);
    assert.equal(args[0], 'dnsmasq');
    assert.ok(args.includes('--pid-file=/s/dhcp/n/pid'));
    assert.ok(args.includes('--dhcp-hostsfile=/s/dhcp/n/host'));
    assert.ok(args.includes('--dhcp-optsfile=/s/dhcp/n/opts'));
    assert.ok(args.includes('--dhcp-leasefile=/s/dhcp/n/leases'));
    assert.deepEqual(
      args.filter((a) => a.startsWith('--dhcp-range')),
      [`--dhcp-range=set:subnet-${SUB},10.0.0.0,static,255.255.255.0,86400s`],
    );
    assert.ok(args.includes('--dhcp-option-force=option:mtu,1450'));
    assert.ok(args.includes('--dhcp-lease-max=256'), 'capped at the addresses the subnets hold');
    assert.ok(args.includes('--interface=ns-abcdef01234'));
    assert.ok(args.includes('--domain=openstacklocal'));
    assert.ok(!args.some((a) => a.startsWith('--server=')));
  });

  it('infinite leases, upstream DNS servers, no MTU option for an unknown MTU', () => {
    const args = dnsmasqArgs(net({ mtu: 0 }), { ...SETTINGS, leaseDuration: -1, dnsServers: ['192.0.2.53'], leaseMax: 100 });
    assert.ok(args.includes(`--dhcp-range=set:subnet-${SUB},10.0.0.0,static,255.255.255.0,infinite`));
    assert.ok(args.includes('--server=192.0.2.53'));
    assert.ok(args.includes('--dhcp-lease-max=100'));
    assert.ok(!args.some((a) => a.startsWith('--dhcp-option-force=option:mtu')));
  });

  it('the same network renders the same command line (what lets a restarted agent adopt dnsmasq)', () => {
    assert.deepEqual(dnsmasqArgs(net(), SETTINGS), dnsmasqArgs(net(), SETTINGS));
    assert.notDeepEqual(dnsmasqArgs(net(), SETTINGS), dnsmasqArgs(net({ mtu: 1500 }), SETTINGS));
  });

  it('serves IPv6 stateful subnets, not SLAAC ones', () => {
    const v6 = subnet({ id: SUB2, cidr: 'fd00::/64', ip_version: 6, gateway_ip: 'fd00::1', ipv6_address_mode: 'slaac', ipv6_ra_mode: 'slaac' });
    assert.deepEqual(
      servedSubnets(net({ subnets: [subnet(), v6] })).map((s) => s.id),
      [SUB],
    );
    const stateful = { ...v6, ipv6_address_mode: 'dhcpv6-stateful', ipv6_ra_mode: 'dhcpv6-stateful' };
    assert.ok(dnsmasqArgs(net({ subnets: [stateful] }), SETTINGS).includes(`--dhcp-range=set:subnet-${SUB2},fd00::,static,64,86400s`));
  });
});

describe('leases', () => {
  const text = '1700000000 fa:16:3e:00:00:0b 10.0.0.11 host-10-0-0-11 *\n1700000000 FA:16:3E:00:00:0C 10.0.0.12 host-10-0-0-12 01:fa:16:3e:00:00:0c\nduid 00:01\n1700000000 1234 fd00::5 * 00:01\n';

  it('parses IPv4 leases (MAC lower-cased, client id kept)', () => {
    assert.deepEqual(parseLeases(text), [
      { mac: 'fa:16:3e:00:00:0b', ip: '10.0.0.11', clientId: '' },
      { mac: 'fa:16:3e:00:00:0c', ip: '10.0.0.12', clientId: '01:fa:16:3e:00:00:0c' },
    ]);
  });

  it('a lease is stale when its MAC no longer holds its IP: port deleted, or its fixed IP changed', () => {
    const n = net({ ports: [port('p1', 'fa:16:3e:00:00:0b', '10.0.0.11'), port('p2', 'fa:16:3e:00:00:0c', '10.0.0.22')] });
    assert.deepEqual(
      staleLeases(parseLeases(text), n).map((l) => l.ip),
      ['10.0.0.12'],
    );
    assert.deepEqual(
      staleLeases(parseLeases(text), net()).map((l) => l.ip),
      ['10.0.0.11', '10.0.0.12'],
    );
  });
});

describe('the DHCP port', () => {
  it('carries its addresses with the subnet prefix', () => {
    const p = port('d', 'fa:16:3e:00:00:02', '10.0.0.2', { device_owner: 'network:dhcp' });
    assert.deepEqual(dhcpPortAddresses(net(), p), ['10.0.0.2/24']);
  });

  it("device_id is Neutron's: dhcp + uuid5(DNS, host) + - + network id", () => {
    // python3 -c "import uuid;print(uuid.uuid5(uuid.NAMESPACE_DNS,'compute1'))"
    assert.equal(uuid5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'compute1'), 'e0130025-5ee5-5094-8d98-24d0a68981b3');
    assert.equal(dhcpDeviceId('compute1', NET), `dhcpe0130025-5ee5-5094-8d98-24d0a68981b3-${NET}`);
  });
});
