// `neutrino lab up --mechanism mixed` with the external network: the network host and compute1
// run the Open vSwitch agent, compute2 the Linux bridge agent. The network host's DHCP and L3
// agents plug their ports into br-int ([DEFAULT] interface_driver = openvswitch) and the router's
// gateway leaves through br-eth3 (bridge_mappings public:br-eth3). Proves: an instance on the OVS
// compute and one on the Linux bridge compute get their addresses by DHCP from the OVS network
// host, reach the internet namespace through the router's SNAT, and a floating IP is reachable
// from outside.
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { labOvsDir } from '../../src/lab/topology.js';
import { Ovs } from '../../src/linux/ovs.js';
import { freePort } from '../helpers/free-port.js';
import { labDriver, sh, sleep } from '../helpers/lab-driver.js';

const lab = labDriver('n');
const { P, DIR, CONF, neutrino, ok, api, pings } = lab;

async function becomes(fn: () => Promise<boolean>, want: boolean, ms = 20_000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if ((await fn()) === want) return true;
    if (Date.now() > end) return false;
    await sleep(300);
  }
}

const pingsFromOutside = async (ip: string) => (await sh('ip', ['netns', 'exec', `${P}internet`, 'ping', '-c', '1', '-W', '1', ip])).code === 0;

describe(`neutrino lab --mechanism mixed: DHCP and a router served from an OVS network host (prefix ${P})`, { timeout: 10 * 60_000 }, () => {
  before(async () => {
    const port = await freePort();
    lab.url = `http://127.0.0.1:${port}`;
    const r = await neutrino('lab', 'up', '--computes', '2', '--mechanism', 'mixed', '--prefix', P, '--dir', DIR, '--port', String(port));
    assert.equal(r.code, 0, `lab up failed:\n${r.stdout}\n${r.stderr}`);
  });

  after(async () => {
    if (process.env.NEUTRINO_TEST_KEEP_LOGS) cpSync(join(DIR, 'logs'), join(process.env.NEUTRINO_TEST_KEEP_LOGS, P), { recursive: true });
    await lab.teardown();
  });

  it('the network host runs the Open vSwitch agent; its DHCP and router ports are ports of br-int with their port ids', async () => {
    const agents = (await api('GET', '/agents')).agents as { host: string; agent_type: string }[];
    assert.ok(agents.some((a) => a.host === 'network' && a.agent_type === 'Open vSwitch agent'));
    assert.ok(agents.some((a) => a.host === 'compute2' && a.agent_type === 'Linux bridge agent'));
    const ovs = new Ovs(`unix:${join(labOvsDir(DIR, 'network'), 'db.sock')}`, labOvsDir(DIR, 'network'));
    const st = await ovs.state();
    const service = (await api('GET', '/ports')).ports.filter((p: { device_owner: string }) => /^network:(dhcp|router_interface|router_gateway)$/.test(p.device_owner));
    assert.equal(service.length, 3, 'a DHCP port, a router interface and a router gateway');
    for (const p of service) {
      const tap = `tap${p.id.slice(0, 11)}`;
      assert.equal(st.ports.get(tap)?.bridge, 'br-int', `${p.device_owner} ${tap} on br-int`);
      assert.equal(st.interfaces.get(tap)?.externalIds['iface-id'], p.id);
      assert.equal(st.interfaces.get(tap)?.externalIds['attached-mac'], p.mac_address);
      assert.notEqual(st.ports.get(tap)?.tag, 4095, `${tap} was given its network's local VLAN`);
      assert.equal(p.status, 'ACTIVE', `${p.device_owner} is ACTIVE`);
      assert.equal(p['binding:vif_type'], 'ovs');
    }
  });

  it('instances on the OVS and the Linux bridge compute get DHCP, ping each other, reach the internet by SNAT; a floating IP answers from outside', async () => {
    const sg = (await api('POST', '/security-groups', { security_group: { name: 'open' } })).security_group.id;
    await api('POST', '/security-group-rules', { security_group_rule: { security_group_id: sg, direction: 'ingress', ethertype: 'IPv4', remote_ip_prefix: '0.0.0.0/0', protocol: 'icmp' } });
    const a = await ok('instance', 'boot', 'a', '--network', 'private', '--host', 'compute1', '--security-group', 'open', '--config-file', CONF, '--timeout', '30');
    assert.match(a, /address by DHCP/);
    const b = await ok('instance', 'boot', 'b', '--network', 'private', '--host', 'compute2', '--security-group', 'open', '--config-file', CONF, '--timeout', '30');
    assert.match(b, /address by DHCP/);
    const va = JSON.parse(readFileSync(join(DIR, 'instances', 'a.json'), 'utf8'));
    const vb = JSON.parse(readFileSync(join(DIR, 'instances', 'b.json'), 'utf8'));
    const ipOf = async (port: string) => (await api('GET', `/ports/${port}`)).port.fixed_ips[0].ip_address as string;
    const ipA = await ipOf(va.port_id);
    const ipB = await ipOf(vb.port_id);
    assert.ok(await pings('a', ipB), 'OVS → Linux bridge');
    assert.ok(await pings('b', ipA), 'Linux bridge → OVS');
    assert.ok(await pings('a', '10.0.0.1'), 'the router interface (qr- on the OVS network host)');
    assert.ok(await pings('a', '198.51.100.1'), 'the internet through SNAT, from the OVS compute');
    assert.ok(await pings('b', '198.51.100.1'), 'the internet through SNAT, from the Linux bridge compute');
    const pub = (await api('GET', '/networks?name=public')).networks[0];
    const fipA = (await api('POST', '/floatingips', { floatingip: { floating_network_id: pub.id, port_id: va.port_id } })).floatingip.floating_ip_address;
    const fipB = (await api('POST', '/floatingips', { floatingip: { floating_network_id: pub.id, port_id: vb.port_id } })).floatingip.floating_ip_address;
    assert.ok(await becomes(() => pingsFromOutside(fipA), true), `the floating IP ${fipA} of the OVS instance answers from outside`);
    assert.ok(await becomes(() => pingsFromOutside(fipB), true), `the floating IP ${fipB} of the Linux bridge instance answers from outside`);
  });

  it('a router interface removed leaves br-int (the interface driver unplugs its tap)', async () => {
    const router = (await api('GET', '/routers?name=router1')).routers[0];
    const subnet = (await api('GET', '/subnets?name=private-subnet')).subnets[0];
    const iface = (await api('GET', `/ports?device_id=${router.id}&device_owner=network:router_interface`)).ports[0];
    // the floating IPs need the interface: release them first
    for (const f of (await api('GET', '/floatingips')).floatingips) await api('DELETE', `/floatingips/${f.id}`);
    await api('PUT', `/routers/${router.id}/remove_router_interface`, { subnet_id: subnet.id });
    const ovs = new Ovs(`unix:${join(labOvsDir(DIR, 'network'), 'db.sock')}`, labOvsDir(DIR, 'network'));
    const tap = `tap${iface.id.slice(0, 11)}`;
    assert.ok(await becomes(async () => (await ovs.state()).ports.has(tap), false), `${tap} left br-int`);
  });
});
