// QoS benchmark on the real kernel: an in-process server, a Linux bridge L2 agent with its qos
// extension in a host namespace, one bound port whose tap is a veth into an "instance"
// namespace. For N rounds it measures, from the moment the API request is sent:
//  - rule: PUT of the policy's bandwidth_limit rule (a new max_kbps) → the new rate on the
//    tap's ifb (the policy fanout alone);
//  - attach: PUT of the port's qos_policy_id (policy ↔ none, alternating) → the limit set up /
//    taken away (the port fanout, device details, get_qos_policies).
// "Enforced" is read with `tc qdisc show` every 5 ms. Target: policy change → enforced ≤ 500 ms.
//
//   node dist/bench/qos.js [--changes 20]
//
// Needs root, iproute2 and nftables. A benchmark, not a test: figures are printed; the
// namespaces it made are removed at the end.
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { NoopFirewall } from '../src/agents/firewall/noop-firewall.js';
import { QosL2Extension } from '../src/agents/l2/extensions/qos/qos-extension.js';
import { ifbOf } from '../src/agents/l2/extensions/qos/tc-qos.js';
import { L2Agent } from '../src/agents/l2/l2-agent.js';
import { LinuxBridgeDataplane } from '../src/agents/linuxbridge/linuxbridge-dataplane.js';
import { Config } from '../src/config/config.js';
import { tapName } from '../src/contract/device-names.js';
import { run } from '../src/linux/exec.js';
import { asAdmin, startTestServer } from '../test/helpers/server.js';

const args = process.argv.slice(2);
const CHANGES = args.includes('--changes') ? Number(args[args.indexOf('--changes') + 1]) : 20;
const P = `bq${process.pid % 10000}`;
const HOST = `${P}h`;
const VM = `${P}v`;
const ADMIN = asAdmin('qos-bench');
const log = pino({ level: 'silent' });

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('not enforced within 5 s');
}

async function main(): Promise<void> {
  const s = await startTestServer('sqlite', {
    config: { DEFAULT: { service_plugins: 'qos' }, ml2: { type_drivers: 'local', tenant_network_types: 'local', mechanism_drivers: 'linuxbridge', extension_drivers: 'port_security,qos' } },
  });
  let agent: L2Agent | null = null;
  try {
    const req = async (method: string, path: string, body?: unknown) => {
      const r = await s.req(method, path, body, ADMIN);
      if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    await run('ip', ['netns', 'add', HOST]);
    await run('ip', ['netns', 'add', VM]);
    const config = Config.load([], { agent: { host_namespace: HOST }, vxlan: { enable_vxlan: 'false' } });
    const dp = await LinuxBridgeDataplane.fromConfig(config, log, { supported: false, reason: 'bench' }, new NoopFirewall());
    agent = new L2Agent({ bus: s.bus, log, host: `${P}-host`, reportInterval: 0, dataplane: dp, extensions: [await QosL2Extension.create({ bus: s.bus, log, netns: HOST })] });
    await agent.start();
    const net = (await req('POST', '/v2.0/networks', { network: { name: 'bench' } })).network;
    await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.74.0.0/24', ip_version: 4, enable_dhcp: false } });
    const port = (await req('POST', '/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': `${P}-host`, device_owner: 'compute:nova' } })).port;
    const tap = tapName(port.id);
    await run('ip', ['link', 'add', tap, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', VM], { netns: HOST });
    await waitFor(async () => (await req('GET', `/v2.0/ports/${port.id}`)).port.status === 'ACTIVE');
    const policy = (await req('POST', '/v2.0/qos/policies', { policy: { name: 'bench' } })).policy;
    const rule = (await req('POST', `/v2.0/qos/policies/${policy.id}/bandwidth_limit_rules`, { bandwidth_limit_rule: { max_kbps: 10000 } })).bandwidth_limit_rule;
    const ifbShows = async (text: string) => (await run('tc', ['qdisc', 'show', 'dev', ifbOf(tap)], { netns: HOST, allowFailure: true })).stdout.includes(text);
    await req('PUT', `/v2.0/ports/${port.id}`, { port: { qos_policy_id: policy.id } });
    await waitFor(() => ifbShows('tbf'));

    const ruleMs: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const kbps = 20000 + i * 1000;
      const t0 = performance.now();
      await req('PUT', `/v2.0/qos/policies/${policy.id}/bandwidth_limit_rules/${rule.id}`, { bandwidth_limit_rule: { max_kbps: kbps } });
      await waitFor(() => ifbShows(`rate ${kbps / 1000}Mbit`));
      ruleMs.push(performance.now() - t0);
    }
    const attachMs: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const attach = i % 2 === 1;
      const t0 = performance.now();
      await req('PUT', `/v2.0/ports/${port.id}`, { port: { qos_policy_id: attach ? policy.id : null } });
      await waitFor(async () => (await ifbShows('tbf')) === attach);
      attachMs.push(performance.now() - t0);
    }
    const show = (name: string, xs: number[]) =>
      console.log(`${name.padEnd(34)} n=${xs.length}  p50 ${pct(xs, 50).toFixed(0)} ms  p95 ${pct(xs, 95).toFixed(0)} ms  max ${Math.max(...xs).toFixed(0)} ms`);
    console.log('QoS policy change → enforced (target ≤ 500 ms)');
    show('rule PUT → new rate on the tap', ruleMs);
    show('port qos_policy_id PUT → (un)limited', attachMs);
  } finally {
    await agent?.stop().catch(() => undefined);
    await s.close().catch(() => undefined);
    for (const ns of [VM, HOST]) await run('ip', ['netns', 'delete', ns], { allowFailure: true });
  }
}

await main();
