// One transaction per API change, retried a bounded number of times when the database's
// unique constraints (the final guard for IPs, MACs and default groups) catch a race.
import { sql, type Expression, type Kysely, type SqlBool, type Transaction } from 'kysely';
import type { Db } from '../db/connection.js';
import { uniqueViolation } from '../db/connection.js';
import type { Database } from '../db/schema.js';

export type Trx = Transaction<Database> | Kysely<Database>;

/** Hooks that run after the transaction ends, to keep in-memory caches in step with the database. */
export class UnitOfWork {
  private commits: (() => void)[] = [];
  private rollbacks: (() => void)[] = [];
  onCommit(f: () => void): void {
    this.commits.push(f);
  }
  onRollback(f: () => void): void {
    this.rollbacks.push(f);
  }
  committed(): void {
    for (const f of this.commits) f();
  }
  rolledBack(): void {
    for (const f of this.rollbacks.reverse()) f();
  }
}

/** Constraint violations that mean "someone else got there first, try again". */
const RETRYABLE = [
  'uniq_ipallocations0subnet_id0ip_address',
  'uniq_ports0network_id0mac_address',
  'default_security_group_pkey',
  'default_security_group.project_id',
  'ml2_segment_allocations',
  'uniq_agents0agent_type0host',
  'agents.agent_type',
  'networkdhcpagentbindings',
  'routerl3agentbindings',
  // two associations of one fixed address: the retry finds the first and answers 409
  'uniq_floatingips0floatingnetworkid0fixedportid0fixedipaddress',
];

export const MAX_RETRIES = 10;

export async function inTransaction<T>(
  db: Db,
  work: (trx: Transaction<Database>, uow: UnitOfWork) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const uow = new UnitOfWork();
    try {
      const result = await db.kysely.transaction().execute((trx) => work(trx, uow));
      uow.committed();
      return result;
    } catch (e) {
      uow.rolledBack();
      const c = uniqueViolation(e);
      if (c && RETRYABLE.some((r) => c.includes(r)) && attempt < MAX_RETRIES) {
        // a little jitter so racing servers do not collide in lockstep
        await new Promise((r) => setTimeout(r, Math.random() * 2 * attempt));
        continue;
      }
      throw e;
    }
  }
}

/**
 * Row lock for read-modify-write inside a transaction. PostgreSQL needs it (concurrent
 * updates would otherwise overwrite each other); SQLite has one writer at a time already
 * and no FOR UPDATE syntax.
 */
export function lockedIf<T extends { forUpdate(): T }>(db: Db, qb: T, lock: boolean): T {
  return lock && db.dialect === 'postgres' ? qb.forUpdate() : qb;
}

export const bool = (n: number | boolean | null | undefined): boolean => n === 1 || n === true;
export const int = (b: boolean): number => (b ? 1 : 0);

/**
 * The resources whose child rows (addresses, bindings, tags …) a render needs: their ids, or,
 * for a long list, the query that found them. Run again as a subquery it beats binding
 * thousands of ids on SQLite (about 15% of a 5,000-port list) and costs the same on PostgreSQL.
 */
export type IdSet = string[] | { subquery: Expression<unknown> };

/** Runs `run` with a condition `column IN ids`. */
export async function rowsForIds<T>(db: Db, ids: IdSet, column: string, run: (where: Expression<SqlBool>) => Promise<T[]>): Promise<T[]> {
  if (!Array.isArray(ids)) return run(sql<SqlBool>`${sql.ref(column)} in (${ids.subquery})`);
  return chunked(ids, (chunk) => run(idIn(db, column, chunk)));
}

/**
 * `column IN ids`. PostgreSQL gets one array parameter (`in (select unnest($1))`, a hash join
 * rather than an array scan per row): one prepared statement whatever the count.
 */
function idIn(db: Db, column: string, ids: string[]): Expression<SqlBool> {
  if (db.dialect === 'postgres') return sql<SqlBool>`${sql.ref(column)} in (select unnest(${ids}::varchar[]))`;
  return sql<SqlBool>`${sql.ref(column)} in (${sql.join(ids)})`;
}

/** Runs `q` over `ids` in chunks small enough for every dialect's parameter limit. */
async function chunked<T>(ids: string[], q: (chunk: string[]) => Promise<T[]>, size = 5000): Promise<T[]> {
  if (ids.length === 0) return [];
  if (ids.length <= size) return q(ids);
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += size) out.push(...(await q(ids.slice(i, i + size))));
  return out;
}

export function countBy(keys: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

export function groupBy<T, K>(rows: T[], key: (r: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}
