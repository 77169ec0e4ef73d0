// A FlatDHCP network made by neutrino-manage, wired by a real Linux bridge agent on the kernel:
// with [DEFAULT] flat_network_bridge and flat_interface the agent puts the host's interface
// under the bridge with its address and default route, reports the bridge as the physical
// network of that name, and plugs the network's instances into it, so they reach the wire of
// flat_interface (a neighbour namespace) while the host keeps its own address and route.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { NoopFirewall } from '../../src/agents/firewall/noop-firewall.js';
import { L2Agent } from '../../src/agents/l2/l2-agent.js';
import { LinuxBridgeDataplane } from '../../src/agents/linuxbridge/linuxbridge-dataplane.js';
import { Config } from '../../src/config/config.js';
import { tapName } from '../../src/contract/device-names.js';
import { run } from '../../src/linux/exec.js';
import { readLayer3 } from '../../src/linux/flat-bridge.js';
import { showLinks } from '../../src/linux/links.js';
import { buildNovaNetwork } from '../../src/plugins/nova_network/nova-network-plugin.js';
import { asAdmin, startTestServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

const log = pino({ level: process.env.NEUTRINO_TEST_LOG ?? 'silent' });
const ADMIN = asAdmin('admin-project');
const P = `nv${process.pid % 10000}`;
const HOST = `${P}ah`;
const WIRE = `${P}aw`; // what is on the other end of flat_interface: the gateway and a neighbour
const VM = `${P}av`;
const IFACE = `${P}e1`;
const BRIDGE = `${P}br1`;
const HOSTNAME = `${P}-compute1`;
const sh = (netns: string, lines: string[]) => run('ip', ['-batch', '-'], { netns, input: `${lines.join('\n')}\n` });

describe('FlatDHCP on a Linux bridge agent: flat_interface under flat_network_bridge, instances on the bridge', () => {
  let s: TestServer;
  let agent: L2Agent | null = null;

  const cleanup = async () => {
    for (const ns of [VM, HOST, WIRE]) await run('ip', ['netns', 'del', ns], { allowFailure: true });
  };

  before(async () => {
    await cleanup();
    s = await startTestServer('sqlite', { config: { ml2: { type_drivers: 'local,flat,vlan', tenant_network_types: 'local', mechanism_drivers: 'linuxbridge' } } });
    for (const ns of [HOST, WIRE, VM]) await run('ip', ['netns', 'add', ns]);
    await run('ip', ['link', 'add', IFACE, 'netns', HOST, 'type', 'veth', 'peer', 'name', `${P}w0`, 'netns', WIRE]);
    // the wire: the gateway (.1) and a neighbour (.20) on the flat network's range
    await sh(WIRE, ['link set lo up', `link set ${P}w0 up`, `address add 10.0.0.1/27 dev ${P}w0`, `address add 10.0.0.20/27 dev ${P}w0`]);
    await sh(HOST, ['link set lo up', `link set ${IFACE} up`, `address add 10.0.0.29/27 dev ${IFACE}`, 'route add default via 10.0.0.1']);
  });
  after(async () => {
    await agent?.stop().catch(() => undefined);
    await s?.close().catch(() => undefined);
    await cleanup();
  });

  it('the agent moves flat_interface under the bridge at start and reports the bridge as a bridge mapping', async () => {
    const config = Config.load([], { DEFAULT: { flat_network_bridge: BRIDGE, flat_interface: IFACE }, agent: { host_namespace: HOST } });
    const dp = await LinuxBridgeDataplane.fromConfig(config, log, { supported: false, reason: 'no 8021q (test)' }, new NoopFirewall());
    agent = new L2Agent({ bus: s.bus, log, host: HOSTNAME, reportInterval: 0, dataplane: dp });
    await agent.start();
    assert.equal((await showLinks(HOST, [IFACE])).get(IFACE)!.master, BRIDGE);
    const l3 = await readLayer3(HOST, BRIDGE);
    assert.deepEqual(l3.addresses, [{ cidr: '10.0.0.29/27', family: 'inet' }]);
    assert.deepEqual(
      l3.routes.map((r) => `${r.dst} via ${r.gateway}`),
      ['default via 10.0.0.1'],
    );
    const agents = (await s.req('GET', '/v2.0/agents', undefined, ADMIN)).body.agents;
    const mine = agents.find((a: { host: string }) => a.host === HOSTNAME);
    assert.deepEqual(mine.configurations.bridge_mappings, { [BRIDGE]: BRIDGE });
    await run('ping', ['-c', '1', '-W', '5', '10.0.0.1'], { netns: HOST });
  });

  it("an instance of the neutrino-manage FlatDHCP network is plugged into the bridge and reaches flat_interface's wire", async () => {
    const nn = buildNovaNetwork(s.api.services, s.api.core);
    const [net] = await nn.networks.create({
      mode: 'flatdhcp',
      label: 'private',
      fixedRangeV4: '10.0.0.0/27',
      numNetworks: 1,
      networkSize: 32,
      bridge: BRIDGE,
      bridgeInterface: IFACE,
      multiHost: false,
    });
    // the host's own address on the flat wire is kept from instances
    await nn.reserved.reserve('10.0.0.29');
    const r = await s.req('POST', '/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': HOSTNAME, device_owner: 'compute:nova', device_id: 'vm-flat' } }, ADMIN);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const port = r.body.port;
    assert.equal(port['binding:vif_type'], 'bridge', JSON.stringify(port));
    const addr = port.fixed_ips[0].ip_address;
    await run('ip', ['link', 'add', tapName(port.id), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', VM], { netns: HOST });
    await sh(VM, ['link set lo up', `link set eth0 address ${port.mac_address} up`, `address add ${addr}/27 dev eth0`, 'route add default via 10.0.0.1']);
    await until(`port ${port.id} ACTIVE`, async () => (await s.req('GET', `/v2.0/ports/${port.id}`, undefined, ADMIN)).body.port.status === 'ACTIVE', 30_000);
    assert.equal((await showLinks(HOST, [tapName(port.id)])).get(tapName(port.id))!.master, BRIDGE);
    await run('ping', ['-c', '2', '-W', '5', '10.0.0.20'], { netns: VM });
    await run('ping', ['-c', '2', '-W', '5', '10.0.0.29'], { netns: VM });
  });
});
