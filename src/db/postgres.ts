// PostgreSQL through a pg pool.
import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, sql, type Expression, type PostgresPool, type PostgresPoolClient, type SqlBool } from 'kysely';
import pg from 'pg';
import type { Dialect } from './dialect.js';
import type { Database } from './schema.js';

// PostgreSQL returns int8 (count(*), bigint columns) as strings by default.
pg.types.setTypeParser(20, (v) => Number(v));

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

const SOCKET_ERRORS = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'];

export const postgres: Dialect = {
  name: 'postgres',
  writableCtes: true,
  jsonAggregates: true,

  open(url, opts) {
    if (!/^postgres(ql)?(\+\w+)?:\/\//.test(url)) return null;
    const cleaned = url.replace(/^postgres(ql)?(\+\w+)?:/, 'postgresql:');
    const pool = new pg.Pool({ connectionString: cleaned, max: opts.maxPoolSize ?? 16 });
    // an idle connection dropped by the server (restart, failover) must not crash the process;
    // the pool replaces it on the next checkout
    pool.on('error', (err) => opts.onIdleError?.(err));
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withPreparedStatements(pool) }) });
    const safe = cleaned.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
    return { kysely, describe: `postgresql ${safe}` };
  },

  uniqueViolation(err) {
    const e = err as { code?: string; constraint?: string };
    return e?.code === '23505' ? (e.constraint ?? 'unknown') : null;
  },

  foreignKeyViolation(err) {
    return (err as { code?: string })?.code === '23503';
  },

  unreachable(err) {
    const e = err as { code?: string; message?: string };
    if (SOCKET_ERRORS.includes(e?.code ?? '')) return true;
    // SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown)
    if (/^(08|57P)/.test(e?.code ?? '')) return true;
    return /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(e?.message ?? '');
  },

  // concurrent read-modify-write requests would otherwise overwrite each other
  forUpdate: (qb) => qb.forUpdate(),

  /** One array parameter (a hash join rather than an array scan per row): one prepared statement whatever the count. */
  idIn(column: string, ids: string[]): Expression<SqlBool> {
    return sql<SqlBool>`${sql.ref(column)} in (select unnest(${ids}::varchar[]))`;
  },
};
