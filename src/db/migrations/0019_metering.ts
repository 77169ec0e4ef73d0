// Metering (Neutron's meteringlabels, meteringlabelrules) and the counters the L3 agents'
// metering extension reports (Neutron sends them as l3.meter notifications; here they are
// kept, one row per label and router, for GET /v2.0/metering/metering-label-counters).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('meteringlabels')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'varchar(1024)', (c) => c.notNull().defaultTo(''))
    .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('meteringlabelrules')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('metering_label_id', 'varchar(36)', (c) => c.notNull().references('meteringlabels.id').onDelete('cascade'))
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('direction', 'varchar(8)', (c) => c.notNull())
    .addColumn('remote_ip_prefix', 'varchar(64)')
    .addColumn('source_ip_prefix', 'varchar(64)')
    .addColumn('destination_ip_prefix', 'varchar(64)')
    .addColumn('excluded', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('ix_meteringlabelrules_label').on('meteringlabelrules').column('metering_label_id').execute();
  await db.schema
    .createTable('meteringlabelcounters')
    .addColumn('metering_label_id', 'varchar(36)', (c) => c.notNull().references('meteringlabels.id').onDelete('cascade'))
    .addColumn('router_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('pkts', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('first_update', 'varchar(32)', (c) => c.notNull())
    .addColumn('last_update', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_meteringlabelcounters', ['metering_label_id', 'router_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['meteringlabelcounters', 'meteringlabelrules', 'meteringlabels']) await db.schema.dropTable(t).ifExists().execute();
}
