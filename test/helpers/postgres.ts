// Scratch PostgreSQL databases for tests and benchmarks: created fresh, dropped after.
import pg from 'pg';

export const PG_ADMIN_URL = process.env.NEUTRINO_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** Why PostgreSQL can't be used, or null when it can. */
export async function pgProblem(url = PG_ADMIN_URL): Promise<string | null> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('select 1');
    return null;
  } catch (e) {
    return `PostgreSQL at ${url} is not reachable: ${(e as Error).message}`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function adminQuery(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function scratchDatabase(prefix: string, adminUrl = PG_ADMIN_URL): Promise<ScratchDatabase> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await adminQuery(adminUrl, `create database ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), name, drop: () => adminQuery(adminUrl, `drop database if exists ${name} with (force)`) };
}
