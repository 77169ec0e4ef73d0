// What differs between the databases Neutrino runs on, behind one interface; one file per
// dialect (sqlite.ts, postgres.ts). Code outside src/db/ asks the dialect, never its name.
import type { Expression, Kysely, SqlBool } from 'kysely';
import type { Database } from './schema.js';

export interface OpenOptions {
  /** most connections in the pool (PostgreSQL) */
  maxPoolSize?: number;
  /** a pooled connection failed while idle (the server restarted, say) */
  onIdleError?: (err: Error) => void;
}

export interface Connection {
  kysely: Kysely<Database>;
  /** where the data lives, with any password removed */
  describe: string;
}

export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /** Opens the database `url` names, or answers null when the URL is not this dialect's. */
  open(url: string, opts: OpenOptions): Connection | null;

  /** Which unique constraint the error violated, if any (the name, or the columns on SQLite). */
  uniqueViolation(err: unknown): string | null;
  foreignKeyViolation(err: unknown): boolean;
  /** The database is down, unreachable or too busy: not the request's fault. */
  unreachable(err: unknown): boolean;

  /** Row lock for read-modify-write inside a transaction, where the database needs one. */
  forUpdate<T extends { forUpdate(): T }>(qb: T): T;
  /** `column IN ids`, in the form the database runs best. */
  idIn(column: string, ids: string[]): Expression<SqlBool>;

  /**
   * Data-modifying CTEs whose foreign keys are checked at the end of the statement, so one
   * statement can insert a row and the rows that refer to it.
   */
  readonly writableCtes: boolean;
  /** row_to_json / json_agg: a query can return rows of several tables in one row. */
  readonly jsonAggregates: boolean;
}
