// nova-network's network_manager names and `network create`'s plan (pure).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNetworkManager } from '../../src/plugins/nova_network/modes.js';
import { planNetworks } from '../../src/plugins/nova_network/network-plan.js';

describe('[DEFAULT] network_manager', () => {
  it("takes nova's class paths and the short names; empty is VLAN, as in nova", () => {
    assert.equal(parseNetworkManager('nova.network.manager.FlatManager'), 'flat');
    assert.equal(parseNetworkManager('nova.network.manager.FlatDHCPManager'), 'flatdhcp');
    assert.equal(parseNetworkManager('nova.network.manager.VlanManager'), 'vlan');
    assert.equal(parseNetworkManager('FlatDHCP'), 'flatdhcp');
    assert.equal(parseNetworkManager(''), 'vlan');
    assert.equal(parseNetworkManager(undefined), 'vlan');
  });
  it('refuses anything else, naming the accepted values', () => {
    assert.throws(() => parseNetworkManager('nova.network.manager.Bogus'), /network_manager = nova\.network\.manager\.Bogus: unknown network manager; use one of flat, flatdhcp, vlan/);
  });
});

describe('network create plan', () => {
  const base = { mode: 'vlan' as const, label: 'p', fixedRangeV4: '10.0.0.0/16', numNetworks: 3, networkSize: 256, bridgeInterface: 'eth1', vlanStart: 100, multiHost: false };
  it('cuts consecutive networks from the start of the range: gateway first, pool up to before the broadcast, VLAN and bridge per network', () => {
    const plan = planNetworks(base);
    assert.deepEqual(plan.networks[1], { label: 'p_1', cidr: '10.0.1.0/24', gateway: '10.0.1.1', pool: { start: '10.0.1.2', end: '10.0.1.254' }, vlan: 101, bridge: 'br101', bridgeInterface: 'eth1' });
    assert.equal(plan.covered.last - plan.covered.first + 1n, 768n);
  });
  it('one network keeps the label as given; a flat one has no VLAN and the given bridge', () => {
    const plan = planNetworks({ ...base, mode: 'flat', numNetworks: 1, fixedRangeV4: '10.0.0.0/27', networkSize: 32, vlanStart: null, bridge: 'br100' });
    assert.deepEqual(plan.networks, [{ label: 'p', cidr: '10.0.0.0/27', gateway: '10.0.0.1', pool: { start: '10.0.0.2', end: '10.0.0.30' }, vlan: null, bridge: 'br100', bridgeInterface: 'eth1' }]);
  });
  it('a 1000-network pool is planned without touching the database', () => {
    const plan = planNetworks({ ...base, numNetworks: 1000, networkSize: 64, vlanStart: 1000 });
    assert.equal(plan.networks.length, 1000);
    assert.equal(plan.networks[999].cidr, '10.0.249.192/26');
    assert.equal(plan.networks[999].vlan, 1999);
  });
  it('names the option in every refusal', () => {
    assert.throws(() => planNetworks({ ...base, networkSize: 300 }), /--network_size: 300 is not a power of two/);
    assert.throws(() => planNetworks({ ...base, fixedRangeV4: '10.0.0.0/24', numNetworks: 1, networkSize: 1024 }), /--network_size: 1024 is larger than/);
    assert.throws(() => planNetworks({ ...base, numNetworks: 300 }), /--num_networks: 300 networks of 256 addresses need 76800; 10\.0\.0\.0\/16 has 65536/);
    assert.throws(() => planNetworks({ ...base, vlanStart: 4093 }), /--vlan_start: 3 networks from VLAN 4093 would end at VLAN 4095/);
    assert.throws(() => planNetworks({ ...base, vlanStart: -1 }), /--vlan_start: -1 is outside 1-4094/);
    assert.throws(() => planNetworks({ ...base, fixedRangeV4: 'banana' }), /--fixed_range_v4: 'banana' is not an IPv4 range/);
  });
});
