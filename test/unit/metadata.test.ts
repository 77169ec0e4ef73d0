// Instance metadata, pure parts: the signature, the OpenStack and EC2 trees, the proxy's haproxy
// configuration, the router's redirect, the DHCP host route; and the metadata service's checks
// (signature, tenant) over a loopback socket with a stub source.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { metadataSubnets, renderOpts } from '../../src/agents/dhcp/dnsmasq-config.js';
import { networkDataCommands, prefixOfNetmask } from '../../src/compute/network-data.js';
import { renderNat } from '../../src/agents/l3/nat-table.js';
import { renderHaproxyConfig } from '../../src/agents/metadata-proxy/haproxy-config.js';
import { startMetadataService } from '../../src/api/metadata-server.js';
import type { DhcpNetwork } from '../../src/contract/dhcp.js';
import { signatureMatches, signInstanceId } from '../../src/contract/metadata.js';
import { checkPublicKey, fingerprint, hostnameOf } from '../../src/plugins/metadata/instance-records.js';
import type { MetadataSource } from '../../src/plugins/metadata/metadata-source.js';
import { configDriveFiles, ec2MetaData, type InstanceMetadata, renderPath } from '../../src/plugins/metadata/metadata-tree.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIr998vu+ZfFw5Qe8bKnNamiOEbVs5CWhtQ1z3AmXr+A test@neutrino';
const ID = '7f3c2a10-1b2c-4d5e-8f90-123456789abc';
const PORT = 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff';

function instance(over: Partial<InstanceMetadata> = {}): InstanceMetadata {
  return {
    id: ID,
    name: 'Web 1',
    hostname: 'web-1',
    project_id: 'proj-a',
    availability_zone: 'nova',
    key_name: 'mykey',
    public_keys: { mykey: KEY },
    meta: { role: 'web' },
    user_data: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'),
    created_at: '2026-12-04T17:00:00.000Z',
    ports: [
      {
        id: PORT,
        mac_address: 'fa:16:3e:11:22:33',
        network_id: 'net-1',
        mtu: 1450,
        floating_ips: [],
        fixed_ips: [
          {
            ip_address: '10.0.0.5',
            subnet: {
              id: 'sub-1',
              cidr: '10.0.0.0/24',
              ip_version: 4,
              gateway_ip: '10.0.0.1',
              enable_dhcp: true,
              ipv6_address_mode: null,
              dns_nameservers: ['192.0.2.53'],
              host_routes: [{ destination: '192.168.0.0/16', nexthop: '10.0.0.254' }],
            },
          },
        ],
      },
    ],
    ...over,
  };
}

const body = (md: InstanceMetadata, path: string) => {
  const a = renderPath(md, path);
  return { status: a.status, text: a.body.toString() };
};

describe('metadata signature', () => {
  it('is HMAC-SHA256 of the instance id with the shared secret, hex (as openssl computes it)', () => {
    // printf inst-1 | openssl dgst -sha256 -hmac s3cret
    assert.equal(signInstanceId('s3cret', 'inst-1'), '0423ac5ab426fe85654f33cf6ebc38df4ce8ffe5bf842017ce9f21a5bd299eae');
    assert.ok(signatureMatches('s3cret', 'inst-1', signInstanceId('s3cret', 'inst-1')));
    assert.ok(!signatureMatches('other', 'inst-1', signInstanceId('s3cret', 'inst-1')), 'another secret');
    assert.ok(!signatureMatches('s3cret', 'inst-2', signInstanceId('s3cret', 'inst-1')), 'another instance');
    assert.ok(!signatureMatches('s3cret', 'inst-1', 'abc'), 'a short signature');
    assert.ok(!signatureMatches('s3cret', 'inst-1', ''), 'none');
  });
});

