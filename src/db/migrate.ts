// Schema migrations (Kysely Migrator) for `neutrino db upgrade` and server start.
import { Migrator, type MigrationResultSet } from 'kysely';
import type { Db } from './connection.js';
import { MIGRATIONS } from './migrations/index.js';

function migrator(db: Db): Migrator {
  return new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableName: 'neutrino_migrations',
    migrationLockTableName: 'neutrino_migrations_lock',
  });
}

export interface UpgradeResult {
  applied: string[];
  current: string | null;
}

export async function upgrade(db: Db, onStep?: (name: string) => void): Promise<UpgradeResult> {
  const result: MigrationResultSet = await migrator(db).migrateToLatest();
  const applied: string[] = [];
  for (const r of result.results ?? []) {
    if (r.status === 'Success') {
      applied.push(r.migrationName);
      onStep?.(r.migrationName);
    }
  }
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${(result.error as Error).message ?? String(result.error)}`);
  }
  return { applied, current: await currentRevision(db) };
}

export async function currentRevision(db: Db): Promise<string | null> {
  const all = await migrator(db).getMigrations();
  const done = all.filter((m) => m.executedAt);
  return done.length ? done[done.length - 1].name : null;
}

export async function pendingMigrations(db: Db): Promise<string[]> {
  return (await migrator(db).getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
}
