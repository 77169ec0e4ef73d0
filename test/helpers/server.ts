// Test servers: the real API on a real database (a fresh SQLite file, or a fresh PostgreSQL
// database created for the test and dropped after), driven in-process or over HTTP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApi, type Api } from '../../src/server/assemble.js';
import { Config } from '../../src/config/config.js';
import { openDatabase, type Db } from '../../src/db/connection.js';
import { upgrade } from '../../src/db/migrate.js';
import { scratchDatabase } from './postgres.js';
import { openBus } from '../../src/rpc/index.js';
import type { Bus, Consumer } from '../../src/rpc/bus.js';
import { serveRpc } from '../../src/server/rpc-server.js';
import { makeKeystoneAuth } from '../../src/api/auth/auth-hook.js';

export type DbKind = 'sqlite' | 'postgres';

export { PG_ADMIN_URL, pgProblem } from './postgres.js';

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Record<string, unknown>;
}

export interface TestServer {
  api: Api;
  db: Db;
  /** the bus the server serves RPC on ([DEFAULT] transport_url; a private memory:// one unless given) */
  bus: Bus;
  transportUrl: string;
  kind: DbKind;
  /** the [database] connection it uses */
  connection: string;
  /** base URL when listening, else null */
  url: string | null;
  req(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** as req, with the answer's body as the server wrote it (not parsed) */
  rawReq(method: string, path: string, headers?: Record<string, string>): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

let serial = 0;

/**
 * A way to run the noauth suites under another auth strategy unchanged: extra server config,
 * and each request's identity headers (X-Project-Id, X-Roles) turned into what that strategy
 * wants (test/keystone/token-identities.ts: real Keystone tokens), answers turned back.
 */
export interface IdentityTranslation {
  serverConfig(): Record<string, Record<string, string>>;
  request(path: string, body: string | undefined, headers: Record<string, string>): Promise<{ path: string; body: string | undefined; headers: Record<string, string> }>;
  response(text: string): string;
  /** the project id the server stores for a suite's project name */
  storedProjectId(name: string): string;
}

let translation: IdentityTranslation | null = null;

/**
 * The project id the server stores for a project name a suite made up: the name itself under
 * noauth, another id when identities are translated (Keystone chooses its project ids). For
 * assertions on sort order by project.
 */
export function storedProjectId(name: string): string {
  return translation ? translation.storedProjectId(name) : name;
}

/** From now on, test servers started without an auth_strategy of their own use `t` (null: plain noauth). */
export function useIdentityTranslation(t: IdentityTranslation | null): void {
  translation = t;
}

export async function startTestServer(kind: DbKind, opts: { listen?: boolean; config?: Record<string, Record<string, string>>; shareDatabaseOf?: TestServer } = {}): Promise<TestServer> {
  let connection: string;
  let cleanup: () => Promise<void>;
  if (opts.shareDatabaseOf) {
    // a second server on the same database, as behind a load balancer; the first one drops it
    connection = opts.shareDatabaseOf.connection;
    cleanup = async () => undefined;
  } else if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'neutrino-test-'));
    connection = `sqlite:///${join(dir, 'neutrino.sqlite')}`; // an absolute path: sqlite:////tmp/…
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const created = await scratchDatabase('neutrino_t');
    connection = created.url;
    cleanup = created.drop;
  }
  const translate = translation && !opts.config?.DEFAULT?.auth_strategy ? translation : null;
  const overrides: Record<string, Record<string, string>> = { ...(opts.config ?? {}) };
  if (translate) {
    for (const [section, values] of Object.entries(translate.serverConfig())) overrides[section] = { ...values, ...(overrides[section] ?? {}) };
  }
  overrides.database = { connection, ...(overrides.database ?? {}) };
  overrides.DEFAULT = { bind_port: '0', ...(overrides.DEFAULT ?? {}) };
  const config = Config.load([], overrides);
  const log = pino({ level: process.env.NEUTRINO_TEST_LOG ?? 'silent' });
  const db = openDatabase(connection, { maxPoolSize: 20 });
  await upgrade(db);
  const transportUrl = opts.config?.DEFAULT?.transport_url ?? `memory://test-${process.pid}-${++serial}`;
  const bus = await openBus(transportUrl, { log, responseTimeoutMs: 10_000, connectionName: `neutrino:test-server:${process.pid}` });
  const auth = config.str('DEFAULT', 'auth_strategy') === 'keystone' ? makeKeystoneAuth(config, log) : undefined;
  const api = buildApi({ config, db, log, bus, auth });
  const consumers: Consumer[] = await serveRpc(bus, api);
  let url: string | null = null;
  if (opts.listen) {
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = api.app.server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  } else {
    await api.app.ready();
  }
  return {
    api,
    db,
    kind,
    connection,
    url,
    bus,
    transportUrl,
    async rawReq(method, path, headers = {}) {
      let sent: Record<string, string> = headers;
      if (translate) ({ path, headers: sent } = await translate.request(path, undefined, headers));
      const r = await api.app.inject({ method: method as 'GET', url: path, headers: sent });
      return { status: r.statusCode, body: translate ? translate.response(r.body) : r.body };
    },
    async req(method, path, body, headers = {}) {
      let payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      let sent: Record<string, string> = { 'content-type': 'application/json', ...headers };
      if (translate) ({ path, body: payload, headers: sent } = await translate.request(path, payload, sent));
      const r = await api.app.inject({ method: method as 'GET', url: path, headers: sent, payload });
      const text = translate && r.body ? translate.response(r.body) : r.body;
      let parsed: unknown = null;
      if (text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      return { status: r.statusCode, body: parsed, headers: r.headers };
    },
    async close() {
      await api.app.close();
      for (const c of consumers) await c.stop();
      await bus.close();
      await db.close();
      await cleanup();
    },
  };
}

/** Headers that make a request act as a non-admin member of `project`. */
export const asMember = (project: string): Record<string, string> => ({ 'x-project-id': project, 'x-roles': 'member,reader' });
export const asReader = (project: string): Record<string, string> => ({ 'x-project-id': project, 'x-roles': 'reader' });
export const asAdmin = (project: string): Record<string, string> => ({ 'x-project-id': project, 'x-roles': 'admin,member,reader' });
