// The Open vSwitch port firewall ([securitygroup] firewall_driver = openvswitch) on real OVS
// (the userspace datapath here), without a server: one "host" namespace with its own
// ovsdb-server and ovs-vswitchd, the agent's dataplane with the firewall, four "instances"
// (namespaces joined by veth, the host end plugged into br-int as os-vif does) and hand-made
// security_group_info. The scenarios are the nftables firewall's (firewall.test.ts): default
// drop between groups, a rule opening and its removal stopping flowing pings, remote group
// join and leave, forged IP and MAC dropped, port security off, a stateless group needing
// explicit return rules, and a restart replacing no flow.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { OvsFirewall } from '../../src/agents/firewall/ovs/ovs-firewall.js';
import { isFirewallCookie, SWITCH_ACTION } from '../../src/agents/firewall/ovs/tables.js';
import { OvsDataplane } from '../../src/agents/openvswitch/ovs-dataplane.js';
import type { DeviceDetails } from '../../src/contract/l2.js';
import type { SecurityGroupInfo } from '../../src/contract/security-groups.js';
import { run } from '../../src/linux/exec.js';
import { type Ovs, plugOvsPort, startOvsDaemons, stopOvsDaemons } from '../../src/linux/ovs.js';
import { sgRule } from '../helpers/sg-rule.js';

type Rule = SecurityGroupInfo['security_groups'][string][number] & { id: string };

const log = pino({ level: process.env.NEUTRINO_TEST_LOG ?? 'silent' });
const P = `f${process.pid % 10000}o`;
const HOST = `${P}h`;
const OVS_DIR = `/tmp/neutrino-test-${P}/ovs`;
const BR_INT = `${P}int`;
const NET = `${P}0net-1111-2222-3333-444444444444`;
const VMS = [1, 2, 3, 4].map((i) => ({
  ns: `${P}v${i}`,
  tap: `${P}tap${i}`,
  mac: `fa:16:3e:${(process.pid % 256).toString(16).padStart(2, '0')}:01:0${i}`,
  ip: `10.9.1.${i}`,
  port: `${P}-port-${i}`,
}));
const [vm1, vm2, vm3, vm4] = VMS;
const GA = `${P}-group-a`;
const GB = `${P}-group-b`;
const children: ChildProcess[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rule = (id: string, r: Partial<Rule>): Rule => sgRule(`${P}-${id}`, r);

async function ping(from: { ns: string }, to: string, opts: { source?: string } = {}): Promise<boolean> {
  const r = await run('ping', ['-c', '1', '-W', '1', ...(opts.source ? ['-I', opts.source] : []), to], { netns: from.ns, allowFailure: true, timeoutMs: 10_000 });
  return r.code === 0;
}

function pingSeries(from: { ns: string }, to: string, seconds: number): Promise<number[]> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', from.ns, 'ping', '-D', '-i', '0.05', '-W', '1', '-w', String(seconds), to], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(child);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('close', () => resolve([...out.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from/gm)].map((m) => Number(m[1]))));
  });
}

function baseInfo(): SecurityGroupInfo {
  const device = (vm: (typeof VMS)[number], groups: string[], portSecurity = true) => ({
    device: vm.tap,
    port_id: vm.port,
    mac_address: vm.mac,
    fixed_ips: [vm.ip],
    allowed_address_pairs: [],
    security_groups: groups,
    port_security_enabled: portSecurity,
    network_id: NET,
  });
  return {
    devices: { [vm1.port]: device(vm1, [GA]), [vm2.port]: device(vm2, [GB]), [vm3.port]: device(vm3, [GB]), [vm4.port]: device(vm4, [], false) },
    security_groups: {
      [GA]: [rule('a-eg4', { direction: 'egress' })],
      [GB]: [rule('b-in4', { remote_group_id: GB }), rule('b-eg4', { direction: 'egress' })],
    },
    sg_member_ips: { [GB]: { IPv4: [vm2.ip, vm3.ip], IPv6: [] } },
  };
}

const details = (vm: (typeof VMS)[number], portSecurity = true): DeviceDetails => ({
  device: vm.tap,
  port_id: vm.port,
  network_id: NET,
  mac_address: vm.mac,
  admin_state_up: true,
  network_type: 'local',
  physical_network: null,
  segmentation_id: null,
  port_security_enabled: portSecurity,
});

