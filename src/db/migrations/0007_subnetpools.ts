// Subnet pools and address scopes (Neutron's subnetpools, subnetpoolprefixes, address_scopes),
// the pool a subnet was allocated from, and rbac-policies entries on pools and scopes
// (subnetpoolrbacs, addressscoperbacs, shaped as networkrbacs).
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

async function rbacTable(db: Kysely<any>, table: string, objects: string): Promise<void> {
  await db.schema
    .createTable(table)
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('object_id', 'varchar(36)', (c) => c.notNull().references(`${objects}.id`).onDelete('cascade'))
    .addColumn('action', 'varchar(255)', (c) => c.notNull())
    .addColumn('target_tenant', 'varchar(255)', (c) => c.notNull())
    .addUniqueConstraint(`uniq_${table}0action0object_id0target_tenant`, ['action', 'object_id', 'target_tenant'])
    .execute();
  await db.schema.createIndex(`ix_${table}_target_tenant`).on(table).column('target_tenant').execute();
  await db.schema.createIndex(`ix_${table}_object_id`).on(table).column('object_id').execute();
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('address_scopes')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ip_version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ix_address_scopes_project_id').on('address_scopes').column('project_id').execute();

  await db.schema
    .createTable('subnetpools')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('revision_number', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('ip_version', 'integer', (c) => c.notNull())
    .addColumn('default_prefixlen', 'integer', (c) => c.notNull())
    .addColumn('min_prefixlen', 'integer', (c) => c.notNull())
    .addColumn('max_prefixlen', 'integer', (c) => c.notNull())
    .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('default_quota', 'integer')
    .addColumn('address_scope_id', 'varchar(36)', (c) => c.references('address_scopes.id'))
    // bumped by every change of the pool's allocations or prefixes (Neutron's subnetpools.hash):
    // a server's cached free space of the pool is good while it matches
    .addColumn('allocation_generation', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('ix_subnetpools_project_id').on('subnetpools').column('project_id').execute();
  await db.schema.createIndex('ix_subnetpools_address_scope_id').on('subnetpools').column('address_scope_id').execute();
  // one default pool per IP version, kept by the database when two requests race
  await sql`create unique index uniq_subnetpools0default0ip_version on subnetpools (ip_version) where is_default = 1`.execute(db);

  await db.schema
    .createTable('subnetpoolprefixes')
    .addColumn('subnetpool_id', 'varchar(36)', (c) => c.notNull().references('subnetpools.id').onDelete('cascade'))
    .addColumn('cidr', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_subnetpoolprefixes', ['subnetpool_id', 'cidr'])
    .execute();

  await db.schema
    .alterTable('subnets')
    .addColumn('subnetpool_id', 'varchar(36)', (c) => c.references('subnetpools.id'))
    .execute();
  await db.schema.createIndex('ix_subnets_subnetpool_id').on('subnets').column('subnetpool_id').execute();

  await rbacTable(db, 'subnetpoolrbacs', 'subnetpools');
  await rbacTable(db, 'addressscoperbacs', 'address_scopes');
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('addressscoperbacs').ifExists().execute();
  await db.schema.dropTable('subnetpoolrbacs').ifExists().execute();
  await db.schema.dropIndex('ix_subnets_subnetpool_id').ifExists().execute();
  await db.schema.alterTable('subnets').dropColumn('subnetpool_id').execute();
  await db.schema.dropTable('subnetpoolprefixes').ifExists().execute();
  await db.schema.dropTable('subnetpools').ifExists().execute();
  await db.schema.dropTable('address_scopes').ifExists().execute();
}
