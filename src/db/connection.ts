// Opens the database named by [database] connection: SQLite (better-sqlite3) or PostgreSQL (pg).
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, SqliteDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** where the data lives, with any password removed */
  describe: string;
  close(): Promise<void>;
}

// PostgreSQL returns int8 (count(*), bigint columns) as strings by default.
pg.types.setTypeParser(20, (v) => Number(v));

export function sqlitePath(url: string): string | null {
  if (url === 'sqlite://' || url === 'sqlite:///:memory:') return ':memory:';
  if (url.startsWith('sqlite:////')) return '/' + url.slice('sqlite:////'.length);
  if (url.startsWith('sqlite:///')) return resolve(url.slice('sqlite:///'.length));
  return null;
}

/**
 * better-sqlite3 compiles every statement it is given; Kysely asks for a new one per query.
 * Keeping the compiled statements (keyed by SQL text) saves a fifth of the server's CPU.
 * Safe because Kysely's SQLite driver runs one statement at a time on its one connection.
 */
function withStatementCache(db: SQLite.Database, size = 500): { prepare(sql: string): SQLite.Statement; close(): void } {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = db.prepare(sql);
        if (cache.size >= size) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, stmt);
      return stmt;
    },
    close: () => {
      cache.clear();
      db.close();
    },
  };
}

/**
 * Runs Kysely's data statements as named (prepared) statements, so PostgreSQL parses and plans
 * each distinct statement once per connection instead of on every call: about half of
 * PostgreSQL's CPU per API request. Statements with many parameters (bulk inserts, long IN
 * lists) stay unnamed so the per-connection cache stays small.
 */
function withPreparedStatements(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string | null>();
  const nameFor = (text: string, params: number): string | undefined => {
    let name = names.get(text);
    if (name === undefined) {
      const cacheable = params > 0 && params <= 32 && /^\s*(select|insert|update|delete|with)\b/i.test(text);
      name = cacheable ? `n${createHash('sha1').update(text).digest('hex').slice(0, 24)}` : null;
      if (names.size > 2000) names.clear();
      names.set(text, name);
    }
    return name ?? undefined;
  };
  return {
    async connect() {
      const client = await pool.connect();
      return {
        query: ((text: unknown, values?: readonly unknown[]) => {
          if (typeof text !== 'string') return client.query(text as never);
          return client.query({ text, values: values as unknown[], name: nameFor(text, values?.length ?? 0) });
        }) as unknown as PostgresPoolClient['query'],
        release: () => client.release(),
      };
    },
    end: () => pool.end(),
  };
}

export function openDatabase(url: string, opts: { maxPoolSize?: number; onIdleError?: (err: Error) => void } = {}): Db {
  const path = sqlitePath(url);
  if (path !== null) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const sqlite = new SQLite(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    return { kysely, dialect: 'sqlite', describe: `sqlite ${path}`, close: () => kysely.destroy() };
  }
  if (/^postgres(ql)?(\+\w+)?:\/\//.test(url)) {
    const cleaned = url.replace(/^postgres(ql)?(\+\w+)?:/, 'postgresql:');
    const pool = new pg.Pool({ connectionString: cleaned, max: opts.maxPoolSize ?? 16 });
    // an idle connection dropped by the server (restart, failover) must not crash the process;
    // the pool replaces it on the next checkout
    pool.on('error', (err) => opts.onIdleError?.(err));
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withPreparedStatements(pool) }) });
    const safe = cleaned.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
    return { kysely, dialect: 'postgres', describe: `postgresql ${safe}`, close: () => kysely.destroy() };
  }
  throw new Error(
    `[database] connection = ${url}: unsupported; use sqlite:///relative/path, sqlite:////absolute/path or postgresql://user@host:5432/dbname`,
  );
}

/** Which unique constraint a database error violated, if any. */
export function uniqueViolation(err: unknown): string | null {
  const e = err as { code?: string; constraint?: string; message?: string };
  if (e?.code === '23505') return e.constraint ?? 'unknown';
  if (e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE') {
    // "UNIQUE constraint failed: ports.network_id, ports.mac_address"
    const cols = (e.message ?? '').split(':')[1]?.trim() ?? '';
    if (cols.startsWith('ipallocations.')) return 'uniq_ipallocations0subnet_id0ip_address';
    if (cols.includes('ports.mac_address')) return 'uniq_ports0network_id0mac_address';
    return cols;
  }
  return null;
}

export function foreignKeyViolation(err: unknown): boolean {
  const e = err as { code?: string };
  return e?.code === '23503' || e?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
