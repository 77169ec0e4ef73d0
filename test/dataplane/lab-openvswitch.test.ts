// `neutrino lab up --mechanism mixed`: compute1 runs the Open vSwitch agent (userspace datapath
// on this kernel, its own ovsdb-server and ovs-vswitchd in its namespace), compute2 and the
// network host the Linux bridge agent. Proves: `neutrino instance boot` plugs into br-int on the
// OVS host (os-vif's ovs plug) and gets its address by DHCP from the Linux bridge network host
// over VXLAN; an OVS and a Linux bridge instance ping each other; a VLAN network is served on the
// OVS host and refused (binding_failed) on the Linux bridge host of this kernel; kill -9 of the
// OVS agent under 10 pings/s loses at most one and no flow is re-created; lab down leaves no
// namespace and no process (OVS daemons included).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { labOvsDir } from '../../src/lab/topology.js';
import { type Flow, Ovs } from '../../src/linux/ovs.js';
import { freePort } from '../helpers/free-port.js';
import { labDriver, sh, sleep } from '../helpers/lab-driver.js';

const lab = labDriver('o');
const { P, DIR, CONF, neutrino, ok, api, network, boot, inInstance, pings, labNetns, labPids } = lab;

describe(`neutrino lab --mechanism mixed (prefix ${P})`, { timeout: 10 * 60_000 }, () => {
  const children: ChildProcess[] = [];

  before(async () => {
    const port = await freePort();
    lab.url = `http://127.0.0.1:${port}`;
    const r = await neutrino('lab', 'up', '--computes', '2', '--mechanism', 'mixed', '--no-external', '--prefix', P, '--dir', DIR, '--port', String(port));
    assert.equal(r.code, 0, `lab up failed:\n${r.stdout}\n${r.stderr}`);
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (process.env.NEUTRINO_TEST_KEEP_LOGS) cpSync(DIR, join(process.env.NEUTRINO_TEST_KEEP_LOGS, P), { recursive: true });
    await lab.teardown();
  });

  it('compute1 and the network host run the Open vSwitch agent and say which datapath they have; compute2 the Linux bridge agent', async () => {
    const agents = (await api('GET', '/agents')).agents as { host: string; agent_type: string; alive: boolean; configurations: Record<string, unknown> }[];
    const l2 = (host: string) => agents.find((a) => a.host === host && /bridge|vSwitch/.test(a.agent_type));
    assert.equal(l2('compute1')?.agent_type, 'Open vSwitch agent');
    assert.equal(l2('compute2')?.agent_type, 'Linux bridge agent');
    assert.equal(l2('network')?.agent_type, 'Open vSwitch agent', 'mixed: the network host runs OVS too');
    assert.ok(agents.every((a) => a.alive));
    assert.match(String(l2('compute1')?.configurations.datapath_type), /^(system|netdev)$/);
  });

  it('an instance on the OVS host and one on the Linux bridge host share a VXLAN network (DHCP from the network host)', async () => {
    await network('net1', '10.0.0.0/24');
    const a = await boot('a', 'net1', 'compute1', '10.0.0.11');
    await boot('b', 'net1', 'compute2', '10.0.0.12');
    // the tap is a port of br-int with the port id as iface-id
    const ovs = new Ovs(`unix:${join(labOvsDir(DIR, 'compute1'), 'db.sock')}`, labOvsDir(DIR, 'compute1'));
    const st = await ovs.state();
    assert.equal(st.ports.get(a.tap)?.bridge, 'br-int');
    assert.equal(st.interfaces.get(a.tap)?.externalIds['iface-id'], a.port_id);
    const port = (await api('GET', `/ports/${a.port_id}`)).port;
    assert.equal(port['binding:vif_type'], 'ovs');
    assert.equal(port['binding:vif_details'].port_filter, false, 'no port firewall on the OVS host yet, and the binding says so');
    assert.ok(await pings('a', '10.0.0.12'), 'OVS → Linux bridge');
    assert.ok(await pings('b', '10.0.0.11'), 'Linux bridge → OVS');
  });

  it('a VLAN network: served on the OVS host, refused on the Linux bridge host (no 8021q here)', async () => {
    // no DHCP: the network host's Linux bridge agent could not wire the DHCP port's VLAN either
    const vnet = (await api('POST', '/networks', { network: { name: 'vlan1', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 150 } })).network;
    await api('POST', '/subnets', { subnet: { network_id: vnet.id, ip_version: 4, cidr: '10.8.0.0/24', enable_dhcp: false } });
    const v1 = await boot('v1', 'vlan1', 'compute1', '10.8.0.11');
    assert.equal((await api('GET', `/ports/${v1.port_id}`)).port.status, 'ACTIVE');
    const r = await neutrino('instance', 'boot', 'v2', '--network', 'vlan1', '--host', 'compute2', '--fixed-ip', '10.8.0.12', '--config-file', CONF, '--timeout', '10');
    const has8021q = (await sh('ip', ['link', 'add', 'link', 'lo', 'name', `${P}q`, 'type', 'vlan', 'id', '9'])).code === 0;
    if (has8021q) await sh('ip', ['link', 'del', `${P}q`]);
    if (!has8021q) {
      assert.notEqual(r.code, 0, 'the Linux bridge host cannot wire VLANs on this kernel');
      assert.match(r.stderr + r.stdout, /could not be bound/);
    }
  });

  it('kill -9 of the OVS agent under 10 pings/s, then restart: at most 1 lost, no flow re-created', async () => {
    const ovs = new Ovs(`unix:${join(labOvsDir(DIR, 'compute1'), 'db.sock')}`, labOvsDir(DIR, 'compute1'));
    const bridges = ['br-int', 'br-tun', 'br-eth2'];
    const snapshot = async () => {
      const out = new Map<string, Flow>();
      for (const b of bridges) for (const f of await ovs.dumpFlows(b)) out.set(`${b}/${f.table}/${f.priority}/${f.match}`, f);
      return out;
    };
    const flowsBefore = await snapshot();
    const ping = inInstance('a', 'ping', '-i', '0.1', '-w', '10', '-q', '10.0.0.12');
    await sleep(1500);
    const pid = Number(readFileSync(join(DIR, 'run', 'ovs-agent-compute1.pid'), 'utf8'));
    assert.ok(readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(DIR), 'the pid file names the lab agent');
    process.kill(pid, 'SIGKILL');
    await sleep(1000);
    await ok('lab', 'restart-agent', 'compute1', '--prefix', P, '--dir', DIR);
    const r = await ping;
    const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
    assert.ok(m, r.stdout + r.stderr);
    const lost = Number(m[1]) - Number(m[2]);
    assert.ok(Number(m[1]) >= 90, `about 100 pings sent (${m[1]})`);
    assert.ok(lost <= 1, `${lost} of ${m[1]} pings lost across the agent restart`);
    const flowsAfter = await snapshot();
    assert.deepEqual([...flowsAfter.keys()].sort(), [...flowsBefore.keys()].sort(), 'the same flows');
    for (const [k, f] of flowsAfter) {
      const was = flowsBefore.get(k)!;
      assert.equal(f.cookie, was.cookie, `${k}: cookie`);
      assert.ok(f.durationSec! >= was.durationSec! + 5, `${k} was re-created (age ${was.durationSec} s → ${f.durationSec} s)`);
    }
  });

  it('lab down leaves no namespace and no process of the lab (OVS daemons included)', async () => {
    const out = await ok('lab', 'down', '--prefix', P, '--dir', DIR);
    assert.match(out, /is down/);
    assert.match(out, /ovs daemons of compute1 stopped/);
    assert.deepEqual(await labNetns(), [], 'no namespace with the prefix');
    assert.deepEqual(labPids(), [], 'no process of the lab');
  });
});
