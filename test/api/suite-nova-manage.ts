// neutrino-manage's commands (nova-network's modes) against the real server on a real database
// (SQLite in the api tier, PostgreSQL in the integration tier): what each command makes is seen
// through the Networking API (one data model), and every bad input is refused with nothing
// written.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NeutronError } from '../../src/api/errors.js';
import { chooseModeNetwork } from '../../src/compute/mode-network.js';
import { NOVA_MODE_TAGS } from '../../src/contract/nova-network.js';
import { buildNovaNetwork, type NovaNetworkParts } from '../../src/plugins/nova_network/nova-network-plugin.js';
import type { NetworkCreateRequest } from '../../src/plugins/nova_network/network-plan.js';
import { asAdmin, asMember, startTestServer, type DbKind, type TestServer } from '../helpers/server.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const ADMIN = asAdmin('admin-project');

const flatDhcp = (over: Partial<NetworkCreateRequest> = {}): NetworkCreateRequest => ({
  mode: 'flatdhcp',
  label: 'private',
  fixedRangeV4: '10.0.0.0/27',
  numNetworks: 1,
  networkSize: 32,
  bridge: 'br100',
  bridgeInterface: 'eth1',
  multiHost: false,
  ...over,
});
const vlanPool = (over: Partial<NetworkCreateRequest> = {}): NetworkCreateRequest => ({
  mode: 'vlan',
  label: 'pool',
  fixedRangeV4: '10.20.0.0/24',
  numNetworks: 4,
  networkSize: 64,
  bridgeInterface: 'eth1',
  vlanStart: 300,
  multiHost: false,
  ...over,
});

