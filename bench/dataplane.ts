// Data-plane benchmark, on a real lab (server + one linuxbridge agent process per host,
// RabbitMQ, the real kernel and the nftables firewall):
//  - port wiring latency: binding:host_id set → port ACTIVE, p50/p99, for instances booted
//    one after another on one host, then spread over two hosts;
//  - the agent's full resync time with 500 ports on its host (restart, read its agent.resync line);
//  - iperf3 TCP throughput instance → instance across hosts (VXLAN, bridges, firewall) next to
//    a direct veth pair between two namespaces on the same run.
//
//   node dist/bench/dataplane.js [--instances 200] [--resync-ports 500] [--quick]
//
// Needs root, RabbitMQ on 127.0.0.1:5672 and iperf3. A benchmark, not a test: figures are printed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetworkApi } from '../src/compute/api-client.js';
import { InstanceStore } from '../src/compute/instance-store.js';
import { bootInstance } from '../src/compute/instances.js';
import { labDown, labUp, restartAgent } from '../src/lab/lab.js';
import { run } from '../src/linux/exec.js';
import { freePort } from '../test/helpers/free-port.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const quick = args.includes('--quick');
const INSTANCES = opt('--instances', quick ? 40 : 200);
const RESYNC_PORTS = opt('--resync-ports', quick ? 100 : 500);
const PREFIX = `bd${process.pid % 1000}-`;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(0)} ms, p99 ${pct(xs, 99).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms (n=${xs.length})`;

/** iperf3 client → server, receiver Gbit/s of a 4 s TCP run. */
async function iperf(serverNs: string, clientNs: string, serverIp: string, dir: string): Promise<number> {
  const pidFile = join(dir, `iperf-${serverNs}.pid`);
  await run('ip', ['netns', 'exec', serverNs, 'iperf3', '-s', '-1', '-D', '-I', pidFile]);
  await new Promise((r) => setTimeout(r, 300));
  try {
    const r = await run('ip', ['netns', 'exec', clientNs, 'iperf3', '-c', serverIp, '-t', '4', '-J'], { timeoutMs: 20_000 });
    const j = JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } };
    return j.end.sum_received.bits_per_second / 1e9;
  } finally {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(pidFile)) process.kill(pid, 'SIGTERM');
    } catch {
      /* iperf3 -1 exits by itself after one test */
    }
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-bench-dp-'));
  const progress = (l: string) => console.log(`  ${l}`);
  console.log(`lab ${PREFIX} (2 computes) in ${dir}`);
  const lab = await labUp({ prefix: PREFIX, computes: 2, dir, port: await freePort(), onProgress: () => undefined });
  const veth = [`${PREFIX}va`, `${PREFIX}vb`];
  try {
    const api = new NetworkApi({ url: lab.url });
    const store = new InstanceStore(dir);
    const net = (await api.post('/networks', { network: { name: 'bench' } })).network;
    // more instances than the default port quota (500) of one project
    await api.put(`/quotas/${net.project_id}`, { quota: { port: -1 } });
    await api.post('/subnets', { subnet: { network_id: net.id, cidr: '10.100.0.0/20', ip_version: 4, name: 'bench-v4' } });
    // a group that lets the benchmark's iperf3 in (the default group already does: same group)
    let n = 0;
    const boot = async (host: string) => (await bootInstance(api, store, { name: `b${++n}`, network: net.id, host, timeoutMs: 30_000, pollMs: 2 })).wiringMs;

    console.log(`\nwiring latency, ${INSTANCES} instances booted one after another on compute1`);
    const one: number[] = [];
    for (let i = 0; i < INSTANCES; i++) one.push(await boot('compute1'));
    console.log(`  binding:host_id → ACTIVE: ${fmt(one)}`);

    console.log(`\nwiring latency, ${INSTANCES} instances spread over compute1 and compute2`);
    const spread: number[] = [];
    for (let i = 0; i < INSTANCES; i++) spread.push(await boot(i % 2 ? 'compute2' : 'compute1'));
    console.log(`  binding:host_id → ACTIVE: ${fmt(spread)}`);

    console.log(`\nburst: ${Math.min(INSTANCES, 64)} instances booted 8 at a time over both hosts`);
    const burst: number[] = [];
    const queue = Array.from({ length: Math.min(INSTANCES, 64) }, (_, i) => i);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) burst.push(await boot(i % 2 ? 'compute2' : 'compute1'));
      }),
    );
    console.log(`  binding:host_id → ACTIVE: ${fmt(burst)}`);

    const onCompute1 = store.list().filter((r) => r.host === 'compute1').length;
    console.log(`\nagent full resync with ${RESYNC_PORTS} ports on compute1 (now ${onCompute1}; booting the rest)`);
    for (let i = onCompute1; i < RESYNC_PORTS; i++) await boot('compute1');
    const logFile = join(dir, 'logs', 'agent-compute1.log');
    const resyncs: number[] = [];
    for (let round = 0; round < 3; round++) {
      const before = readFileSync(logFile, 'utf8').length;
      const r = await restartAgent(dir, 'compute1', 60);
      let line: { ms: number } | undefined;
      for (let t = 0; t < 600 && !line; t++) {
        const text = readFileSync(logFile, 'utf8').slice(before);
        const hit = text.split('\n').find((l) => l.includes('"event":"agent.resync"'));
        // a JSON line, or an oslo.log-style text line whose fields are the JSON at its end
        if (hit) line = JSON.parse(hit.slice(hit.indexOf('{'))) as { ms: number };
        else await new Promise((res) => setTimeout(res, 100));
      }
      if (!line) throw new Error('the restarted agent logged no agent.resync line');
      resyncs.push(line.ms);
      console.log(`  restart ${round + 1}: full sync ${line.ms} ms (process start → alive ${r.ms} ms)`);
    }
    const active = (await api.get(`/ports?binding:host_id=compute1&status=ACTIVE&fields=id`)).ports.length;
    console.log(`  ${active} ACTIVE ports on compute1 after the restarts`);

    console.log('\niperf3 TCP, 4 s runs (Gbit/s, receiver)');
    const a = store.list().find((r) => r.host === 'compute1')!;
    const b = store.list().find((r) => r.host === 'compute2')!;
    const bIp = (await api.get(`/ports/${b.port_id}`)).port.fixed_ips[0].ip_address as string;
    const cross: number[] = [];
    for (let i = 0; i < 3; i++) cross.push(await iperf(b.netns, a.netns, bIp, dir));
    for (const ns of veth) await run('ip', ['netns', 'add', ns]);
    await run('ip', ['-n', veth[0], '-batch', '-'], {
      input: [`link add eth0 netns ${veth[1]} type veth peer name eth0p`, 'link set lo up', 'link set eth0p up', 'addr add 10.99.0.1/24 dev eth0p'].join('\n') + '\n',
    });
    await run('ip', ['-n', veth[1], '-batch', '-'], { input: ['link set lo up', 'link set eth0 up', 'addr add 10.99.0.2/24 dev eth0'].join('\n') + '\n' });
    const direct: number[] = [];
    for (let i = 0; i < 3; i++) direct.push(await iperf(veth[1], veth[0], '10.99.0.2', dir));
    console.log(`  instance → instance across hosts (VXLAN + bridges + nftables SG): ${cross.map((x) => x.toFixed(2)).join(' ')}`);
    console.log(`  direct veth pair, same run:                                    ${direct.map((x) => x.toFixed(2)).join(' ')}`);

    console.log('\nsummary');
    console.log(`  wiring one host:    ${fmt(one)}   (target p50 ≤ 100, p99 ≤ 500)`);
    console.log(`  wiring two hosts:   ${fmt(spread)}`);
    console.log(`  wiring burst c=8:   ${fmt(burst)}`);
    console.log(`  resync ${RESYNC_PORTS} ports: ${resyncs.join(' / ')} ms   (target ≤ 2000)`);
    console.log(`  iperf3 cross-host ${pct(cross, 50).toFixed(2)} Gbit/s vs direct veth ${pct(direct, 50).toFixed(2)} Gbit/s (medians)`);
  } finally {
    for (const ns of veth) await run('ip', ['netns', 'delete', ns], { allowFailure: true });
    console.log('\nlab down…');
    await labDown(PREFIX, dir, progress);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
