// Availability zone hints of networks and routers (Neutron keeps them as a JSON list in a
// 255-character column, as here; NULL or '[]' = no hint).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('networks').addColumn('availability_zone_hints', 'varchar(255)').execute();
  await db.schema.alterTable('routers').addColumn('availability_zone_hints', 'varchar(255)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('routers').dropColumn('availability_zone_hints').execute();
  await db.schema.alterTable('networks').dropColumn('availability_zone_hints').execute();
}
