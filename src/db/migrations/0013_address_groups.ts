// address-group: address groups (Neutron's address_groups, address_associations), their
// rbac-policies entries (addressgrouprbacs, as networkrbacs) and the security group rules that
// name one as their remote side (remote_address_group_id).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('address_groups')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('ix_address_groups_project_id').on('address_groups').column('project_id').execute();
  await db.schema
    .createTable('address_associations')
    .addColumn('address_group_id', 'varchar(36)', (c) => c.notNull().references('address_groups.id').onDelete('cascade'))
    .addColumn('address', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_address_associations', ['address_group_id', 'address'])
    .execute();
  await db.schema
    .createTable('addressgrouprbacs')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('object_id', 'varchar(36)', (c) => c.notNull().references('address_groups.id').onDelete('cascade'))
    .addColumn('action', 'varchar(255)', (c) => c.notNull())
    .addColumn('target_tenant', 'varchar(255)', (c) => c.notNull())
    .addUniqueConstraint('uniq_addressgrouprbacs0action0object_id0target_tenant', ['action', 'object_id', 'target_tenant'])
    .execute();
  await db.schema.createIndex('ix_addressgrouprbacs_target_tenant').on('addressgrouprbacs').column('target_tenant').execute();
  await db.schema.createIndex('ix_addressgrouprbacs_object_id').on('addressgrouprbacs').column('object_id').execute();
  await db.schema.alterTable('securitygrouprules').addColumn('remote_address_group_id', 'varchar(36)').execute();
  await db.schema.createIndex('ix_securitygrouprules_remote_address_group_id').on('securitygrouprules').column('remote_address_group_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('ix_securitygrouprules_remote_address_group_id').execute();
  await db.schema.alterTable('securitygrouprules').dropColumn('remote_address_group_id').execute();
  await db.schema.dropTable('addressgrouprbacs').execute();
  await db.schema.dropTable('address_associations').execute();
  await db.schema.dropTable('address_groups').execute();
}
