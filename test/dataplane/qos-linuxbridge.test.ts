// QoS on a Linux bridge host, real kernel and real iperf3: a host namespace with the L2 agent
// and its qos extension, two instances on one local network. A 10 Mbit/s egress limit on one
// port holds within ±10%, an ingress limit on the other likewise, DSCP marking is the tap's
// nftables chain, and removing the policy from the port lifts the limit (and removes the ifb).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { NoopFirewall } from '../../src/agents/firewall/noop-firewall.js';
import { QosL2Extension } from '../../src/agents/l2/extensions/qos/qos-extension.js';
import { ifbOf } from '../../src/agents/l2/extensions/qos/tc-qos.js';
import { L2Agent } from '../../src/agents/l2/l2-agent.js';
import { LinuxBridgeDataplane } from '../../src/agents/linuxbridge/linuxbridge-dataplane.js';
import { Config } from '../../src/config/config.js';
import { tapName } from '../../src/contract/device-names.js';
import { run } from '../../src/linux/exec.js';
import { asAdmin, startTestServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

// biome-ignore lint/suspicious/noExplicitAny: API bodies
type Obj = Record<string, any>;
const log = pino({ level: process.env.NEUTRINO_TEST_LOG ?? 'silent' });
const ADMIN = asAdmin('qos-dp');
const P = `q${process.pid % 10000}x`;
const HOST = `${P}h`;
const HOST_NAME = `${P}-host`;
const vms: string[] = [];

/** iperf3 from one instance to another: Mbit/s received (the first 2 s of slow start left out) */
async function iperf(fromVm: string, toVm: string, toIp: string, port: number): Promise<number> {
  const server = run('iperf3', ['-s', '-1', '-B', toIp, '-p', String(port)], { netns: toVm, allowFailure: true, timeoutMs: 30_000 });
  await new Promise((r) => setTimeout(r, 300));
  const r = await run('iperf3', ['-c', toIp, '-p', String(port), '-t', '5', '-O', '2', '-J'], { netns: fromVm, timeoutMs: 30_000 });
  await server;
  return JSON.parse(r.stdout).end.sum_received.bits_per_second / 1e6;
}

describe('QoS on a Linux bridge host (tc, ifb, nftables)', () => {
  let s: TestServer;
  let agent: L2Agent | null = null;
  const req = async (method: string, path: string, body?: unknown): Promise<Obj> => {
    const r = await s.req(method, path, body, ADMIN);
    assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const inst: { port: Obj; vm: string; ip: string }[] = [];

  async function instance(netId: string): Promise<{ port: Obj; vm: string; ip: string }> {
    const port = (await req('POST', '/v2.0/ports', { port: { network_id: netId, 'binding:host_id': HOST_NAME, device_owner: 'compute:nova' } })).port;
    const vm = `${P}v${vms.length}`;
    vms.push(vm);
    const addr = port.fixed_ips[0].ip_address;
    await run('ip', ['netns', 'add', vm]);
    await run('ip', ['link', 'add', tapName(port.id), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', vm], { netns: HOST });
    await run('ip', ['-batch', '-'], { netns: vm, input: `link set lo up\nlink set eth0 address ${port.mac_address} up\naddr add ${addr}/24 dev eth0\n` });
    return { port, vm, ip: addr };
  }

  const cleanupKernel = async () => {
    for (const ns of [...vms, HOST]) await run('ip', ['netns', 'delete', ns], { allowFailure: true });
  };

  before(async () => {
    await cleanupKernel();
    s = await startTestServer('sqlite', {
      config: {
        DEFAULT: { service_plugins: 'qos' },
        ml2: { type_drivers: 'local', tenant_network_types: 'local', mechanism_drivers: 'linuxbridge', extension_drivers: 'port_security,qos' },
      },
    });
    await run('ip', ['netns', 'add', HOST]);
    await run('ip', ['link', 'set', 'lo', 'up'], { netns: HOST });
    const config = Config.load([], { agent: { host_namespace: HOST }, vxlan: { enable_vxlan: 'false' } });
    const dp = await LinuxBridgeDataplane.fromConfig(config, log, { supported: false, reason: 'test' }, new NoopFirewall());
    const qos = await QosL2Extension.create({ bus: s.bus, log, netns: HOST });
    agent = new L2Agent({ bus: s.bus, log, host: HOST_NAME, reportInterval: 0, dataplane: dp, extensions: [qos] });
    await agent.start();
    const net = (await req('POST', '/v2.0/networks', { network: { name: 'qos-dp' } })).network;
    await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.72.0.0/24', ip_version: 4, enable_dhcp: false } });
    inst.push(await instance(net.id), await instance(net.id));
    for (const i of inst) await until(`port ${i.port.id} ACTIVE`, async () => (await req('GET', `/v2.0/ports/${i.port.id}`)).port.status === 'ACTIVE', 10_000);
  });

  after(async () => {
    await agent?.stop().catch(() => undefined);
    await s?.close().catch(() => undefined);
    await cleanupKernel();
  });

  it('unlimited first: the veth pair carries far more than 10 Mbit/s', async () => {
    const mbit = await iperf(inst[0].vm, inst[1].vm, inst[1].ip, 5301);
    assert.ok(mbit > 50, `${mbit} Mbit/s`);
  });

  it('a 10 Mbit/s egress limit on a port holds within ±10%, through an ifb; removing the policy lifts it', async () => {
    const p = (await req('POST', '/v2.0/qos/policies', { policy: { name: 'ten' } })).policy;
    await req('POST', `/v2.0/qos/policies/${p.id}/bandwidth_limit_rules`, { bandwidth_limit_rule: { max_kbps: 10000, max_burst_kbps: 1000 } });
    const tap = tapName(inst[0].port.id);
    await req('PUT', `/v2.0/ports/${inst[0].port.id}`, { port: { qos_policy_id: p.id } });
    await until('the ifb shapes the tap', async () => (await run('tc', ['qdisc', 'show', 'dev', ifbOf(tap)], { netns: HOST, allowFailure: true })).stdout.includes('tbf'), 5000);
    const limited = await iperf(inst[0].vm, inst[1].vm, inst[1].ip, 5302);
    assert.ok(limited > 9 && limited < 11, `egress limited to ${limited} Mbit/s`);
    // a rule change reaches the tap by the policy fanout alone
    const rule = (await req('GET', `/v2.0/qos/policies/${p.id}/bandwidth_limit_rules`)).bandwidth_limit_rules[0];
    await req('PUT', `/v2.0/qos/policies/${p.id}/bandwidth_limit_rules/${rule.id}`, { bandwidth_limit_rule: { max_kbps: 5000, max_burst_kbps: 500 } });
    await until('the new rate', async () => (await run('tc', ['qdisc', 'show', 'dev', ifbOf(tap)], { netns: HOST })).stdout.includes('5Mbit'), 5000);
    await req('PUT', `/v2.0/ports/${inst[0].port.id}`, { port: { qos_policy_id: null } });
    await until('the ifb gone', async () => (await run('ip', ['link', 'show', ifbOf(tap)], { netns: HOST, allowFailure: true })).code !== 0, 5000);
    const free = await iperf(inst[0].vm, inst[1].vm, inst[1].ip, 5303);
    assert.ok(free > 50, `lifted: ${free} Mbit/s`);
  });

  it("an ingress limit (the network's policy) holds within ±10% on the receiving port; DSCP marking is the tap's nft chain", async () => {
    const p = (await req('POST', '/v2.0/qos/policies', { policy: { name: 'in' } })).policy;
    await req('POST', `/v2.0/qos/policies/${p.id}/bandwidth_limit_rules`, { bandwidth_limit_rule: { max_kbps: 10000, max_burst_kbps: 1000, direction: 'ingress' } });
    await req('POST', `/v2.0/qos/policies/${p.id}/dscp_marking_rules`, { dscp_marking_rule: { dscp_mark: 26 } });
    await req('PUT', `/v2.0/networks/${inst[1].port.network_id}`, { network: { qos_policy_id: p.id } });
    const tap = tapName(inst[1].port.id);
    await until('tbf on the tap', async () => (await run('tc', ['qdisc', 'show', 'dev', tap], { netns: HOST })).stdout.includes('tbf'), 5000);
    const limited = await iperf(inst[0].vm, inst[1].vm, inst[1].ip, 5304);
    assert.ok(limited > 9 && limited < 11, `ingress limited to ${limited} Mbit/s`);
    const chain = await run('nft', ['list', 'chain', 'netdev', 'neutrino-qos', tap], { netns: HOST });
    assert.match(chain.stdout, /ip dscp set af31/);
    await req('PUT', `/v2.0/networks/${inst[1].port.network_id}`, { network: { qos_policy_id: null } });
    await until('tbf gone', async () => !(await run('tc', ['qdisc', 'show', 'dev', tap], { netns: HOST })).stdout.includes('tbf'), 5000);
    const free = await iperf(inst[0].vm, inst[1].vm, inst[1].ip, 5305);
    assert.ok(free > 50, `lifted: ${free} Mbit/s`);
  });
});
