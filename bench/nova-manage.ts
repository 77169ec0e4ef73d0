// `neutrino-manage network create … --num_networks 1000` (target ≤ 2 s): the whole command as an
// operator runs it (a child process: start, assemble, one transaction, print) and the create
// itself in-process, on SQLite and on PostgreSQL.
//
//   node dist/bench/nova-manage.js [--db sqlite|postgres|both] [--networks N] [--runs R]
//
// A benchmark, not a test: figures are printed, never asserted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Config } from '../src/config/config.js';
import { openDatabase } from '../src/db/connection.js';
import { upgrade } from '../src/db/migrate.js';
import { buildNovaNetwork } from '../src/plugins/nova_network/nova-network-plugin.js';
import { openBus } from '../src/rpc/index.js';
import { buildApi } from '../src/server/assemble.js';
import { pgProblem, scratchDatabase } from '../test/helpers/postgres.js';

const MANAGE = new URL('../src/cli/manage.js', import.meta.url).pathname;
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const dbs = arg('--db', 'both') === 'both' ? ['sqlite', 'postgres'] : [arg('--db', 'both')];
const N = Number(arg('--networks', '1000'));
const RUNS = Number(arg('--runs', '3'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function benchOne(kind: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nv-bench-manage-'));
  let connection = `sqlite:///${join(dir, 'n.db')}`;
  let drop: () => Promise<void> = async () => undefined;
  if (kind === 'postgres') {
    const problem = await pgProblem();
    if (problem) {
      console.log(`postgres: skipped (${problem})`);
      return;
    }
    const db = await scratchDatabase('neutrino_bench_manage');
    connection = db.url;
    drop = db.drop;
  }
  try {
    const conf = join(dir, 'neutrino.conf');
    writeFileSync(conf, `[DEFAULT]\nstate_path = ${dir}\n[database]\nconnection = ${connection}\n[ml2_type_vlan]\nnetwork_vlan_ranges = eth1\n`);
    const config = Config.load([conf]);
    const log = pino({ level: 'silent' });
    const db = openDatabase(connection);
    await upgrade(db);
    // the command as an operator runs it: /16 → N × /26 (N ≤ 1024), VLANs from 1
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        MANAGE,
        '--config-file',
        conf,
        'network',
        'create',
        '--label',
        'cli',
        '--fixed_range_v4',
        '10.0.0.0/16',
        '--num_networks',
        String(N),
        '--network_size',
        '64',
        '--vlan_start',
        '1',
        '--bridge_interface',
        'eth1',
      ],
      {
        encoding: 'utf8',
      },
    );
    const cli = performance.now() - t0;
    if (r.status !== 0) throw new Error(`neutrino-manage failed: ${r.stderr}`);
    // a command that writes nothing: process start, assembly and one read
    const t1 = performance.now();
    const startup = spawnSync(process.execPath, [MANAGE, '--config-file', conf, 'network', 'list'], { encoding: 'utf8' });
    const list = performance.now() - t1;
    if (startup.status !== 0) throw new Error(startup.stderr);

    // the create itself, in-process, on fresh ranges and VLANs each run
    const bus = await openBus('memory://bench-manage', { log });
    const api = buildApi({ config, db, log, bus });
    const nn = buildNovaNetwork(api.services, api.core);
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const t = performance.now();
      const made = await nn.networks.create({
        mode: 'vlan',
        label: `run${run}`,
        fixedRangeV4: `10.${run + 1}.0.0/16`,
        numNetworks: N,
        networkSize: 64,
        bridgeInterface: 'eth1',
        vlanStart: 1 + N * (run + 1),
        multiHost: false,
      });
      times.push(performance.now() - t);
      if (made.length !== N) throw new Error(`made ${made.length} networks, not ${N}`);
    }
    await api.app.close();
    await bus.close();
    await db.close();
    console.log(
      `${kind}: network create --num_networks ${N}: whole command ${(cli / 1000).toFixed(2)} s (network list of them, for the process start: ${(list / 1000).toFixed(2)} s); ` +
        `create in-process median ${(median(times) / 1000).toFixed(2)} s over ${RUNS} runs [${times.map((t) => (t / 1000).toFixed(2)).join(', ')}] (target ≤ 2 s)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await drop();
  }
}

console.log(
  `load average: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (${process.env.HOSTNAME ?? 'this host'})`,
);
for (const kind of dbs) await benchOne(kind);