describe('metadata trees', () => {
  it('lists the EC2 versions and openstack at /, the OpenStack versions at /openstack, the files of a version', () => {
    assert.match(body(instance(), '/').text, /^1\.0\n.*\nlatest\nopenstack$/s);
    assert.match(body(instance(), '/openstack').text, /^2012-08-10\n.*2015-10-15\n.*\nlatest$/s);
    assert.equal(body(instance(), '/openstack/latest/').text, 'meta_data.json\nnetwork_data.json\nuser_data\nvendor_data.json');
    assert.equal(body(instance({ user_data: null }), '/openstack/latest').text, 'meta_data.json\nnetwork_data.json\nvendor_data.json');
    assert.equal(body(instance(), '/openstack/1999-01-01/meta_data.json').status, 404);
    assert.equal(body(instance(), '/nonsense').status, 404);
  });

  it('meta_data.json: uuid, name, hostname, project, zone, keys, meta', () => {
    const m = JSON.parse(body(instance(), '/openstack/latest/meta_data.json').text);
    assert.equal(m.uuid, ID);
    assert.equal(m.name, 'Web 1');
    assert.equal(m.hostname, 'web-1');
    assert.equal(m.project_id, 'proj-a');
    assert.equal(m.availability_zone, 'nova');
    assert.deepEqual(m.public_keys, { mykey: KEY });
    assert.deepEqual(m.keys, [{ name: 'mykey', type: 'ssh', data: KEY }]);
    assert.deepEqual(m.meta, { role: 'web' });
    assert.equal(JSON.stringify(JSON.parse(body(instance(), '/openstack/2013-10-17/meta_data.json').text)), JSON.stringify(m), 'older versions serve the same');
  });

  it('network_data.json: the link with MAC and MTU, the address with netmask, routes and DNS', () => {
    const n = JSON.parse(body(instance(), '/openstack/latest/network_data.json').text);
    assert.deepEqual(n.links, [{ id: `tap${PORT.slice(0, 11)}`, vif_id: PORT, type: 'bridge', mtu: 1450, ethernet_mac_address: 'fa:16:3e:11:22:33' }]);
    assert.equal(n.networks.length, 1);
    const net = n.networks[0];
    assert.equal(net.type, 'ipv4_dhcp');
    assert.equal(net.ip_address, '10.0.0.5');
    assert.equal(net.netmask, '255.255.255.0');
    assert.equal(net.link, n.links[0].id);
    assert.equal(net.network_id, 'net-1');
    assert.deepEqual(net.routes, [
      { network: '0.0.0.0', netmask: '0.0.0.0', gateway: '10.0.0.1' },
      { network: '192.168.0.0', netmask: '255.255.0.0', gateway: '10.0.0.254' },
    ]);
    assert.deepEqual(n.services, [{ type: 'dns', address: '192.0.2.53' }]);
    const statics = instance();
    statics.ports[0].fixed_ips[0].subnet.enable_dhcp = false;
    assert.equal(JSON.parse(body(statics, '/openstack/latest/network_data.json').text).networks[0].type, 'ipv4');
  });

  it('user_data is the bytes given at boot; none → 404', () => {
    const a = renderPath(instance(), '/openstack/latest/user_data');
    assert.equal(a.status, 200);
    assert.equal(a.body.toString(), '#!/bin/sh\necho hi\n');
    assert.equal(renderPath(instance(), '/latest/user-data').body.toString(), '#!/bin/sh\necho hi\n');
    assert.equal(renderPath(instance({ user_data: null }), '/openstack/latest/user_data').status, 404);
    assert.equal(renderPath(instance({ user_data: null }), '/latest/user-data').status, 404);
    assert.equal(body(instance(), '/openstack/latest/vendor_data.json').text, '{}');
  });

  it('EC2: instance-id, local-ipv4, public-ipv4 only with a floating IP, public keys, placement', () => {
    const md = instance();
    assert.equal(body(md, '/latest/meta-data/instance-id').text, ID);
    assert.equal(body(md, '/2009-04-04/meta-data/local-ipv4').text, '10.0.0.5');
    assert.equal(body(md, '/latest/meta-data/public-ipv4').status, 404);
    assert.doesNotMatch(body(md, '/latest/meta-data/').text, /public-ipv4/);
    assert.equal(body(md, '/latest/meta-data/public-keys/').text, '0=mykey');
    assert.equal(body(md, '/latest/meta-data/public-keys/0').text, 'openssh-key');
    assert.equal(body(md, '/latest/meta-data/public-keys/0/openssh-key').text, KEY);
    assert.equal(body(md, '/latest/meta-data/public-keys/1/openssh-key').status, 404);
    assert.equal(body(md, '/latest/meta-data/placement/availability-zone').text, 'nova');
    assert.equal(body(md, '/latest/meta-data/hostname').text, 'web-1');
    md.ports[0].floating_ips = ['203.0.113.50'];
    assert.equal(body(md, '/latest/meta-data/public-ipv4').text, '203.0.113.50');
    assert.match(body(md, '/latest/meta-data/').text, /^public-ipv4$/m);
    assert.equal(body(instance({ public_keys: {} }), '/latest/meta-data/public-keys/').status, 404);
  });
});

describe('config drive', () => {
  it('holds, for every path, what the service answers; ec2/latest/meta-data.json is the EC2 tree as JSON', () => {
    const md = instance();
    const files = configDriveFiles(md);
    for (const f of ['meta_data.json', 'network_data.json', 'vendor_data.json', 'user_data']) {
      assert.deepEqual(files.get(`openstack/latest/${f}`), Buffer.from(renderPath(md, `/openstack/latest/${f}`).body));
      assert.ok(files.has(`openstack/2015-10-15/${f}`));
    }
    assert.equal(files.get('ec2/latest/user-data')?.toString(), '#!/bin/sh\necho hi\n');
    assert.deepEqual(JSON.parse(files.get('ec2/latest/meta-data.json')!.toString()), ec2MetaData(md));
    assert.deepEqual(ec2MetaData(md), {
      hostname: 'web-1',
      'instance-id': ID,
      'local-hostname': 'web-1',
      'local-ipv4': '10.0.0.5',
      placement: { 'availability-zone': 'nova' },
      'public-keys': { 0: { 'openssh-key': KEY } },
    });
    assert.equal(configDriveFiles(instance({ user_data: null })).has('openstack/latest/user_data'), false);
  });
});

