// `neutrino trace` latency on a real lab (server, agents over RabbitMQ, the real kernel): the
// wall time of POST /v2.0/trace as a client sees it, with the kernel checks (every host on the
// path asked over RPC) and model only, for three paths: a ping across hosts, a TCP port the
// destination's group drops, and the floating IP path from outside. Target: ≤ 300 ms. Then
// the cost of a drift audit of every host of the lab (each agent's own time, and the client's).
//
//   node dist/bench/trace.js [--runs 50]
//
// Needs root and RabbitMQ on 127.0.0.1:5672. A benchmark, not a test: figures are printed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NetworkApi, type Json } from '../src/compute/api-client.js';
import { InstanceStore } from '../src/compute/instance-store.js';
import { bootInstance } from '../src/compute/instances.js';
import { labDown, labUp } from '../src/lab/lab.js';
import { freePort } from '../test/helpers/free-port.js';

const args = process.argv.slice(2);
const RUNS = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 50;
const PREFIX = `tr${process.pid % 1000}b-`;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms (n=${xs.length})`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `neutrino-bench-${PREFIX}`));
  console.log(`lab ${PREFIX} (2 computes) in ${dir}; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  const lab = await labUp({ prefix: PREFIX, computes: 2, dir, port: await freePort(), onProgress: () => undefined });
  try {
    const api = new NetworkApi({ url: lab.url });
    const store = new InstanceStore(dir);
    const web = (await api.post('/security-groups', { security_group: { name: 'web' } })).security_group;
    await api.post('/security-group-rules', { security_group_rule: { security_group_id: web.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'icmp', remote_ip_prefix: '0.0.0.0/0' } });
    const a = await bootInstance(api, store, { name: 'ta', network: 'private', host: 'compute1' });
    const b = await bootInstance(api, store, { name: 'tb', network: 'private', host: 'compute2', securityGroups: ['web'] });
    const pub = (await api.get('/networks?name=public')).networks[0];
    const fip = (await api.post('/floatingips', { floatingip: { floating_network_id: pub.id, port_id: b.instance.port_id } })).floatingip;
    const paths: [string, Json][] = [
      ['ping across hosts', { from: a.instance.port_id, to: b.instance.port_id }],
      ['tcp/22 dropped at ingress', { from: a.instance.port_id, to: b.instance.port_id, protocol: 'tcp', dport: 22 }],
      ['outside → floating IP', { from: '198.51.100.1', to: fip.floating_ip_address }],
    ];
    console.log(`\nPOST /v2.0/trace, ${RUNS} runs each, one after another (client wall time)`);
    for (const [name, body] of paths) {
      for (const checkKernel of [true, false]) {
        const times: number[] = [];
        let verdict = '';
        let disagreements = 0;
        for (let i = 0; i < RUNS + 3; i++) {
          const t0 = performance.now();
          const t = (await api.post('/trace', { trace: { ...body, check_kernel: checkKernel } })).trace;
          if (i >= 3) times.push(performance.now() - t0); // the first runs warm the caches
          verdict = t.verdict;
          if (t.kernel_disagrees_at !== null) disagreements++;
        }
        console.log(`  ${name.padEnd(28)} ${checkKernel ? 'kernel checked' : 'model only    '}  ${fmt(times)}  [${verdict}${checkKernel ? `, ${disagreements} disagreeing` : ''}]`);
      }
    }
    console.log('  target: ≤ 300 ms with the kernel checks');

    // the drift audit of every host of the lab (Linux bridge, DHCP and L3 agents), none repairing
    console.log(`\nPOST /v2.0/audit of every host, ${RUNS} runs (client wall time; each agent's own time)`);
    const wall: number[] = [];
    const byAgent = new Map<string, number[]>();
    let drifts = 0;
    for (let i = 0; i < RUNS + 3; i++) {
      const t0 = performance.now();
      const a = (await api.post('/audit', { audit: {} })).audit;
      if (i < 3) continue;
      wall.push(performance.now() - t0);
      for (const r of a.audits as Json[]) {
        const key = `${r.host} ${r.agent_type} [${Object.entries(r.checked as Record<string, number>)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}]`;
        byAgent.set(key, [...(byAgent.get(key) ?? []), r.ms as number]);
        drifts += (r.drifts as Json[]).length;
      }
    }
    console.log(`  all hosts                    ${fmt(wall)}  [${drifts} drift(s) found]`);
    for (const [key, ms] of [...byAgent].sort()) console.log(`  ${key}: ${fmt(ms)}`);
  } finally {
    console.log('\nlab down…');
    await labDown(PREFIX, dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