export function novaManageSuite(kind: DbKind): void {
  describe(`neutrino-manage: nova-network modes on the core model (${kind})`, () => {
    let s: TestServer;
    let nn: NovaNetworkParts;
    before(async () => {
      s = await startTestServer(kind, { config: { ml2_type_vlan: { network_vlan_ranges: 'eth1,eth2' } } });
      nn = buildNovaNetwork(s.api.services, s.api.core);
    });
    after(async () => {
      await s?.close();
    });

    const ok = async (method: string, path: string, body?: unknown, headers = ADMIN): Promise<Obj> => {
      const r = await s.req(method, path, body, headers);
      assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body as Obj;
    };
    /** every row a create could write, counted */
    const counts = async () => {
      const k = s.db.kysely;
      const n = async (t: 'networks' | 'subnets' | 'networksegments' | 'ml2_segment_allocations' | 'nova_networks' | 'nova_floating_ranges' | 'ports') =>
        Number(
          (
            await k
              .selectFrom(t)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      return {
        networks: await n('networks'),
        subnets: await n('subnets'),
        segments: await n('networksegments'),
        allocations: await n('ml2_segment_allocations'),
        modes: await n('nova_networks'),
        ranges: await n('nova_floating_ranges'),
        ports: await n('ports'),
      };
    };
    /** the call fails with this error type and a message matching `text`, and writes nothing */
    const refused = async (work: () => Promise<unknown>, type: string, text: RegExp): Promise<void> => {
      const before = await counts();
      await assert.rejects(work, (e: NeutronError) => {
        assert.equal(e.type, type, `${e.type}: ${e.message}`);
        assert.match(e.message, text);
        return true;
      });
      assert.deepEqual(await counts(), before, 'nothing half-made');
    };

    it('network create (FlatDHCP) makes a shared flat network on the bridge with one DHCP subnet, seen through the Networking API', async () => {
      const [made] = await nn.networks.create(flatDhcp({ dns1: '192.0.2.53' }));
      assert.equal(made.mode, 'flatdhcp');
      assert.equal(made.cidr, '10.0.0.0/27');
      assert.equal(made.gateway, '10.0.0.1');
      assert.equal(made.dhcpStart, '10.0.0.2');
      assert.equal(made.projectId, null);
      const net = (await ok('GET', `/v2.0/networks/${made.id}`)).network;
      assert.equal(net.name, 'private');
      assert.equal(net.shared, true);
      assert.equal(net['provider:network_type'], 'flat');
      assert.equal(net['provider:physical_network'], 'br100');
      assert.equal(net.subnets.length, 1);
      const sub = (await ok('GET', `/v2.0/subnets/${net.subnets[0]}`)).subnet;
      assert.equal(sub.cidr, '10.0.0.0/27');
      assert.equal(sub.gateway_ip, '10.0.0.1');
      assert.equal(sub.enable_dhcp, true);
      assert.deepEqual(sub.allocation_pools, [{ start: '10.0.0.2', end: '10.0.0.30' }]);
      assert.deepEqual(sub.dns_nameservers, ['192.0.2.53']);
      // every project may use a flat network, as in nova
      const seen = (await ok('GET', '/v2.0/networks', undefined, asMember('someone'))).networks.map((n: Obj) => n.id);
      assert.ok(seen.includes(made.id));
    });

    it('the mode shows through the Networking API as a tag, and boot without --network finds the flat network by it', async () => {
      const tagged = (await ok('GET', `/v2.0/networks?tags-any=${encodeURIComponent(NOVA_MODE_TAGS.join(','))}`)).networks;
      assert.deepEqual(
        tagged.map((n: Obj) => [n.name, n.tags]),
        [['private', ['nova-network:flatdhcp']]],
      );
      assert.equal(chooseModeNetwork(tagged).name, 'private');
    });

    it('network create (Flat) makes a network without DHCP (addresses are injected)', async () => {
      const [made] = await nn.networks.create(flatDhcp({ mode: 'flat', label: 'flatnet', fixedRangeV4: '10.0.1.0/28', networkSize: 16, bridge: 'br101' }));
      const net = (await ok('GET', `/v2.0/networks/${made.id}`)).network;
      const sub = (await ok('GET', `/v2.0/subnets/${net.subnets[0]}`)).subnet;
      assert.equal(sub.enable_dhcp, false);
      assert.equal(made.mode, 'flat');
    });

    it('network create (VLAN) splits the range into a pool: one VLAN, bridge and subnet each, no project yet', async () => {
      const made = await nn.networks.create(vlanPool());
      assert.deepEqual(
        made.map((n) => [n.label, n.cidr, n.vlan, n.bridge, n.projectId]),
        [
          ['pool_0', '10.20.0.0/26', 300, 'br300', null],
          ['pool_1', '10.20.0.64/26', 301, 'br301', null],
          ['pool_2', '10.20.0.128/26', 302, 'br302', null],
          ['pool_3', '10.20.0.192/26', 303, 'br303', null],
        ],
      );
      const net = (await ok('GET', `/v2.0/networks/${made[2].id}`)).network;
      assert.equal(net['provider:network_type'], 'vlan');
      assert.equal(net['provider:physical_network'], 'eth1');
      assert.equal(net['provider:segmentation_id'], 302);
      assert.equal(net.shared, false);
      const seen = (await ok('GET', '/v2.0/networks', undefined, asMember('someone'))).networks.map((n: Obj) => n.id);
      assert.ok(!seen.includes(made[2].id), 'a pool network is no project’s');
      // pool networks are no project's: a boot without --network does not pick them
      const tagged = (await ok('GET', `/v2.0/networks?tags-any=${encodeURIComponent(NOVA_MODE_TAGS.join(','))}`)).networks;
      assert.equal(tagged.length, 6);
      assert.throws(() => chooseModeNetwork(tagged), /2 nova-network networks could take the instance: (private|flatnet) .*, (private|flatnet) .*; pass --network/);
      assert.throws(() => chooseModeNetwork(tagged.filter((n: Obj) => !n.shared)), /no nova-network network is in use yet \(4 VLAN network\(s\) in the pool\)/);
      const listed = await nn.networks.list();
      assert.deepEqual(
        listed.map((n) => n.cidr),
        ['10.0.0.0/27', '10.0.1.0/28', '10.20.0.0/26', '10.20.0.64/26', '10.20.0.128/26', '10.20.0.192/26'],
      );
    });

    it('bad input: network_size not a power of two, larger than the range, too many networks, no room for instances', async () => {
      await refused(() => nn.networks.create(vlanPool({ fixedRangeV4: '10.30.0.0/24', networkSize: 100 })), 'InvalidInput', /--network_size: 100 is not a power of two/);
      await refused(
        () => nn.networks.create(vlanPool({ fixedRangeV4: '10.30.0.0/24', numNetworks: 1, networkSize: 512 })),
        'InvalidInput',
        /--network_size: 512 is larger than --fixed_range_v4 10\.30\.0\.0\/24/,
      );
      await refused(
        () => nn.networks.create(vlanPool({ fixedRangeV4: '10.30.0.0/24', numNetworks: 5 })),
        'InvalidInput',
        /--num_networks: 5 networks of 64 addresses need 320; 10\.30\.0\.0\/24 has 256/,
      );
      await refused(() => nn.networks.create(vlanPool({ fixedRangeV4: '10.30.0.0/24', networkSize: 2 })), 'InvalidInput', /--network_size: 2 leaves no address/);
      await refused(() => nn.networks.create(vlanPool({ numNetworks: 0 })), 'InvalidInput', /--num_networks/);
    });

    it('bad input: a range that is not an IPv4 CIDR, has host bits, or overlaps a subnet — a nova one or one made through the Networking API', async () => {
      await refused(() => nn.networks.create(vlanPool({ fixedRangeV4: '10.30.0.0' })), 'InvalidInput', /--fixed_range_v4: '10\.30\.0\.0' is not an IPv4 range/);
      await refused(() => nn.networks.create(vlanPool({ fixedRangeV4: 'fd00::/64' })), 'InvalidInput', /--fixed_range_v4/);
      await refused(() => nn.networks.create(vlanPool({ fixedRangeV4: '10.30.0.5/24' })), 'InvalidInput', /host bits set; did you mean 10\.30\.0\.0\/24/);
      await refused(() => nn.networks.create(vlanPool({ fixedRangeV4: '10.20.0.128/25', numNetworks: 2, vlanStart: 400 })), 'CidrConflict', /10\.20\.0\.128\/25 overlaps 10\.20\.0\.128\/26/);
      const neutron = (await ok('POST', '/v2.0/networks', { network: { name: 'api-made' } })).network;
      await ok('POST', '/v2.0/subnets', { subnet: { network_id: neutron.id, cidr: '10.40.5.0/24', ip_version: 4 } });
      await refused(
        () => nn.networks.create(vlanPool({ fixedRangeV4: '10.40.0.0/16', numNetworks: 10, networkSize: 1024, vlanStart: 400 })),
        'CidrConflict',
        new RegExp(`overlaps 10\\.40\\.5\\.0/24, a subnet of network ${neutron.id}`),
      );
      // the part of the range the networks do not cover is not checked: 10.40.5.0/24 lies beyond 4 × /24
      const made = await nn.networks.create(vlanPool({ fixedRangeV4: '10.40.0.0/16', numNetworks: 4, networkSize: 256, vlanStart: 400 }));
      assert.equal(made.length, 4);
    });

    it('bad input: vlan_start out of range, running past 4094, colliding with a VLAN in use (also one made through the Networking API)', async () => {
      await refused(() => nn.networks.create(vlanPool({ fixedRangeV4: '10.50.0.0/24', vlanStart: 0 })), 'InvalidInput', /--vlan_start: 0 is outside 1-4094/);
      await refused(() => nn.networks.create(vlanPool({ fixedRangeV4: '10.50.0.0/24', vlanStart: 4095 })), 'InvalidInput', /--vlan_start: 4095 is outside 1-4094/);
      await refused(() => nn.networks.create(vlanPool({ fixedRangeV4: '10.50.0.0/24', vlanStart: 4092 })), 'InvalidInput', /4 networks from VLAN 4092 would end at VLAN 4095, beyond 4094/);
      await refused(() => nn.networks.create(vlanPool({ fixedRangeV4: '10.50.0.0/24', vlanStart: 298 })), 'VlanIdInUse', /VLAN 300 on eth1 is already network/);
      const provider = (await ok('POST', '/v2.0/networks', { network: { name: 'prov', 'provider:network_type': 'vlan', 'provider:physical_network': 'eth1', 'provider:segmentation_id': 602 } }))
        .network;
      await refused(() => nn.networks.create(vlanPool({ fixedRangeV4: '10.50.0.0/24', vlanStart: 600 })), 'VlanIdInUse', new RegExp(`VLAN 602 on eth1 is already network ${provider.id}`));
      // the same VLAN ids on another interface: the VLANs are free there, the bridges (br<vlan>) are not
      await refused(
        () => nn.networks.create(vlanPool({ fixedRangeV4: '10.50.0.0/24', vlanStart: 300, bridgeInterface: 'eth2', label: 'other' })),
        'NovaNetworkBridgeInUse',
        /bridge br300 already carries network/,
      );
      const [one] = await nn.networks.create(vlanPool({ fixedRangeV4: '10.50.0.0/24', numNetworks: 1, vlanStart: 300, bridgeInterface: 'eth2', bridge: 'br-e2-300', label: 'other' }));
      assert.equal(one.vlan, 300);
      assert.equal(one.bridgeInterface, 'eth2');
    });

    it('bad input: a bridge in use, a VLAN interface the server does not know, flat modes with several networks or no bridge', async () => {
      await refused(() => nn.networks.create(flatDhcp({ fixedRangeV4: '10.60.0.0/27' })), 'NovaNetworkBridgeInUse', /bridge br100 already carries network/);
      await refused(() => nn.networks.create(vlanPool({ fixedRangeV4: '10.60.0.0/24', bridgeInterface: 'eth9', vlanStart: 700 })), 'InvalidInput', /eth9.*\[ml2_type_vlan\] network_vlan_ranges/);
      await refused(
        () => nn.networks.create(flatDhcp({ fixedRangeV4: '10.60.0.0/26', numNetworks: 2, bridge: 'br110' })),
        'InvalidInput',
        /--num_networks: flatdhcp mode makes one network per bridge/,
      );
      await refused(() => nn.networks.create(flatDhcp({ fixedRangeV4: '10.60.0.0/27', bridge: null })), 'InvalidInput', /--bridge: flatdhcp networks need the bridge/);
      await refused(
        () => nn.networks.create(flatDhcp({ fixedRangeV4: '10.60.0.0/27', bridge: 'a-very-long-bridge-name' })),
        'InvalidInput',
        /--bridge: 'a-very-long-bridge-name' is not a Linux interface name/,
      );
      await refused(() => nn.networks.create(flatDhcp({ fixedRangeV4: '10.60.0.0/27', bridge: 'br111', vlanStart: 5 })), 'InvalidInput', /--vlan_start: only VLAN networks have VLANs/);
      await refused(() => nn.networks.create(vlanPool({ fixedRangeV4: '10.60.0.0/24', bridge: 'brx', vlanStart: 700 })), 'InvalidInput', /--bridge: names one bridge/);
      await refused(() => nn.networks.create(vlanPool({ fixedRangeV4: '10.60.0.0/24', bridgeInterface: null, vlanStart: 700 })), 'InvalidInput', /--bridge_interface: VLAN networks need/);
      await refused(() => nn.networks.create(flatDhcp({ label: ' ', fixedRangeV4: '10.60.0.0/27', bridge: 'br112' })), 'InvalidInput', /--label/);
      await refused(() => nn.networks.create(flatDhcp({ fixedRangeV4: '10.60.0.0/27', bridge: 'br112', dns1: 'nine' })), 'InvalidInput', /--dns1: 'nine' is not an IPv4 address/);
    });

    it('network modify gives a pool network to a project (its own through the API, default security group made) and takes it back', async () => {
      const cidr = '10.20.0.64/26';
      const project = 'proj-vlan-1';
      const n = await nn.networks.setProject(cidr, project);
      assert.equal(n.projectId, project);
      const net = (await ok('GET', `/v2.0/networks/${n.id}`, undefined, asMember(project))).network;
      assert.equal(net.project_id, project);
      const sub = (await ok('GET', `/v2.0/subnets/${net.subnets[0]}`, undefined, asMember(project))).subnet;
      assert.equal(sub.project_id, project);
      const groups = (await ok('GET', '/v2.0/security-groups', undefined, asMember(project))).security_groups;
      assert.ok(groups.some((g: Obj) => g.name === 'default'));
      // delete is refused while a project holds the network
      await refused(() => nn.networks.delete(cidr), 'NetworkInUse', /belongs to project proj-vlan-1: disassociate it first/);
      // and modify while the project's instances are on it
      const vm = (await ok('POST', '/v2.0/ports', { port: { network_id: n.id, device_owner: 'compute:nova', device_id: 'vm-1' } }, asMember(project))).port;
      await refused(() => nn.networks.setProject(cidr, null), 'NetworkInUse', /still has 1 instance port/);
      await ok('DELETE', `/v2.0/ports/${vm.id}`, undefined, asMember(project));
      const back = await nn.networks.setProject(cidr, null);
      assert.equal(back.projectId, null);
      assert.equal((await s.req('GET', `/v2.0/networks/${n.id}`, undefined, asMember(project))).status, 404);
      await refused(() => nn.networks.setProject('10.20.9.0/26', project), 'NetworkNotFoundForCidr', /10\.20\.9\.0\/26/);
    });

    it('network delete: by range, refused while instances are on it, then gone from the Networking API with its VLAN free again', async () => {
      const cidr = '10.20.0.192/26';
      const [n] = (await nn.networks.list()).filter((x) => x.cidr === cidr);
      const port = (await ok('POST', '/v2.0/ports', { port: { network_id: n.id, device_owner: 'compute:nova', device_id: 'vm-2' } })).port;
      await refused(() => nn.networks.delete(cidr), 'NetworkInUse', /still has 1 instance port/);
      await ok('DELETE', `/v2.0/ports/${port.id}`);
      const gone = await nn.networks.delete(cidr);
      assert.equal(gone.id, n.id);
      assert.equal((await s.req('GET', `/v2.0/networks/${n.id}`, undefined, ADMIN)).status, 404);
      await refused(() => nn.networks.delete(cidr), 'NetworkNotFoundForCidr', /no nova-network network has the range 10\.20\.0\.192\/26/);
      // its VLAN (303) and bridge can be had again
      const [again] = await nn.networks.create(vlanPool({ fixedRangeV4: '10.20.0.192/26', numNetworks: 1, vlanStart: 303, label: 'again' }));
      assert.equal(again.vlan, 303);
    });

    it('fixed reserve keeps an address from instances (a network:reserved port holds it); unreserve gives it back', async () => {
      const [net] = (await nn.networks.list()).filter((x) => x.cidr === '10.0.0.0/27');
      const r = await nn.reserved.reserve('10.0.0.5');
      assert.equal(r.networkId, net.id);
      const port = (await ok('GET', `/v2.0/ports/${r.portId}`)).port;
      assert.equal(port.device_owner, 'network:reserved');
      assert.deepEqual(
        port.fixed_ips.map((f: Obj) => f.ip_address),
        ['10.0.0.5'],
      );
      const clash = await s.req('POST', '/v2.0/ports', { port: { network_id: net.id, fixed_ips: [{ ip_address: '10.0.0.5' }] } }, ADMIN);
      assert.equal(clash.status, 409, JSON.stringify(clash.body));
      await refused(() => nn.reserved.reserve('10.0.0.5'), 'FixedIpInvalid', /reserved already/);
      await refused(() => nn.reserved.reserve('10.0.0.1'), 'FixedIpInvalid', /gateway of 10\.0\.0\.0\/27/);
      await refused(() => nn.reserved.reserve('10.0.0.0'), 'FixedIpInvalid', /network address/);
      await refused(() => nn.reserved.reserve('10.0.0.31'), 'FixedIpInvalid', /broadcast address/);
      await refused(() => nn.reserved.reserve('10.99.0.5'), 'FixedIpNotFoundForAddress', /10\.99\.0\.5 is in no nova-network network's range/);
      await refused(() => nn.reserved.reserve('ten'), 'InvalidInput', /--address: 'ten' is not an IPv4 address/);
      const vm = (await ok('POST', '/v2.0/ports', { port: { network_id: net.id, device_owner: 'compute:nova', device_id: 'vm-3', fixed_ips: [{ ip_address: '10.0.0.9' }] } })).port;
      await refused(() => nn.reserved.reserve('10.0.0.9'), 'FixedIpInvalid', new RegExp(`port ${vm.id} \\(compute:nova vm-3\\) holds it`));
      await ok('DELETE', `/v2.0/ports/${vm.id}`);
      await nn.reserved.unreserve('10.0.0.5');
      assert.equal((await s.req('GET', `/v2.0/ports/${r.portId}`, undefined, ADMIN)).status, 404);
      await refused(() => nn.reserved.unreserve('10.0.0.5'), 'FixedIpNotFoundForAddress', /10\.0\.0\.5 is not reserved/);
      const taken = (await ok('POST', '/v2.0/ports', { port: { network_id: net.id, fixed_ips: [{ ip_address: '10.0.0.5' }] } })).port;
      await ok('DELETE', `/v2.0/ports/${taken.id}`);
    });

    it('a network with reservations is deleted with them', async () => {
      const [n] = await nn.networks.create(flatDhcp({ mode: 'flat', label: 'short', fixedRangeV4: '10.70.0.0/29', networkSize: 8, bridge: 'br170' }));
      await nn.reserved.reserve('10.70.0.3');
      await nn.networks.delete('10.70.0.0/29');
      assert.equal((await s.req('GET', `/v2.0/networks/${n.id}`, undefined, ADMIN)).status, 404);
    });

    it('floating create makes the pool an external network (a subnet per range); its addresses become Neutron floating IPs', async () => {
      const r1 = await nn.floating.create('172.24.4.0/28', 'public', 'eth3');
      assert.equal(r1.addresses, 14);
      const r2 = await nn.floating.create('172.24.4.16/28', 'public', 'eth3');
      assert.equal(r2.networkId, r1.networkId);
      const net = (await ok('GET', `/v2.0/networks/${r1.networkId}`)).network;
      assert.equal(net.name, 'public');
      assert.equal(net['router:external'], true);
      assert.equal(net['provider:physical_network'], 'eth3');
      assert.equal(net.subnets.length, 2);
      const all = await nn.floating.list();
      assert.equal(all.length, 28);
      assert.deepEqual(all[0], { address: '172.24.4.1', pool: 'public', interface: 'eth3', projectId: null, instanceId: null, host: null });
      // allocated through the Networking API by a project: the list shows it, delete is refused
      const fip = (await ok('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: r1.networkId, subnet_id: r1.subnetId } }, asMember('proj-fip'))).floatingip;
      const entry = (await nn.floating.list()).find((f) => f.address === fip.floating_ip_address)!;
      assert.equal(entry.projectId, 'proj-fip');
      assert.equal((await nn.floating.list('compute9')).length, 0);
      await refused(() => nn.floating.delete('172.24.4.0/28'), 'FloatingIpAssociated', /still has 1 allocated address/);
      await ok('DELETE', `/v2.0/floatingips/${fip.id}`, undefined, asMember('proj-fip'));
      await nn.floating.delete('172.24.4.0/28');
      assert.equal((await ok('GET', `/v2.0/networks/${r1.networkId}`)).network.subnets.length, 1);
      // the pool's network goes with its last range
      await nn.floating.delete('172.24.4.16/28');
      assert.equal((await s.req('GET', `/v2.0/networks/${r1.networkId}`, undefined, ADMIN)).status, 404);
    });

    it('bad input for floating ranges: overlap, not a CIDR, too large, another interface for a pool, an interface in use, no such range', async () => {
      await nn.floating.create('172.25.0.0/28', 'ext', 'eth4');
      await refused(() => nn.floating.create('172.25.0.8/29', 'ext', 'eth4'), 'FloatingIpExists', /172\.25\.0\.8\/29 overlaps 172\.25\.0\.0\/28 of pool ext/);
      await refused(() => nn.floating.create('10.0.0.0/28', 'ext', 'eth4'), 'FloatingIpExists', /overlaps 10\.0\.0\.0\/27/);
      await refused(() => nn.floating.create('172.25.1.0', 'ext', 'eth4'), 'InvalidInput', /--ip_range: '172\.25\.1\.0' is not an IPv4 range/);
      await refused(() => nn.floating.create('172.0.0.0/8', 'ext', 'eth4'), 'InvalidInput', /larger than a \/16/);
      await refused(() => nn.floating.create('172.25.1.0/28', 'ext', 'eth5'), 'InvalidInput', /--interface: pool ext is on eth4/);
      await refused(() => nn.floating.create('172.25.1.0/28', 'other', 'eth4'), 'InvalidInput', /--interface: eth4 already carries network/);
      await refused(() => nn.floating.create('172.25.1.0/28', '', 'eth6'), 'InvalidInput', /--pool/);
      await refused(() => nn.floating.delete('172.25.9.0/28'), 'FloatingIpNotFound', /no floating range 172\.25\.9\.0\/28/);
    });
  });
}
