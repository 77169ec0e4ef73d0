// Instance metadata (what Nova would keep for its metadata service): the instances the compute
// shim boots, with their user data, public keys and properties, and the projects' key pairs.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('instances')
    // the instance uuid: its ports' device_id
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('hostname', 'varchar(255)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('availability_zone', 'varchar(255)', (c) => c.notNull().defaultTo('nova'))
    .addColumn('key_name', 'varchar(255)')
    .addColumn('public_keys', 'text', (c) => c.notNull().defaultTo('{}')) // JSON {name: key}
    .addColumn('meta', 'text', (c) => c.notNull().defaultTo('{}')) // JSON {key: value}
    .addColumn('user_data', 'text') // base64, as Nova's API takes it
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ix_instances_project_id').on('instances').column('project_id').execute();

  await db.schema
    .createTable('keypairs')
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'varchar(128)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_keypairs', ['project_id', 'name'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('keypairs').execute();
  await db.schema.dropTable('instances').execute();
}
