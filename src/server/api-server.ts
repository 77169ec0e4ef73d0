// `neutrino server`: opens the database, checks or runs migrations, serves the API, and
// shuts down cleanly on SIGTERM/SIGINT.
import type { Logger } from 'pino';
import { makeKeystoneAuth } from '../api/auth/auth-hook.js';
import { loadPolicy } from '../api/policy/policy-file.js';
import { buildApi, type Api } from './assemble.js';
import type { Config } from '../config/config.js';
import { openDatabase, type Db } from '../db/connection.js';
import { pendingMigrations, upgrade } from '../db/migrate.js';
import { openBus } from '../rpc/index.js';
import type { Bus } from '../rpc/bus.js';
import { serveRpc } from './rpc-server.js';
import { startMetadataService, type MetadataService } from '../api/metadata-server.js';

export interface RunningServer {
  api: Api;
  db: Db;
  bus: Bus;
  url: string;
  /** the metadata service, when the metadata plugin is loaded */
  metadataUrl?: string;
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export async function startApiServer(config: Config, log: Logger, opts: { upgradeDb?: boolean } = {}): Promise<RunningServer> {
  config.validate();
  const host = config.str('DEFAULT', 'bind_host');
  const port = config.int('DEFAULT', 'bind_port');
  const strategy = config.str('DEFAULT', 'auth_strategy');
  // Only noauth is dangerous off loopback: with keystone every request proves who it is.
  if (strategy === 'noauth' && !LOOPBACK.test(host) && !config.bool('DEFAULT', 'allow_insecure_noauth')) {
    throw new Error(
      `refusing to listen on ${host} with auth_strategy = noauth: anyone who can reach it would be admin. ` + 'Bind to 127.0.0.1, or set [DEFAULT] allow_insecure_noauth = true if you really mean it.',
    );
  }
  // Before the database and bus: a missing [keystone_authtoken] option fails at once.
  const auth = strategy === 'keystone' ? makeKeystoneAuth(config, log) : undefined;
  // So does a malformed [oslo_policy] policy_file: a server must not start with rules nobody meant.
  const policy = loadPolicy(config, log);
  const db = openDatabase(config.str('database', 'connection'), {
    maxPoolSize: config.int('database', 'max_pool_size'),
    onIdleError: (err) => log.warn({ event: 'db.connection_lost', err: err.message }, 'an idle database connection was closed by the server; it will be replaced'),
  });
  try {
    if (opts.upgradeDb || config.bool('database', 'auto_upgrade')) {
      const r = await upgrade(db, (name) => log.info({ event: 'db.migrate', migration: name }, `applied migration ${name}`));
      log.info({ event: 'db.ready', database: db.describe, revision: r.current, applied: r.applied.length }, 'database ready');
    } else {
      const pending = await pendingMigrations(db);
      if (pending.length) {
        throw new Error(`the database (${db.describe}) lacks ${pending.length} migration(s) (${pending.join(', ')}): run \`neutrino db upgrade\` or start with --db-upgrade`);
      }
    }
  } catch (e) {
    await db.close();
    throw e;
  }
  let bus: Bus;
  try {
    bus = await openBus(config.str('DEFAULT', 'transport_url'), {
      log,
      responseTimeoutMs: config.int('DEFAULT', 'rpc_response_timeout') * 1000,
      connectionName: `neutrino:server:${process.pid}`,
    });
  } catch (e) {
    await db.close();
    throw new Error(`cannot reach the message bus: ${(e as Error).message}. Check [DEFAULT] transport_url and that RabbitMQ is running.`);
  }
  const api = buildApi({ config, db, log, bus, auth, policy });
  const consumers = await serveRpc(bus, api);
  await api.app.listen({ host, port });
  const addr = api.app.server.address();
  const boundPort = typeof addr === 'object' && addr ? addr.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  log.info({ event: 'server.listen', url, database: db.describe, bus: bus.describe, auth_strategy: strategy }, `Networking API v2.0 listening on ${url}`);
  const source = api.plugins.find((p) => p.metadata)?.metadata;
  let metadata: MetadataService | undefined;
  if (source) {
    try {
      metadata = await startMetadataService({
        host: config.str('DEFAULT', 'metadata_listen'),
        port: config.int('DEFAULT', 'metadata_listen_port'),
        secret: config.str('DEFAULT', 'metadata_proxy_shared_secret'),
        source,
        log,
      });
    } catch (e) {
      await api.app.close();
      for (const c of consumers) await c.stop();
      await bus.close();
      await db.close();
      throw new Error(`the metadata service cannot listen on ${config.str('DEFAULT', 'metadata_listen')}:${config.int('DEFAULT', 'metadata_listen_port')}: ${(e as Error).message}`);
    }
  }
  let closed = false;
  return {
    api,
    db,
    bus,
    url,
    metadataUrl: metadata?.url,
    async close() {
      if (closed) return;
      closed = true;
      await metadata?.close();
      // in-flight requests finish; idle keep-alive connections are closed, and any still open
      // after the grace period are cut so a client holding a connection can't stall shutdown
      const idle = setInterval(() => api.app.server.closeIdleConnections(), 100);
      const cut = setTimeout(() => api.app.server.closeAllConnections(), 5000);
      try {
        await api.app.close();
      } finally {
        clearInterval(idle);
        clearTimeout(cut);
      }
      for (const c of consumers) await c.stop();
      await bus.close();
      await db.close();
      log.info({ event: 'server.stop' }, 'server stopped');
    },
  };
}
