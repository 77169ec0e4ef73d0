// auto-allocated-topology: the default external network (networks.is_default) and, per
// project, the topology made for it (Neutron's auto_allocated_topologies). A row is written
// first as a claim ('building', with each object's id as it is made) and marked 'ready' at the
// end, so a request that died half-way is found and cleaned up by the next one.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('networks')
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('auto_allocated_topologies')
    .addColumn('project_id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('network_id', 'varchar(36)')
    .addColumn('router_id', 'varchar(36)')
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('auto_allocated_topologies').execute();
  await db.schema.alterTable('networks').dropColumn('is_default').execute();
}
