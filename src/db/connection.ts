// Opens the database named by [database] connection: SQLite (better-sqlite3) or PostgreSQL (pg).
import type { Kysely } from 'kysely';
import type { Dialect, OpenOptions } from './dialect.js';
import { postgres } from './postgres.js';
import type { Database } from './schema.js';
import { sqlite } from './sqlite.js';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** where the data lives, with any password removed */
  describe: string;
  close(): Promise<void>;
}

const DIALECTS: Dialect[] = [sqlite, postgres];

export function openDatabase(url: string, opts: OpenOptions = {}): Db {
  for (const dialect of DIALECTS) {
    const c = dialect.open(url, opts);
    if (c) return { kysely: c.kysely, dialect, describe: c.describe, close: () => c.kysely.destroy() };
  }
  throw new Error(`[database] connection = ${url}: unsupported; use sqlite:///relative/path, sqlite:////absolute/path or postgresql://user@host:5432/dbname`);
}

// An error carries its own driver's codes, so these need no Db at hand: each dialect knows its own.

/** Which unique constraint a database error violated, if any. */
export function uniqueViolation(err: unknown): string | null {
  for (const d of DIALECTS) {
    const c = d.uniqueViolation(err);
    if (c !== null) return c;
  }
  return null;
}

export function foreignKeyViolation(err: unknown): boolean {
  return DIALECTS.some((d) => d.foreignKeyViolation(err));
}

/** Connection-level failures: the database is down or unreachable, not a bad request. */
export function databaseUnreachable(err: unknown): boolean {
  return DIALECTS.some((d) => d.unreachable(err));
}
