// Pure parts of the compute shim: the ip batches that plug an instance, --fixed-ip parsing,
// the reverter, and the instance record store.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { plugBatches, tapMac } from '../../src/compute/instance-netns.js';
import { checkInstanceName, InstanceStore } from '../../src/compute/instance-store.js';
import { parseFixedIp } from '../../src/compute/resolve.js';
import { Reverter } from '../../src/compute/reverter.js';

describe('plugBatches', () => {
  const base = { netns: 'vm-a', tap: 'tapabcdef01-23', mac: 'fa:16:3e:01:02:03', mtu: 1450 };

  it('makes the tap the main end (it may come up) in the host namespace, eth0 the peer in the instance', () => {
    const b = plugBatches({ ...base, hostNamespace: 'lab-compute1', addresses: [{ ip: '10.0.0.5', prefixlen: 24, version: 4 }], gateways: [{ ip: '10.0.0.1', version: 4 }] });
    assert.deepEqual(b.root.trim().split('\n'), [
      'netns add vm-a',
      'link add tapabcdef01-23 netns lab-compute1 address fe:16:3e:01:02:03 mtu 1450 up type veth peer name eth0 netns vm-a address fa:16:3e:01:02:03 mtu 1450',
    ]);
    assert.doesNotMatch(b.root, /peer name eth0[^\n]* up\b/, 'the peer never carries up (RTNETLINK fails)');
    assert.deepEqual(b.instance.trim().split('\n'), ['link set lo up', 'link set eth0 up', 'addr add 10.0.0.5/24 dev eth0', 'route add default via 10.0.0.1 dev eth0']);
  });

  it('leaves the tap in the root namespace when the host is the real one; IPv6 without DAD', () => {
    const b = plugBatches({
      ...base,
      hostNamespace: '',
      addresses: [
        { ip: '10.0.0.5', prefixlen: 24, version: 4 },
        { ip: '2001:db8::5', prefixlen: 64, version: 6 },
      ],
      gateways: [{ ip: '2001:db8::1', version: 6 }],
    });
    assert.match(b.root, /^link add tapabcdef01-23 address /m);
    assert.match(b.instance, /^addr add 2001:db8::5\/64 dev eth0 nodad$/m);
    assert.match(b.instance, /^route add ::\/0 via 2001:db8::1 dev eth0$/m);
    assert.doesNotMatch(b.instance, /route add default/);
  });

  it('gives the tap the port MAC with fe: first, as libvirt does', () => {
    assert.equal(tapMac('fa:16:3e:aa:bb:cc'), 'fe:16:3e:aa:bb:cc');
  });
});

describe('parseFixedIp', () => {
  it('takes an address, or subnet=…,ip=… (ip-address= as the openstack CLI)', () => {
    assert.deepEqual(parseFixedIp('10.0.0.5'), { ip: '10.0.0.5' });
    assert.deepEqual(parseFixedIp('subnet=sub1,ip=10.0.0.5'), { subnet: 'sub1', ip: '10.0.0.5' });
    assert.deepEqual(parseFixedIp('subnet=sub1,ip-address=10.0.0.5'), { subnet: 'sub1', ip: '10.0.0.5' });
    assert.deepEqual(parseFixedIp('subnet=sub1'), { subnet: 'sub1' });
  });
  it('refuses unknown or empty parts, naming them', () => {
    assert.throws(() => parseFixedIp('net=x,ip=1.2.3.4'), /unknown or empty part "net=x"/);
    assert.throws(() => parseFixedIp('subnet=,ip=1.2.3.4'), /unknown or empty part "subnet="/);
    assert.throws(() => parseFixedIp(' '), /needs an address/);
  });
});

describe('Reverter', () => {
  it('undoes newest first, reports failed undos, and does nothing once disarmed', async () => {
    const done: string[] = [];
    const r = new Reverter();
    r.add('one', async () => done.push('one'));
    r.add('two', async () => {
      throw new Error('boom');
    });
    r.add('three', async () => done.push('three'));
    assert.deepEqual(await r.revert(), ['two: boom']);
    assert.deepEqual(done, ['three', 'one']);
    const k = new Reverter();
    k.add('x', async () => done.push('x'));
    k.disarm();
    assert.deepEqual(await k.revert(), []);
    assert.ok(!done.includes('x'));
  });
});

describe('InstanceStore', () => {
  it('keeps records and settings as files; netns = prefix + name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'neutrino-store-'));
    try {
      const s = new InstanceStore(dir);
      assert.equal(s.netnsFor('a'), 'vm-a');
      assert.deepEqual(s.list(), []);
      s.writeSettings({ netns_prefix: 'lab-vm-', host_namespaces: { compute1: 'lab-compute1' } });
      assert.equal(s.netnsFor('a'), 'lab-vm-a');
      const rec = {
        name: 'a',
        id: 'i',
        host: 'compute1',
        netns: 'lab-vm-a',
        host_namespace: 'lab-compute1',
        port_id: 'p',
        tap: 'tapp',
        mac: 'fa:16:3e:00:00:01',
        network_id: 'n',
        network_name: 'net1',
        mtu: 1450,
        fixed_ips: [],
        created_at: 'now',
      };
      s.save(rec);
      assert.deepEqual(s.read('a'), rec);
      assert.deepEqual(
        s.list().map((r) => r.name),
        ['a'],
        'settings.json is not an instance',
      );
      s.remove('a');
      assert.equal(s.read('a'), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('refuses names that are not safe as namespace and file names', () => {
    for (const bad of ['', '-x', 'a/b', '../x', 'a b', 'x'.repeat(41)]) assert.throws(() => checkInstanceName(bad), /not valid/, bad);
    checkInstanceName('web-1.a_b');
  });
});
