// RPC bus benchmark: call round trip and fanout spread, in-process and over RabbitMQ.
// A benchmark, not a test: it prints figures and targets and never fails on timings.
//   node dist/bench/rpc.js [--quick] [--carrier memory|rabbit|both] [--url rabbit://…]
import { randomBytes } from 'node:crypto';
import { connect } from 'amqplib';
import { pino } from 'pino';
import { parseRabbitUrl } from '../src/rpc/amqp/amqp-bus.js';
import { openBus, type Bus } from '../src/rpc/index.js';

interface Options {
  quick: boolean;
  carrier: 'memory' | 'rabbit' | 'both';
  url: string;
}

const USAGE = `usage: node dist/bench/rpc.js [--quick] [--carrier memory|rabbit|both] [--url rabbit://user:pass@host:port/vhost]
  --quick    10x fewer calls and rounds (a smoke run)
  --carrier  which carrier(s) to measure (default both; under both an unreachable RabbitMQ is skipped)
  --url      RabbitMQ transport_url (default $NEUTRINO_BENCH_RABBIT_URL or rabbit://guest:guest@127.0.0.1:5672/)`;

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, carrier: 'both', url: process.env.NEUTRINO_BENCH_RABBIT_URL ?? 'rabbit://guest:guest@127.0.0.1:5672/' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--carrier' && ['memory', 'rabbit', 'both'].includes(argv[i + 1])) o.carrier = argv[++i] as Options['carrier'];
    else if (a === '--url' && argv[i + 1]) o.url = argv[++i];
    else {
      console.log(USAGE);
      process.exit(a === '--help' || a === '-h' ? 0 : 2);
    }
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const scale = opts.quick ? 10 : 1;
const CALLS = 2000 / scale;
const WARMUP_CALLS = 500 / scale;
const FANOUT_CONSUMERS = 100;
const FANOUT_BUSES = 10; // 10 "agents" with 10 consumers each
const ROUNDS = Math.max(5, 50 / scale);
const log = pino({ level: 'warn', base: null }, pino.destination(2));

/** nearest-rank percentile, in ms */
function pct(sortedNs: bigint[], p: number): number {
  const i = Math.min(sortedNs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedNs.length) - 1));
  return Number(sortedNs[i]) / 1e6;
}

function summary(ns: bigint[]): { p50: number; p99: number } {
  const s = [...ns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { p50: pct(s, 50), p99: pct(s, 99) };
}

interface Result {
  carrier: string;
  call: { p50: number; p99: number };
  fanout: { p50: number; p99: number };
}

async function measure(carrier: string, url: string, tag: string): Promise<Result> {
  const buses: Bus[] = [];
  const open = async (role: string) => {
    const b = await openBus(url, { log, responseTimeoutMs: 10_000, connectionName: `neutrino:bench-${role}:${process.pid}` });
    buses.push(b);
    return b;
  };
  try {
    const server = await open('server');
    const agent = await open('agent');
    const callTopic = `${tag}-call`;
    await agent.consume(callTopic, { echo: (a: { i: number }) => a.i }, { fanout: false });
    for (let i = 0; i < WARMUP_CALLS; i++) await server.call(callTopic, 'echo', { i });
    const callNs: bigint[] = [];
    for (let i = 0; i < CALLS; i++) {
      const t0 = process.hrtime.bigint();
      await server.call(callTopic, 'echo', { i, port: { id: 'p', fixed_ips: [{ ip_address: '10.0.0.5' }] } });
      callNs.push(process.hrtime.bigint() - t0);
    }

    // fanout: from fanout() until the last of 100 consumers ran its handler
    const fanTopic = `${tag}-fanout`;
    let got = 0;
    let done: (() => void) | null = null;
    const ep = { update: () => void (++got === FANOUT_CONSUMERS && done?.()) };
    for (let b = 0; b < FANOUT_BUSES; b++) {
      const bus = await open(`agent${b}`);
      for (let c = 0; c < FANOUT_CONSUMERS / FANOUT_BUSES; c++) await bus.consume(fanTopic, ep, { shared: false });
    }
    const round = async () => {
      got = 0;
      const all = new Promise<void>((r) => (done = r));
      const t0 = process.hrtime.bigint();
      await server.fanout(fanTopic, 'update', { network_id: 'n', segmentation_id: 42 });
      await all;
      return process.hrtime.bigint() - t0;
    };
    for (let i = 0; i < 3; i++) await round();
    const fanNs: bigint[] = [];
    for (let i = 0; i < ROUNDS; i++) fanNs.push(await round());
    return { carrier, call: summary(callNs), fanout: summary(fanNs) };
  } finally {
    for (const b of buses) await b.close();
  }
}

/** The bench's shared queue and fanout exchange outlive its consumers on RabbitMQ: remove them. */
async function removeRabbitLeftovers(url: string, tag: string): Promise<void> {
  const conn = await connect(parseRabbitUrl(url).target);
  try {
    const ch = await conn.createChannel();
    await ch.deleteQueue(`${tag}-call`);
    await ch.deleteExchange(`${tag}-fanout_fanout`);
    await ch.close();
  } finally {
    await conn.close();
  }
}

const fmt = (ms: number) => ms.toFixed(3).padStart(8);

async function main(): Promise<number> {
  const results: Result[] = [];
  const notes: string[] = [];
  const tag = `neutrino-bench-${process.pid}-${randomBytes(3).toString('hex')}`;
  console.log(
    `RPC bench: ${CALLS} sequential calls after ${WARMUP_CALLS} warm-up; fanout to ${FANOUT_CONSUMERS} consumers on ${FANOUT_BUSES} buses, ${ROUNDS} rounds${opts.quick ? ' (--quick)' : ''}`,
  );
  if (opts.carrier !== 'rabbit') results.push(await measure('memory', `memory://bench-${process.pid}`, tag));
  if (opts.carrier !== 'memory') {
    const shown = parseRabbitUrl(opts.url).describe;
    try {
      results.push(await measure('rabbit', opts.url, tag));
    } catch (err) {
      if (opts.carrier === 'rabbit') throw err;
      notes.push(`RabbitMQ at ${shown} skipped: ${(err as Error).message}`);
    } finally {
      await removeRabbitLeftovers(opts.url, tag).catch(() => undefined);
    }
  }

  console.log('\ncarrier   call p50 ms  call p99 ms  fanout→100 p50 ms  fanout→100 p99 ms');
  for (const r of results) {
    console.log(`${r.carrier.padEnd(8)}  ${fmt(r.call.p50)}     ${fmt(r.call.p99)}     ${fmt(r.fanout.p50)}           ${fmt(r.fanout.p99)}`);
  }
  const target = (carrier: string, label: string, limit: number) => {
    const r = results.find((x) => x.carrier === carrier);
    const state = !r ? 'n/a' : r.call.p50 <= limit ? 'MET' : 'NOT MET';
    console.log(`target ${label} call p50 <= ${limit} ms: ${state}${r ? ` (${r.call.p50.toFixed(3)} ms)` : ''}`);
  };
  console.log('');
  target('memory', 'in-process', 0.1);
  target('rabbit', 'RabbitMQ', 2);
  for (const n of notes) console.log(n);
  return 0;
}

process.once('SIGINT', () => process.exit(130));
main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`bench failed: ${(err as Error).stack ?? err}`);
    process.exitCode = 1;
  },
);
