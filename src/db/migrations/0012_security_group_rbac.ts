// rbac-security-groups: access_as_shared entries on security groups (Neutron's
// securitygrouprbacs, shaped as networkrbacs).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('securitygrouprbacs')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('object_id', 'varchar(36)', (c) => c.notNull().references('securitygroups.id').onDelete('cascade'))
    .addColumn('action', 'varchar(255)', (c) => c.notNull())
    .addColumn('target_tenant', 'varchar(255)', (c) => c.notNull())
    .addUniqueConstraint('uniq_securitygrouprbacs0action0object_id0target_tenant', ['action', 'object_id', 'target_tenant'])
    .execute();
  await db.schema.createIndex('ix_securitygrouprbacs_target_tenant').on('securitygrouprbacs').column('target_tenant').execute();
  await db.schema.createIndex('ix_securitygrouprbacs_object_id').on('securitygrouprbacs').column('object_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('securitygrouprbacs').execute();
}