describe('Flat-mode injection from network_data.json', () => {
  it('turns static networks into ip commands (routes after addresses) and DNS; DHCP networks are left alone', () => {
    assert.equal(prefixOfNetmask('255.255.255.0'), 24);
    assert.equal(prefixOfNetmask('0.0.0.0'), 0);
    assert.equal(prefixOfNetmask('ffff:ffff:ffff:ffff::'), 64);
    assert.equal(prefixOfNetmask('255.0.255.0'), null);
    const md = instance();
    md.ports[0].fixed_ips[0].subnet.enable_dhcp = false;
    const nd = JSON.parse(renderPath(md, '/openstack/latest/network_data.json').body.toString());
    assert.deepEqual(networkDataCommands(nd), {
      lines: ['addr add 10.0.0.5/24 dev eth0', 'route replace default via 10.0.0.1 dev eth0', 'route replace 192.168.0.0/16 via 10.0.0.254 dev eth0'],
      dns: ['192.0.2.53'],
    });
    const dhcp = JSON.parse(renderPath(instance(), '/openstack/latest/network_data.json').body.toString());
    assert.deepEqual(networkDataCommands(dhcp).lines, []);
  });
});

describe('instance records: keys and names', () => {
  it('checks OpenSSH public keys and fingerprints them as ssh-keygen -l does', () => {
    assert.equal(checkPublicKey(`${KEY}\n`, 'k'), KEY);
    assert.equal(fingerprint(KEY), 'SHA256:M/mT2ULozui7DX4SukJLWBn0ABtkbEo+YXCbMf5BbJo');
    assert.throws(() => checkPublicKey('ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIIr998vu+ZfFw5Qe8bKnNamiOEbVs5CWhtQ1z3AmXr+A', 'k'), /does not match its type/);
    assert.throws(() => checkPublicKey('not a key', 'k'), /not an OpenSSH public key/);
  });
  it('makes host names from instance names', () => {
    assert.equal(hostnameOf('Web 1'), 'web-1');
    assert.equal(hostnameOf('db_primary.example'), 'db-primary-example');
    assert.equal(hostnameOf('---'), 'instance');
  });
});

