// FlatDHCP's bridge on the real kernel: in a namespace standing for a host, an interface with
// an address, a default route and a static route goes under a new bridge with all of them, the
// host stays reachable through it, a second run changes nothing, and taking it back restores
// the interface as it was and deletes the bridge. A failing move is undone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { run } from '../../src/linux/exec.js';
import { moveOffBridge, moveOntoBridge, planOntoBridge, readLayer3 } from '../../src/linux/flat-bridge.js';
import { showLinks } from '../../src/linux/links.js';

const P = `nv${process.pid % 10000}`;
const HOST = `${P}fh`; // the host
const PEER = `${P}fp`; // its neighbour on the flat network (the gateway)
const IFACE = `${P}e1`; // flat_interface, in HOST
const BRIDGE = `${P}br`; // flat_network_bridge, in HOST
const ip = (netns: string, args: string[]) => run('ip', args, { netns });
const sh = (netns: string, lines: string[]) => run('ip', ['-batch', '-'], { netns, input: `${lines.join('\n')}\n` });

describe('FlatDHCP bridge: flat_interface and its layer 3 move onto flat_network_bridge and back', () => {
  before(async () => {
    await run('ip', ['netns', 'add', HOST]);
    await run('ip', ['netns', 'add', PEER]);
    await run('ip', ['link', 'add', IFACE, 'netns', HOST, 'type', 'veth', 'peer', 'name', `${P}gw`, 'netns', PEER]);
    await sh(HOST, ['link set lo up', `link set ${IFACE} up`, `address add 192.0.2.10/24 dev ${IFACE}`, 'route add default via 192.0.2.1', 'route add 198.51.100.0/24 via 192.0.2.254 metric 50']);
    await sh(PEER, ['link set lo up', `link set ${P}gw up`, `address add 192.0.2.1/24 dev ${P}gw`]);
  });
  after(async () => {
    // by name, even when a test failed half-way
    await run('ip', ['netns', 'del', HOST], { allowFailure: true });
    await run('ip', ['netns', 'del', PEER], { allowFailure: true });
  });

  it('plans the bridge with the interface’s MAC, the enslaving, then addresses before the routes that need them (pure)', () => {
    const lines = planOntoBridge(
      'br100',
      'eth1',
      { mac: '02:00:00:00:00:01', addresses: [{ cidr: '192.0.2.10/24', family: 'inet' }], routes: [{ dst: 'default', gateway: '192.0.2.1', family: 'inet' }] },
      false,
    );
    assert.deepEqual(lines, [
      'link add name br100 address 02:00:00:00:00:01 type bridge',
      'link set dev br100 up',
      'link set dev eth1 master br100',
      'link set dev eth1 up',
      'address del 192.0.2.10/24 dev eth1',
      'address add 192.0.2.10/24 dev br100',
      'route replace default via 192.0.2.1 dev br100',
    ]);
  });

  it('moves the address, the default route and a static route onto the bridge in one step; the gateway still answers', async () => {
    const mac = (await showLinks(HOST, [IFACE])).get(IFACE)!.address;
    assert.equal(await moveOntoBridge(HOST, BRIDGE, IFACE), true);
    const links = await showLinks(HOST, [BRIDGE, IFACE]);
    assert.equal(links.get(IFACE)!.master, BRIDGE);
    assert.equal(links.get(BRIDGE)!.address, mac, 'the bridge keeps the interface’s MAC');
    const onBridge = await readLayer3(HOST, BRIDGE);
    assert.deepEqual(onBridge.addresses, [{ cidr: '192.0.2.10/24', family: 'inet' }]);
    assert.deepEqual(onBridge.routes.map((r) => `${r.dst} via ${r.gateway}`).sort(), ['198.51.100.0/24 via 192.0.2.254', 'default via 192.0.2.1']);
    assert.deepEqual((await readLayer3(HOST, IFACE)).addresses, []);
    await ip(HOST, ['route', 'get', '8.8.8.8']).then((r) => assert.match(r.stdout, new RegExp(`via 192\\.0\\.2\\.1 dev ${BRIDGE}`)));
    await run('ping', ['-c', '1', '-W', '5', '192.0.2.1'], { netns: HOST });
  });

  it('a second run changes nothing', async () => {
    assert.equal(await moveOntoBridge(HOST, BRIDGE, IFACE), false);
    assert.deepEqual((await readLayer3(HOST, BRIDGE)).addresses, [{ cidr: '192.0.2.10/24', family: 'inet' }]);
  });

  it('taking it back restores the interface’s address and routes and deletes the bridge', async () => {
    assert.equal(await moveOffBridge(HOST, BRIDGE, IFACE), true);
    const links = await showLinks(HOST, [BRIDGE, IFACE]);
    assert.equal(links.has(BRIDGE), false);
    assert.equal(links.get(IFACE)!.master, null);
    const back = await readLayer3(HOST, IFACE);
    assert.deepEqual(back.addresses, [{ cidr: '192.0.2.10/24', family: 'inet' }]);
    assert.deepEqual(back.routes.map((r) => `${r.dst} via ${r.gateway}${r.metric ? ` metric ${r.metric}` : ''}`).sort(), ['198.51.100.0/24 via 192.0.2.254 metric 50', 'default via 192.0.2.1']);
    await run('ping', ['-c', '1', '-W', '5', '192.0.2.1'], { netns: HOST });
    assert.equal(await moveOffBridge(HOST, BRIDGE, IFACE), false);
  });

  it('a move the kernel refuses half-way is undone: the interface keeps its address and routes', async () => {
    // the bridge exists and already holds the interface's address: moving it there fails mid-batch
    await sh(HOST, [`link add ${BRIDGE} type bridge`, `address add 192.0.2.10/24 dev ${BRIDGE}`]);
    try {
      await assert.rejects(moveOntoBridge(HOST, BRIDGE, IFACE), new RegExp(`moving ${IFACE} under ${BRIDGE} failed and was undone: 'address add 192\\.0\\.2\\.10/24 dev ${BRIDGE}'`));
      const still = await readLayer3(HOST, IFACE);
      assert.deepEqual(still.addresses, [{ cidr: '192.0.2.10/24', family: 'inet' }]);
      assert.equal(still.routes.length, 2, JSON.stringify(still.routes));
      assert.equal((await showLinks(HOST, [IFACE])).get(IFACE)!.master, null);
      await run('ping', ['-c', '1', '-W', '5', '192.0.2.1'], { netns: HOST });
    } finally {
      await ip(HOST, ['link', 'del', BRIDGE]);
    }
  });

  it('refuses an interface that is missing or another bridge’s port, a bridge that is no bridge, a bad name', async () => {
    await assert.rejects(moveOntoBridge(HOST, BRIDGE, `${P}no`), /flat_interface nv\d+no does not exist/);
    await assert.rejects(moveOntoBridge(HOST, 'lo', IFACE), /flat_network_bridge = lo: that device exists and is a physical interface, not a bridge/);
    await assert.rejects(moveOntoBridge(HOST, `${P}bridge-name-too-long`, IFACE), /flat_network_bridge = .*: not an interface name/);
    await sh(HOST, [`link add ${P}ob type bridge`, `link set ${IFACE} master ${P}ob`]);
    try {
      await assert.rejects(moveOntoBridge(HOST, BRIDGE, IFACE), new RegExp(`already a port of ${P}ob: take it out first`));
    } finally {
      await sh(HOST, [`link set ${IFACE} nomaster`, `link del ${P}ob`]);
    }
  });
});
