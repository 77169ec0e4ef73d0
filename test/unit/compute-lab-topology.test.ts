// The lab's shape: namespaces, underlay batches, addresses and config files.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Config } from '../../src/config/config.js';
import { agentConfig, checkPrefix, hostBatch, internetBatch, labLayout, managementTransportUrl, netnsBatch, relayCommands, serverConfig, underlayBatch, withVhost } from '../../src/lab/topology.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('lab topology', () => {
  const l = labLayout('lab-', 2, '/tmp/neutrino-lab', 9696);

  it('has controller, network and the computes, each in its prefixed namespace with its own addresses', () => {
    assert.deepEqual(
      l.hosts.map((h) => [h.name, h.netns, h.mgmtIp, h.tunnelIp, h.agent]),
      [
        ['controller', 'lab-controller', '10.20.0.10', '10.21.0.10', false],
        ['network', 'lab-network', '10.20.0.11', '10.21.0.11', true],
        ['compute1', 'lab-compute1', '10.20.0.12', '10.21.0.12', true],
        ['compute2', 'lab-compute2', '10.20.0.13', '10.21.0.13', true],
      ],
    );
    assert.equal(l.underlayNetns, 'lab-underlay');
    assert.equal(l.vhost, 'neutrino-lab-lab');
    assert.deepEqual(netnsBatch(l).trim().split('\n'), [
      'netns add lab-underlay',
      'netns add lab-controller',
      'netns add lab-network',
      'netns add lab-compute1',
      'netns add lab-compute2',
      'netns add lab-internet',
    ]);
    assert.equal(l.internetNetns, 'lab-internet');
  });

  it('--topology places the DHCP and L3 agents: network host, controller, or one host for everything', () => {
    const shape = (x: ReturnType<typeof labLayout>) => x.hosts.map((h) => `${h.name}:${h.services ? 'all' : h.agent ? 'l2' : '-'}`);
    assert.deepEqual(shape(l), ['controller:-', 'network:all', 'compute1:l2', 'compute2:l2']);
    const cc = labLayout('lab-', 1, '/d', 9696, 'controller-compute');
    assert.deepEqual(shape(cc), ['controller:all', 'compute1:l2']);
    assert.equal(cc.serviceHost, 'controller');
    assert.deepEqual(
      cc.hosts.map((h) => h.tunnelIp),
      ['10.21.0.10', '10.21.0.11'],
    );
    const aio = labLayout('lab-', 0, '/d', 9696, 'all-in-one');
    assert.deepEqual(shape(aio), ['controller:all']);
    assert.throws(() => labLayout('lab-', 2, '/d', 9696, 'all-in-one'), /no compute host/);
    assert.throws(() => labLayout('lab-', 0, '/d', 9696, 'controller-compute'), /--computes 0/);
    assert.throws(() => labLayout('lab-', 1, '/d', 9696, 'mesh' as never), /--topology mesh/);
  });

  it('joins every host to the four underlay bridges; device names fit in 15 characters', () => {
    const b = underlayBatch(labLayout('lab-', 50, '/d', 9696));
    for (const br of ['br-mgmt', 'br-tun', 'br-phys1', 'br-ext', 'br-api']) assert.match(b, new RegExp(`^link add ${br} type bridge$`, 'm'));
    // the API network: the controller's eth4 only, the clients' end on br-api itself
    assert.match(b, /^addr add 10\.22\.0\.1\/24 dev br-api$/m);
    assert.match(b, /^link add eth4 netns lab-controller up type veth peer name h0-eth4$/m);
    assert.doesNotMatch(b, /h[1-9]\d*-eth4/);
    assert.match(b, /^link add eth2 netns lab-compute1 up type veth peer name h2-eth2$/m);
    assert.match(b, /^link set h2-eth2 master br-phys1 up$/m);
    const names = [...b.matchAll(/peer name (\S+)/g)].map((m) => m[1]);
    // four per host, the controller's API NIC, and the outside world's one on br-ext
    assert.equal(names.length, 52 * 4 + 1 + 1);
    assert.match(b, /^link add eth0 netns lab-internet up type veth peer name inet-eth0\nlink set inet-eth0 master br-ext up$/m);
    assert.equal(internetBatch(), 'link set lo up\naddr add 172.24.4.1/24 dev eth0\naddr add 198.51.100.1/32 dev lo\n');
    assert.ok(
      names.every((n) => n.length <= 15),
      names.find((n) => n.length > 15),
    );
    assert.equal(hostBatch(l.hosts[2]), 'link set lo up\naddr add 10.20.0.12/24 dev eth0\naddr add 10.21.0.12/24 dev eth1\n');
    assert.equal(hostBatch(l.hosts[0]), 'link set lo up\naddr add 10.20.0.10/24 dev eth0\naddr add 10.21.0.10/24 dev eth1\naddr add 10.22.0.10/24 dev eth4\n');
  });

  it("puts management and API traffic on their underlays: RabbitMQ on the controller's eth0, relays to the root namespace", () => {
    const url = managementTransportUrl(l, 'rabbit://guest:guest@127.0.0.1:5672/');
    assert.equal(url, 'rabbit://guest:guest@10.20.0.10:5672/neutrino-lab-lab');
    const r = relayCommands(l, 'rabbit://guest:guest@127.0.0.1:5672/');
    assert.deepEqual(r['relay-amqp-root'], ['socat', 'UNIX-LISTEN:/tmp/neutrino-lab/run/amqp.sock,fork,unlink-early', 'TCP:127.0.0.1:5672,nodelay']);
    assert.deepEqual(r['relay-amqp-mgmt'], [
      'nsenter',
      '--net=/run/netns/lab-controller',
      '--',
      'socat',
      'TCP-LISTEN:5672,bind=10.20.0.10,fork,reuseaddr,nodelay',
      'UNIX-CONNECT:/tmp/neutrino-lab/run/amqp.sock',
    ]);
    assert.deepEqual(r['relay-api-net'], ['nsenter', '--net=/run/netns/lab-underlay', '--', 'socat', 'UNIX-LISTEN:/tmp/neutrino-lab/run/api.sock,fork,unlink-early', 'TCP:10.22.0.10:9696,nodelay']);
    assert.deepEqual(r['relay-api-root'], ['socat', 'TCP-LISTEN:9696,bind=127.0.0.1,fork,reuseaddr,nodelay', 'UNIX-CONNECT:/tmp/neutrino-lab/run/api.sock']);
  });

  it('writes configs the server and agents read as intended', () => {
    const dir = mkdtempSync(join(tmpdir(), 'neutrino-labconf-'));
    try {
      const url = withVhost('rabbit://guest:guest@127.0.0.1:5672/', 'neutrino-lab-lab');
      assert.equal(url, 'rabbit://guest:guest@127.0.0.1:5672/neutrino-lab-lab');
      writeFileSync(join(dir, 's.conf'), serverConfig(l, url));
      const s = Config.load([join(dir, 's.conf')]);
      s.validate();
      assert.equal(s.int('DEFAULT', 'bind_port'), 9696);
      assert.equal(s.int('DEFAULT', 'agent_down_time'), 10);
      assert.equal(s.str('database', 'connection'), 'sqlite:////tmp/neutrino-lab/neutrino.sqlite');
      assert.deepEqual(s.list('ml2', 'tenant_network_types'), ['vxlan']);
      assert.deepEqual(s.list('ml2', 'mechanism_drivers'), ['linuxbridge', 'openvswitch', 'l2population']);
      assert.deepEqual(s.list('ml2_type_flat', 'flat_networks'), ['physnet1', 'public']);
      writeFileSync(join(dir, 'a.conf'), agentConfig(l, l.hosts[2], url));
      const a = Config.load([join(dir, 'a.conf')]);
      a.validate();
      assert.equal(a.str('DEFAULT', 'host'), 'compute1');
      assert.equal(a.str('DEFAULT', 'transport_url'), url);
      assert.equal(a.str('agent', 'host_namespace'), 'lab-compute1');
      assert.equal(a.int('agent', 'report_interval'), 2);
      assert.equal(a.str('vxlan', 'local_ip'), '10.21.0.12');
      assert.deepEqual(a.list('linux_bridge', 'physical_interface_mappings'), ['physnet1:eth2', 'public:eth3']);
      // --mechanism mixed: the network host and compute1 run the Open vSwitch agent, compute2 Linux bridge
      const m = labLayout('lab-', 2, '/tmp/neutrino-lab', 9696, 'controller-network-compute', 'mixed');
      assert.deepEqual(
        m.hosts.map((h) => `${h.name}:${h.l2}`),
        ['controller:linuxbridge', 'network:openvswitch', 'compute1:openvswitch', 'compute2:linuxbridge'],
      );
      assert.equal(hostBatch(m.hosts[2]), 'link set lo up\naddr add 10.20.0.12/24 dev eth0\n', 'the tunnel address goes on the OVS bridge, not eth1');
      writeFileSync(join(dir, 'o.conf'), agentConfig(m, m.hosts[2], url));
      const o = Config.load([join(dir, 'o.conf')]);
      o.validate();
      assert.equal(o.str('ovs', 'ovsdb_connection'), 'unix:/tmp/neutrino-lab/hosts/compute1/ovs/db.sock');
      assert.equal(o.str('ovs', 'local_ip'), '10.21.0.12');
      assert.deepEqual(o.list('ovs', 'bridge_mappings'), ['physnet1:br-eth2']);
      assert.deepEqual(o.list('agent', 'tunnel_types'), ['vxlan']);
      assert.equal(o.str('securitygroup', 'firewall_driver'), 'noop');
      assert.throws(() => labLayout('lab-', 2, '/d', 9696, 'controller-network-compute', 'ovn' as never), /--mechanism ovn/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with metadata: the server loads the metadata plugin and service, the network host runs proxies towards it, the computes do not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'neutrino-labconf-'));
    try {
      const md = { port: 18775, secret: 'labsecret' };
      const url = 'rabbit://guest:guest@127.0.0.1:5672/neutrino-lab-lab';
      writeFileSync(join(dir, 's.conf'), serverConfig(l, url, md));
      const s = Config.load([join(dir, 's.conf')]);
      s.validate();
      assert.deepEqual(s.list('DEFAULT', 'service_plugins'), ['router', 'metadata']);
      assert.equal(s.str('DEFAULT', 'metadata_listen'), '10.20.0.10', "on the controller's management address, where the network host's agent reaches it");
      assert.equal(s.int('DEFAULT', 'metadata_listen_port'), 18775);
      assert.equal(s.str('DEFAULT', 'metadata_proxy_shared_secret'), 'labsecret');
      const network = l.hosts.find((h) => h.services)!;
      writeFileSync(join(dir, 'n.conf'), agentConfig(l, network, url, md));
      const n = Config.load([join(dir, 'n.conf')]);
      n.validate();
      assert.equal(n.bool('DEFAULT', 'enable_metadata_proxy'), true);
      assert.equal(n.bool('DEFAULT', 'enable_isolated_metadata'), true);
      assert.equal(n.str('DEFAULT', 'nova_metadata_host'), '10.20.0.10');
      assert.equal(n.int('DEFAULT', 'nova_metadata_port'), 18775);
      assert.equal(n.str('DEFAULT', 'metadata_proxy_shared_secret'), 'labsecret');
      assert.equal(n.str('DEFAULT', 'metadata_proxy_socket'), '/tmp/neutrino-lab/hosts/network/metadata_proxy', 'the proxies and the agent of the host meet on one socket');
      writeFileSync(join(dir, 'c.conf'), agentConfig(l, l.hosts[2], url, md));
      const c = Config.load([join(dir, 'c.conf')]);
      assert.equal(c.bool('DEFAULT', 'enable_metadata_proxy'), false);
      assert.equal(c.str('DEFAULT', 'metadata_proxy_shared_secret'), '', 'a compute host does not hold the secret');
      // without metadata (callers that do not ask): the plain server of before
      assert.deepEqual(Config.load([], {}).list('DEFAULT', 'service_plugins'), ['router']);
      assert.doesNotMatch(serverConfig(l, url), /metadata/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses prefixes that could match other namespaces, and out-of-range sizes', () => {
    for (const bad of ['', '-', '*', 'a b', 'x'.repeat(21)]) assert.throws(() => checkPrefix(bad), /--prefix/, bad);
    assert.throws(() => labLayout('lab-', 0, '/d', 9696), /--computes 0/);
    assert.throws(() => labLayout('lab-', 2, '/d', 70000), /--port 70000/);
  });
});