describe('metadata proxy configuration', () => {
  it('haproxy: binds, sets X-Forwarded-For to the TCP source and the router id, drops what the instance sent, forwards to the socket', () => {
    const c = renderHaproxyConfig({ kind: 'router', id: 'r-1', bind: '0.0.0.0:9697', socket: '/var/lib/neutrino/metadata_proxy', pidFile: '/x/r-1.pid', user: { user: 'nobody', group: 'nogroup' } });
    assert.match(c, /^ {4}daemon$/m);
    assert.match(c, /^ {4}pidfile \/x\/r-1\.pid$/m);
    assert.match(c, /^ {4}user nobody$/m);
    assert.match(c, /^ {4}bind 0\.0\.0\.0:9697$/m);
    for (const h of ['X-Neutron-Router-ID', 'X-Neutron-Network-ID', 'X-Instance-ID', 'X-Tenant-ID', 'X-Instance-Id-Signature']) assert.match(c, new RegExp(`^ {4}http-request del-header ${h}$`, 'm'));
    assert.match(c, /^ {4}http-request set-header X-Forwarded-For %\[src\]$/m);
    assert.match(c, /^ {4}http-request set-header X-Neutron-Router-ID r-1$/m);
    assert.match(c, /^ {4}server metadata \/var\/lib\/neutrino\/metadata_proxy$/m);
    // the header it sets comes after the deletions (haproxy applies http-request rules in order)
    assert.ok(c.indexOf('set-header X-Neutron-Router-ID') > c.indexOf('del-header X-Neutron-Router-ID'));
    const d = renderHaproxyConfig({ kind: 'network', id: 'n-1', bind: '169.254.169.254:80', socket: '/s', pidFile: '/p', user: null });
    assert.match(d, /set-header X-Neutron-Network-ID n-1$/m);
    assert.doesNotMatch(d, /^ {4}user /m);
  });

  it('router: 169.254.169.254:80 from a qr- is redirected to the proxy, which only qr- devices may reach', () => {
    const t = renderNat({ gatewayDev: null, gatewayIp: null, snat: false, internal: [], floating: new Map(), metadataPort: 9697 });
    assert.deepEqual(t.chains.get('prerouting')?.rules, ['iifname "qr-*" ip daddr 169.254.169.254 tcp dport 80 redirect to :9697']);
    assert.deepEqual(t.chains.get('input')?.rules, ['iifname != "qr-*" tcp dport 9697 drop']);
    const without = renderNat({ gatewayDev: null, gatewayIp: null, snat: false, internal: [], floating: new Map() });
    assert.deepEqual(without.chains.get('prerouting')?.rules, []);
    assert.equal(without.chains.has('input'), false);
  });

  it('DHCP: isolated subnets get a host route to 169.254.169.254 via the DHCP port; routed ones only with force_metadata', () => {
    const sub = (id: string, cidr: string, gw: string) => ({
      id,
      network_id: 'n',
      cidr,
      ip_version: 4,
      gateway_ip: gw,
      enable_dhcp: true,
      dns_nameservers: [],
      host_routes: [],
      ipv6_address_mode: null,
      ipv6_ra_mode: null,
    });
    const dhcpPort = {
      id: 'dp',
      network_id: 'n',
      mac_address: 'fa:16:3e:00:00:02',
      device_owner: 'network:dhcp',
      device_id: 'd',
      admin_state_up: true,
      fixed_ips: [
        { subnet_id: 's1', ip_address: '10.0.0.2' },
        { subnet_id: 's2', ip_address: '10.1.0.2' },
      ],
      extra_dhcp_opts: [],
    };
    const routerPort = { ...dhcpPort, id: 'rp', device_owner: 'network:router_interface', fixed_ips: [{ subnet_id: 's2', ip_address: '10.1.0.1' }] };
    const net: DhcpNetwork = {
      id: 'n',
      name: 'n',
      project_id: 'p',
      admin_state_up: true,
      mtu: 1450,
      subnets: [sub('s1', '10.0.0.0/24', '10.0.0.1'), sub('s2', '10.1.0.0/24', '10.1.0.1')],
      ports: [dhcpPort, routerPort],
    };
    assert.deepEqual([...metadataSubnets(net, dhcpPort, { force: false, isolated: true })], [['s1', '10.0.0.2']]);
    assert.deepEqual(
      [...metadataSubnets(net, dhcpPort, { force: true, isolated: false })],
      [
        ['s1', '10.0.0.2'],
        ['s2', '10.1.0.2'],
      ],
    );
    assert.equal(metadataSubnets(net, dhcpPort, { force: false, isolated: false }).size, 0);
    const opts = renderOpts(net, [], metadataSubnets(net, dhcpPort, { force: false, isolated: true }));
    assert.match(opts, /^tag:subnet-s1,option:classless-static-route,169\.254\.169\.254\/32,10\.0\.0\.2,10\.1\.0\.0\/24,0\.0\.0\.0,0\.0\.0\.0\/0,10\.0\.0\.1$/m);
    assert.doesNotMatch(opts, /subnet-s2,option:classless-static-route,169/);
  });
});

describe('metadata service (loopback, stub source)', () => {
  it('answers a signed request for the tenant’s instance; refuses bad signatures (403), missing headers (400), another tenant (404)', async () => {
    const md = instance();
    const source = { instance: async (id: string) => (id === ID ? md : null) } as unknown as MetadataSource;
    const svc = await startMetadataService({ host: '127.0.0.1', port: 0, secret: 's3cret', source, log: pino({ level: 'silent' }) });
    try {
      const get = (path: string, h: Record<string, string>) => fetch(`${svc.url}${path}`, { headers: h });
      const signed = { 'x-instance-id': ID, 'x-tenant-id': 'proj-a', 'x-instance-id-signature': signInstanceId('s3cret', ID) };
      const ok = await get('/openstack/latest/meta_data.json', signed);
      assert.equal(ok.status, 200);
      assert.equal(((await ok.json()) as { uuid: string }).uuid, ID);
      assert.equal((await get('/latest/meta-data/instance-id', { ...signed, 'x-instance-id-signature': signInstanceId('wrong', ID) })).status, 403);
      assert.equal((await get('/latest/meta-data/instance-id', { ...signed, 'x-instance-id-signature': '' })).status, 400);
      assert.equal((await get('/latest/meta-data/instance-id', { 'x-instance-id': ID, 'x-tenant-id': 'proj-a' })).status, 400);
      assert.equal((await get('/latest/meta-data/instance-id', { ...signed, 'x-tenant-id': 'proj-b' })).status, 404);
      const other = '00000000-0000-4000-8000-000000000000';
      assert.equal((await get('/latest/meta-data/instance-id', { ...signed, 'x-instance-id': other, 'x-instance-id-signature': signInstanceId('s3cret', other) })).status, 404);
    } finally {
      await svc.close();
    }
  });
});
