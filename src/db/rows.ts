// Helpers for reading rows: SQLite's 0/1 booleans, and child rows selected by their parents' ids.
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from './connection.js';

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
  return chunked(ids, (chunk) => run(db.dialect.idIn(column, chunk)));
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