describe('Open vSwitch port firewall on the userspace datapath', () => {
  let ovs: Ovs;
  let fw: OvsFirewall;
  let dp: OvsDataplane;
  let info: SecurityGroupInfo;

  const newDataplane = async (firewall: OvsFirewall) =>
    OvsDataplane.create({
      ovs,
      netns: HOST,
      log,
      integrationBridge: BR_INT,
      tunnelBridge: null,
      bridgeMappings: {},
      localIp: null,
      vxlanUdpPort: 4789,
      datapathType: 'netdev',
      datapathReason: 'test',
      firewall,
    });

  async function cleanup(): Promise<void> {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await stopOvsDaemons(OVS_DIR, { remove: true });
    for (const ns of [HOST, ...VMS.map((v) => v.ns)]) await run('ip', ['netns', 'delete', ns], { allowFailure: true });
    await run('rm', ['-rf', `/tmp/neutrino-test-${P}`], { allowFailure: true });
  }

  before(async () => {
    await cleanup();
    await run('ip', ['netns', 'add', HOST]);
    await run('ip', ['link', 'set', 'lo', 'up'], { netns: HOST });
    ovs = await startOvsDaemons({ dir: OVS_DIR, netns: HOST, userspaceTso: true });
    fw = new OvsFirewall({ log });
    dp = await newDataplane(fw);
    for (const vm of VMS) {
      await run('ip', ['netns', 'add', vm.ns]);
      await run('ip', ['link', 'add', vm.tap, 'up', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', vm.ns], { netns: HOST });
      await run('ip', ['-batch', '-'], { netns: vm.ns, input: `link set lo up\nlink set eth0 address ${vm.mac} up\naddr add ${vm.ip}/24 dev eth0\n` });
      await plugOvsPort(ovs, BR_INT, vm.tap, { portId: vm.port, mac: vm.mac, instanceId: `${P}-vm` });
    }
    await ovs.ofports(VMS.map((v) => v.tap));
    // as the L2 agent does: the filter first, then the wiring
    info = baseInfo();
    await dp.applyFirewall(info);
    for (let i = 0; i < 20 && (await dp.devices()).size < VMS.length; i++) await sleep(100);
    assert.deepEqual(await dp.plug(VMS.map((vm) => details(vm, vm !== vm4))), []);
  });

  after(async () => {
    await dp?.close().catch(() => undefined);
    await cleanup();
  });

  it('reports the openvswitch driver and switches br-int through the firewall tables', async () => {
    assert.equal(dp.configurations().firewall_driver, 'openvswitch');
    const flows = await ovs.dumpFlows(BR_INT);
    assert.ok(flows.some((f) => f.table === 0 && f.priority === 0 && f.actions === SWITCH_ACTION));
    assert.ok(flows.filter((f) => isFirewallCookie(f.cookie)).length > 20, 'the firewall flows are on br-int');
  });

  it('lets members of a group in and drops everyone else by default', async () => {
    assert.equal(await ping(vm3, vm2.ip), true, 'vm3 → vm2: same group B, ingress from B');
    assert.equal(await ping(vm2, vm3.ip), true, 'vm2 → vm3');
    assert.equal(await ping(vm1, vm2.ip), false, 'vm1 (group A) → vm2 is dropped');
    assert.equal(await ping(vm2, vm1.ip), false, 'vm2 → vm1: group A allows no ingress');
  });

  it('opens with an added rule at once and stops flowing pings within a second when it goes', async (t) => {
    const icmpFromVm2 = rule('a-icmp', { protocol: 'icmp', remote_ip_prefix: `${vm2.ip}/32` });
    info.security_groups[GA].push(icmpFromVm2);
    const t0 = performance.now();
    await fw.update(info);
    t.diagnostic(`rule added → in br-int (one bundle): ${(performance.now() - t0).toFixed(1)} ms`);
    assert.equal(await ping(vm2, vm1.ip), true, 'the rule lets vm2 ping vm1');
    assert.equal(await ping(vm3, vm1.ip), false, 'only from vm2');
    const series = pingSeries(vm2, vm1.ip, 3);
    await sleep(1000);
    info.security_groups[GA] = info.security_groups[GA].filter((r) => r !== icmpFromVm2);
    const removedAt = Date.now() / 1000;
    await fw.update(info);
    const replies = await series;
    assert.ok(
      replies.some((x) => x < removedAt),
      'pings flowed before the rule went',
    );
    assert.deepEqual(
      replies.filter((x) => x > removedAt + 1),
      [],
      'no reply more than 1 s after the rule went',
    );
  });

  it('opens and closes with remote group membership', async () => {
    assert.equal(await ping(vm1, vm2.ip), false);
    info.sg_member_ips[GB].IPv4.push(vm1.ip);
    await fw.update(info);
    assert.equal(await ping(vm1, vm2.ip), true, 'vm1 became a member of B: B lets it in');
    const series = pingSeries(vm1, vm2.ip, 3);
    await sleep(1000);
    info.sg_member_ips[GB].IPv4 = info.sg_member_ips[GB].IPv4.filter((x) => x !== vm1.ip);
    const removedAt = Date.now() / 1000;
    await fw.update(info);
    const replies = await series;
    assert.ok(replies.some((x) => x < removedAt));
    assert.deepEqual(
      replies.filter((x) => x > removedAt + 1),
      [],
      'pings stop within a second of leaving the group',
    );
    assert.equal(await ping(vm3, vm2.ip), true, 'the other member is still let in');
  });

  it('drops a forged source address and a forged MAC; port security off lets them through', async () => {
    info.security_groups[GA].push(rule('a-icmp-net', { protocol: 'icmp', remote_ip_prefix: '10.9.1.0/24' }));
    await fw.update(info);
    await run('ip', ['addr', 'add', '10.9.1.33/24', 'dev', 'eth0'], { netns: vm3.ns });
    await run('ip', ['addr', 'add', '10.9.1.44/24', 'dev', 'eth0'], { netns: vm4.ns });
    assert.equal(await ping(vm3, vm1.ip), true, 'vm3 from its own address');
    assert.equal(await ping(vm3, vm1.ip, { source: '10.9.1.33' }), false, 'vm3 from a forged address');
    assert.equal(await ping(vm4, vm1.ip, { source: '10.9.1.44' }), true, 'vm4 has no port security: any address');
    assert.equal(await ping(vm2, vm4.ip), true, 'vm4 has no port security: no ingress filter');
    await run('ip', ['link', 'set', 'eth0', 'address', 'fa:16:3e:ee:ee:ee'], { netns: vm3.ns });
    try {
      await run('ip', ['neigh', 'flush', 'dev', 'eth0'], { netns: vm3.ns });
      assert.equal(await ping(vm3, vm1.ip), false, 'vm3 with a forged MAC');
    } finally {
      await run('ip', ['link', 'set', 'eth0', 'address', vm3.mac], { netns: vm3.ns });
    }
    assert.equal(await ping(vm3, vm1.ip), true, 'vm3 with its own MAC again');
  });

  it('survives an agent restart: the same info replaces no flow and keeps pings', async () => {
    const before = await ovs.dumpFlows(BR_INT);
    const series = pingSeries(vm3, vm2.ip, 2);
    await sleep(300);
    await dp.close();
    fw = new OvsFirewall({ log });
    dp = await newDataplane(fw);
    await dp.applyFirewall(info);
    await dp.plug(VMS.map((vm) => details(vm, vm !== vm4)));
    const replies = await series;
    assert.ok(replies.length >= 30, `replies across the restart: ${replies.length}`);
    const after = await ovs.dumpFlows(BR_INT);
    assert.equal(after.length, before.length);
    // a flow re-created would be younger than the restart
    const young = after.filter((f) => isFirewallCookie(f.cookie) && (f.durationSec ?? 0) < 1);
    assert.deepEqual(
      young.map((f) => `${f.table}/${f.priority}/${f.match}`),
      [],
      'no firewall flow was re-created',
    );
    assert.equal(await ping(vm1, vm2.ip), false, 'still closed where it was closed');
  });

  it('a stateless group checks every packet: return traffic needs a rule of its own', async () => {
    const GS = `${P}-group-s`;
    const withStateless = (rules: Rule[]) => {
      const i = baseInfo();
      i.devices[vm1.port].security_groups = [GS];
      i.security_groups[GS] = rules;
      i.sg_stateful = { [GS]: false };
      return i;
    };
    await fw.sync(baseInfo());
    assert.equal(await ping(vm1, vm4.ip), true, 'stateful group A: the reply comes back as an established flow');
    await fw.sync(withStateless([rule('s-eg4', { direction: 'egress' })]));
    assert.equal(await ping(vm1, vm4.ip), false, 'stateless, egress only: the reply has no ingress rule');
    assert.equal(await ping(vm4, vm1.ip), false, 'and nothing comes in');
    await fw.sync(withStateless([rule('s-eg4', { direction: 'egress' }), rule('s-in-icmp', { protocol: 'icmp' })]));
    assert.equal(await ping(vm1, vm4.ip), true, 'an ingress icmp rule lets the replies in');
    assert.equal(await ping(vm4, vm1.ip), true, 'and the requests, both ways');
    await fw.sync(withStateless([rule('s-in-icmp', { protocol: 'icmp' })]));
    assert.equal(await ping(vm4, vm1.ip), false, 'without an egress rule the replies do not leave');
  });
});
