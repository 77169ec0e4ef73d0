// Statements of fixed shape, built and compiled by Kysely once per dialect and then only bound
// to new values. Building and compiling a query costs 6–30 µs of CPU each time; the port write
// path runs about ten such statements per request, the same ten every time.
import { CompiledQuery, type Compilable, type Insertable } from 'kysely';
import type { Db } from './connection.js';
import type { Database } from './schema.js';
import type { Trx } from './transaction.js';

/** Stand-ins for the values while the statement is compiled: found again among its parameters. */
const marker = (i: number) => `\u0000neutrino-param-${i}\u0000`;

interface Template {
  sql: string;
  parameters: readonly unknown[];
  /** for each value given to the statement, where it goes among the parameters */
  slots: number[][];
}

/**
 * A statement whose values are scalars (never lists: an IN list changes the SQL with its
 * length). `build` must use each value as a bound parameter, as Kysely does for every value
 * in where/values/set; a value it inlines into the SQL makes the first call throw.
 *
 *   const portById = statement((db, id: string) => db.kysely.selectFrom('ports').selectAll().where('id', '=', id));
 *   const rows = await portById.all(db, trx, id);
 */
export function statement<A extends unknown[], O>(build: (db: Db, ...values: A) => Compilable<O>) {
  const templates = new Map<string, Template>();

  const template = (db: Db, arity: number): Template => {
    let t = templates.get(db.dialect.name);
    if (t) return t;
    const markers = Array.from({ length: arity }, (_, i) => marker(i));
    const compiled = build(db, ...(markers as A)).compile();
    const slots = markers.map((m) => compiled.parameters.flatMap((p, k) => (p === m ? [k] : [])));
    const lost = slots.findIndex((s) => s.length === 0);
    if (lost >= 0) throw new Error(`statement(): value ${lost} is not a bound parameter of ${compiled.sql}`);
    if (markers.some((m) => compiled.sql.includes(m))) throw new Error(`statement(): a value is inlined into ${compiled.sql}`);
    t = { sql: compiled.sql, parameters: compiled.parameters, slots };
    templates.set(db.dialect.name, t);
    return t;
  };

  const bind = (db: Db, values: A): CompiledQuery<O> => {
    const t = template(db, values.length);
    const parameters = t.parameters.slice();
    for (let i = 0; i < values.length; i++) for (const k of t.slots[i]) parameters[k] = values[i];
    return CompiledQuery.raw(t.sql, parameters) as CompiledQuery<O>;
  };

  return {
    /** Every row, run on `trx` (a transaction, or db.kysely). */
    async all(db: Db, trx: Trx, ...values: A): Promise<O[]> {
      return (await trx.executeQuery(bind(db, values))).rows;
    },
    async first(db: Db, trx: Trx, ...values: A): Promise<O | undefined> {
      return (await trx.executeQuery(bind(db, values))).rows[0];
    },
    /** Rows changed (insert, update, delete without RETURNING). */
    async run(db: Db, trx: Trx, ...values: A): Promise<number> {
      return Number((await trx.executeQuery(bind(db, values))).numAffectedRows ?? 0);
    },
  };
}

/**
 * `INSERT INTO table (columns…) VALUES (…)` of one row, compiled once per set of columns: the
 * rows a create writes have the same columns every time.
 */
export function rowInsert<T extends keyof Database & string>(table: T) {
  const byColumns = new Map<string, ReturnType<typeof statement<unknown[], unknown>>>();
  return {
    run(db: Db, trx: Trx, row: Insertable<Database[T]>): Promise<number> {
      // as Kysely does, a column whose value is undefined is left out
      const columns = Object.keys(row).filter((c) => (row as Record<string, unknown>)[c] !== undefined);
      const key = columns.join(',');
      let s = byColumns.get(key);
      if (!s) {
        // biome-ignore lint/suspicious/noExplicitAny: the row's columns are the table's, checked by the caller's type
        s = statement((d, ...values: unknown[]) => d.kysely.insertInto(table).values(Object.fromEntries(columns.map((c, i) => [c, values[i]])) as any));
        byColumns.set(key, s);
      }
      return s.run(db, trx, ...columns.map((c) => (row as Record<string, unknown>)[c]));
    },
  };
}
