// `neutrino trace` and `neutrino audit` on an Open vSwitch host (lab --mechanism mixed: compute1
// runs the OVS agent, compute2 Linux bridge): the trace asks compute1 whether the tap is on
// br-int with its network's local VLAN and follows a frame with `ovs-appctl ofproto/trace` to the
// VXLAN port of the other host; a deleted l2population flow is reported at the forwarding hop.
// The audit compares ports on br-int and flows by cookie with what the agent sent: a correct host
// reports nothing and changes nothing; a changed port tag and a deleted flow are named, --repair
// puts them back, and with [agent] audit_interval set the agent does it by itself.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { labOvsDir } from '../../src/lab/topology.js';
import { Ovs } from '../../src/linux/ovs.js';
import { freePort } from '../helpers/free-port.js';
import { labDriver, sh } from '../helpers/lab-driver.js';

const lab = labDriver('to', `to${process.pid % 10000}-`);
const { P, DIR, CONF, neutrino, ok, api, network, boot, pings } = lab;

// biome-ignore lint/suspicious/noExplicitAny: API bodies in tests
type Obj = Record<string, any>;

describe(`trace and audit on an Open vSwitch host (prefix ${P})`, { timeout: 10 * 60_000 }, () => {
  let ovs: Ovs;
  let a: Obj;
  let b: Obj;
  let remote = '';
  const ovsDir = () => labOvsDir(DIR, 'compute1');
  const trace = async (...args: string[]): Promise<Obj> => JSON.parse(await ok('trace', ...args, '--json', '--config-file', CONF));
  const audit = async (...args: string[]) => {
    const r = await neutrino('audit', '--host', 'compute1', ...args, '--json', '--config-file', CONF);
    assert.ok(r.code === 0 || r.code === 2, `neutrino audit: ${r.code}\n${r.stdout}\n${r.stderr}`);
    const all = JSON.parse(r.stdout) as Obj;
    return { code: r.code, r: all.audits.find((x: Obj) => x.agent_type === 'Open vSwitch agent') as Obj };
  };
  const auditEvery = async (seconds: number) => {
    const file = join(DIR, 'agent-compute1.conf');
    const text = readFileSync(file, 'utf8').replace(/^audit_interval = .*\n/m, '');
    writeFileSync(file, text.replace('[agent]\n', `[agent]\naudit_interval = ${seconds}\n`));
    await ok('lab', 'restart-agent', 'compute1', '--kind', 'openvswitch', '--prefix', P, '--dir', DIR);
  };
  /** flows (without counters) and br-int's ports as OVS holds them */
  const ovsState = async () => {
    const flows = [];
    for (const br of ['br-int', 'br-tun']) flows.push(...(await ovs.dumpFlows(br)).map((f) => `${br} ${f.cookie} ${f.table} ${f.priority} ${f.match} ${f.actions}`));
    const st = await ovs.state();
    const ports = [...st.ports.values()].map((p) => `${p.name} ${p.bridge} ${p.tag} ${JSON.stringify(p.otherConfig)}`);
    return [...flows.sort(), ...ports.sort()].join('\n');
  };
  const delMacFlow = async () => {
    const r = await sh('ovs-ofctl', ['-O', 'OpenFlow13', 'del-flows', `unix:${join(ovsDir(), 'br-tun.mgmt')}`, `table=20,dl_dst=${b.mac}`]);
    assert.equal(r.code, 0, r.stderr);
  };
  const retag = async () => {
    await ovs.vsctl([['set', 'Port', a.tap, 'tag=4000']]);
  };

  before(async () => {
    const port = await freePort();
    lab.url = `http://127.0.0.1:${port}`;
    const r = await neutrino('lab', 'up', '--computes', '2', '--mechanism', 'mixed', '--no-external', '--prefix', P, '--dir', DIR, '--port', String(port));
    assert.equal(r.code, 0, `lab up failed:\n${r.stdout}\n${r.stderr}`);
    ovs = new Ovs(`unix:${join(ovsDir(), 'db.sock')}`, ovsDir());
    await network('net1', '10.0.0.0/24');
    a = await boot('a', 'net1', 'compute1', '10.0.0.11');
    b = await boot('b', 'net1', 'compute2', '10.0.0.12');
    remote = (await api('GET', '/agents?host=compute2&agent_type=Linux%20bridge%20agent')).agents[0].configurations.tunneling_ip;
    // the agent must not repair what the tests plant before they look at it
    await auditEvery(0);
  });

  after(async () => {
    await lab.teardown();
  });

  it('trace from the OVS host: the tap on br-int with its local VLAN, ofproto/trace to the other host’s VXLAN port; a deleted flow disagrees', async () => {
    assert.ok(await lab.pingBecomes('a', '10.0.0.12', true, 20_000), 'a pings b for real');
    const t = await trace('--from', 'a', '--to', 'b');
    assert.equal(t.verdict, 'delivered');
    const hop = (step: string) => t.hops.find((h: Obj) => h.step === step && h.host === 'compute1');
    assert.equal(hop('source_port').kernel.agrees, true, JSON.stringify(hop('source_port').kernel));
    assert.match(hop('source_port').kernel.detail, new RegExp(`${a.tap} is on br-int, ofport \\d+, local VLAN \\d+`));
    const l2 = hop('l2_forward');
    assert.equal(l2.kernel.agrees, true, JSON.stringify(l2.kernel));
    assert.match(l2.kernel.detail, new RegExp(`^ofproto/trace br-int in_port=\\d+,dl_src=\\S+,dl_dst=${b.mac}: .* — out by VXLAN to ${remote.replace(/\./g, '\\.')}`));
    // the OVS agent has no port firewall: the filter hops say so rather than agree
    assert.equal(hop('egress').kernel.agrees, false);
    assert.match(hop('egress').kernel.detail, /no port firewall/);
    // compute2 (Linux bridge) answers as before
    assert.equal(t.hops.find((h: Obj) => h.step === 'destination_port').kernel.agrees, true);

    await delMacFlow();
    try {
      const bad = await trace('--from', 'a', '--to', 'b');
      const k = bad.hops.find((h: Obj) => h.step === 'l2_forward').kernel;
      assert.equal(k.agrees, false, JSON.stringify(k));
      assert.match(k.detail, /flooded to|does not leave towards/);
    } finally {
      assert.equal((await audit('--repair')).code, 0);
    }
    assert.equal((await trace('--from', 'a', '--to', 'b')).hops.find((h: Obj) => h.step === 'l2_forward').kernel.agrees, true);
  });

  it('audit of a correct OVS host: no drift, nothing changed', async () => {
    const before = await ovsState();
    const { code, r } = await audit('--repair');
    assert.equal(code, 0);
    assert.deepEqual(r.drifts, []);
    assert.ok(r.checked.ports >= 1 && r.checked.flows > 5 && r.checked.bridges >= 2 && r.checked.tunnels >= 1, JSON.stringify(r.checked));
    assert.equal(await ovsState(), before, 'nothing changed in Open vSwitch');
  });

  it('audit: a changed port tag and a deleted l2population flow are named; --repair puts them back and traffic flows', async () => {
    await retag();
    await delMacFlow();
    assert.ok(await lab.pingBecomes('a', '10.0.0.12', false, 5000), 'a is cut off');
    const { code, r } = await audit();
    assert.equal(code, 2);
    const named = (r.drifts as Obj[]).map((d) => `${d.kind} ${d.object}`);
    assert.ok(named.includes(`ovs_port ${a.tap}`), named.join('\n'));
    assert.ok(
      named.some((n) => n.startsWith('ovs_flow br-tun table=20,') && n.includes(`dl_dst=${b.mac}`)),
      named.join('\n'),
    );
    assert.match((r.drifts as Obj[]).find((d) => d.kind === 'ovs_port')?.detail, /^tag 4000 /);
    const fixed = await audit('--repair');
    assert.equal(fixed.code, 0);
    assert.ok(fixed.r.drifts.length >= 2 && fixed.r.drifts.every((d: Obj) => d.repaired), JSON.stringify(fixed.r.drifts));
    assert.deepEqual((await audit()).r.drifts, []);
    assert.ok(await lab.pingBecomes('a', '10.0.0.12', true, 10_000), 'a reaches b again');
  });

  it('audit_interval: the OVS agent repairs them by itself within an interval (logged, counted)', async () => {
    await auditEvery(2);
    assert.ok(await lab.pingBecomes('a', '10.0.0.12', true, 10_000));
    await retag();
    await delMacFlow();
    assert.ok(await lab.pingBecomes('a', '10.0.0.12', true, 15_000), 'traffic recovers without anyone asking');
    assert.deepEqual((await audit()).r.drifts, []);
    const log = readFileSync(join(DIR, 'logs', 'ovs-agent-compute1.log'), 'utf8');
    assert.ok(log.includes(`drift repaired: ovs_port ${a.tap}`), 'log line for the port');
    assert.ok(/drift repaired: ovs_flow br-tun table=20,/.test(log), 'log line for the flow');
    await new Promise((r) => setTimeout(r, 2500));
    const agent = (await api('GET', '/agents?host=compute1&agent_type=Open%20vSwitch%20agent')).agents[0];
    assert.ok(agent.configurations.audit.repairs >= 2, JSON.stringify(agent.configurations.audit));
    assert.ok(await pings('a', '10.0.0.12'));
  });
});
