// rbac-policies: which projects may use (access_as_shared) or reach as external
// (access_as_external) another project's network. '*' targets every project; a network's
// `shared` and `router:external` columns mirror the wildcard and any external entry.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('networkrbacs')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('object_id', 'varchar(36)', (c) => c.notNull().references('networks.id').onDelete('cascade'))
    .addColumn('action', 'varchar(255)', (c) => c.notNull())
    .addColumn('target_tenant', 'varchar(255)', (c) => c.notNull())
    .addUniqueConstraint('uniq_networkrbacs0action0object_id0target_tenant', ['action', 'object_id', 'target_tenant'])
    .execute();
  await db.schema.createIndex('ix_networkrbacs_project_id').on('networkrbacs').column('project_id').execute();
  await db.schema.createIndex('ix_networkrbacs_target_tenant').on('networkrbacs').column('target_tenant').execute();
  await db.schema.createIndex('ix_networkrbacs_object_id').on('networkrbacs').column('object_id').execute();

  // networks shared or external before this migration get their wildcard entries
  const nets = await db
    .selectFrom('networks')
    .select(['id', 'project_id', 'shared', 'router_external'])
    .where((eb) => eb.or([eb('shared', '=', 1), eb('router_external', '=', 1)]))
    .execute();
  const rows = nets.flatMap((n: { id: string; project_id: string; shared: number; router_external: number }) => [
    ...(n.shared === 1 ? [{ id: randomUUID(), project_id: n.project_id, object_id: n.id, action: 'access_as_shared', target_tenant: '*' }] : []),
    ...(n.router_external === 1 ? [{ id: randomUUID(), project_id: n.project_id, object_id: n.id, action: 'access_as_external', target_tenant: '*' }] : []),
  ]);
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('networkrbacs')
      .values(rows.slice(i, i + 500))
      .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('networkrbacs').ifExists().execute();
}
