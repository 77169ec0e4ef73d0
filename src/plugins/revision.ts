// standard-attr-revisions: every change to a resource bumps its revision_number and updated_at.
import { sql } from 'kysely';
import { RevisionNumberConstraintFailed } from '../api/errors.js';
import { timestamp } from '../common/time.js';
import type { Trx } from '../db/transaction.js';

/** If-Match: revision_number=N against the row as it is now (412 on mismatch). */
export function checkRevision(current: number, ifMatch: number | null): void {
  if (ifMatch !== null && Number(current) !== ifMatch) {
    throw RevisionNumberConstraintFailed({ expected: ifMatch, current: Number(current) });
  }
}

/** Bumps the revision of a resource whose change lives elsewhere (its tags, its rules). */
export async function bumpRevision(trx: Trx, table: string, id: string): Promise<void> {
  await sql`update ${sql.table(table)} set revision_number = revision_number + 1, updated_at = ${timestamp()} where id = ${id}`.execute(trx);
}

interface Revisioned {
  id: string;
  updated_at: string;
  revision_number: number;
}

/**
 * Writes `changes` to `row` with the revision bump in the same statement, and returns the row
 * as it now is. The caller holds the row (locked on PostgreSQL, the only writer on SQLite), so
 * the new revision is known without reading the row back.
 */
export async function saveChanges<T extends Revisioned>(trx: Trx, table: string, row: T, changes: Partial<T>): Promise<T> {
  const now = timestamp();
  const assignments = Object.entries(changes).map(([k, v]) => sql`${sql.ref(k)} = ${v as string}`);
  assignments.push(sql`revision_number = revision_number + 1`, sql`updated_at = ${now}`);
  await sql`update ${sql.table(table)} set ${sql.join(assignments)} where id = ${row.id}`.execute(trx);
  return { ...row, ...changes, updated_at: now, revision_number: Number(row.revision_number) + 1 };
}
