// [DEFAULT] api_workers: N processes serving one port (node:cluster shares the listening
// socket). The primary migrates once, forks the workers, replaces one that dies, and on
// SIGTERM stops them all (each drains its in-flight requests). Every worker is a whole server:
// its own database pool and bus connection, the RPC consumers included (so rpc work spreads
// over them too). Nothing a request needs lives only in one worker's memory: IPAM caches are
// guarded by the database's unique keys, quotas are counted in the creating transaction, agent
// liveness is in the database (docs/architecture.md, "Caches and who owns them").
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config/config.js';
import { openDatabase } from '../db/connection.js';
import { upgrade } from '../db/migrate.js';
import { sqlitePath } from '../db/sqlite.js';

/** How many API processes: the option, or (unset) one per core on PostgreSQL and one on SQLite. */
export function apiWorkers(config: Config): number {
  const sqlite = sqlitePath(config.str('database', 'connection')) !== null;
  if (!config.has('DEFAULT', 'api_workers')) return sqlite ? 1 : availableParallelism();
  const n = config.int('DEFAULT', 'api_workers');
  if (n > 1 && sqlite) {
    throw new ConfigError(
      `[DEFAULT] api_workers = ${n}: SQLite is the single-process embedded database, so one process serves it; ` + 'set [database] connection = postgresql://… for several workers, or api_workers = 1',
    );
  }
  return n;
}

export const isApiWorker = (): boolean => cluster.isWorker;

/**
 * Runs the primary of a multi-worker server: migrations once, then `n` workers running this
 * same command. Resolves when every worker has exited after SIGTERM/SIGINT.
 */
export async function runPrimary(config: Config, log: Logger, n: number, opts: { upgradeDb?: boolean }): Promise<void> {
  if (opts.upgradeDb || config.bool('database', 'auto_upgrade')) {
    const db = openDatabase(config.str('database', 'connection'), { maxPoolSize: 1 });
    try {
      const r = await upgrade(db, (name) => log.info({ event: 'db.migrate', migration: name }, `applied migration ${name}`));
      log.info({ event: 'db.ready', database: db.describe, revision: r.current, applied: r.applied.length }, 'database ready');
    } finally {
      await db.close();
    }
  }
  let stopping = false;
  const fork = (): Worker => {
    const w = cluster.fork();
    w.once('exit', (code, signal) => {
      if (stopping) return;
      // a worker that dies is replaced; its in-flight requests are lost, the others' are not
      log.error({ event: 'server.worker_died', worker_pid: w.process.pid, code, signal }, `API worker ${w.process.pid} exited (${signal ?? code}); starting another`);
      setTimeout(fork, 1000).unref();
    });
    return w;
  };
  for (let i = 0; i < n; i++) fork();
  log.info({ event: 'server.workers', api_workers: n }, `started ${n} API workers`);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info({ event: 'server.signal', signal }, `received ${signal}, stopping ${n} API workers`);
      const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
      if (!alive.length) return resolve();
      let left = alive.length;
      for (const w of alive) {
        w.once('exit', () => {
          if (--left === 0) resolve();
        });
        w.process.kill('SIGTERM');
      }
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log.info({ event: 'server.stop' }, 'all API workers stopped');
}
