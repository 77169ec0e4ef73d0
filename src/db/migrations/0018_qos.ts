// QoS (Neutron's qos_policies, qos_*_rules, qos_policies_default): policies and their rules;
// a port's or network's policy is a column of its row (Neutron keeps qos_port_policy_bindings
// and qos_network_policy_bindings; every port read takes the row whole, as dns_name).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('qos_policies')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('ix_qos_policies_project_id').on('qos_policies').column('project_id').execute();
  // one default policy per project (qos-default)
  await db.schema
    .createTable('qos_policies_default')
    .addColumn('project_id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('qos_policy_id', 'varchar(36)', (c) => c.notNull().references('qos_policies.id').onDelete('cascade'))
    .execute();
  await db.schema
    .createTable('qos_bandwidth_limit_rules')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('qos_policy_id', 'varchar(36)', (c) => c.notNull().references('qos_policies.id').onDelete('cascade'))
    .addColumn('max_kbps', 'integer', (c) => c.notNull())
    .addColumn('max_burst_kbps', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('direction', 'varchar(8)', (c) => c.notNull().defaultTo('egress'))
    .addUniqueConstraint('qos_bandwidth_rules0qos_policy_id0direction', ['qos_policy_id', 'direction'])
    .execute();
  await db.schema
    .createTable('qos_dscp_marking_rules')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('qos_policy_id', 'varchar(36)', (c) => c.notNull().unique().references('qos_policies.id').onDelete('cascade'))
    .addColumn('dscp_mark', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('qos_minimum_bandwidth_rules')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('qos_policy_id', 'varchar(36)', (c) => c.notNull().references('qos_policies.id').onDelete('cascade'))
    .addColumn('min_kbps', 'integer', (c) => c.notNull())
    .addColumn('direction', 'varchar(8)', (c) => c.notNull().defaultTo('egress'))
    .addUniqueConstraint('qos_minimum_bandwidth_rules0qos_policy_id0direction', ['qos_policy_id', 'direction'])
    .execute();
  await db.schema.alterTable('ports').addColumn('qos_policy_id', 'varchar(36)').execute();
  await db.schema.alterTable('networks').addColumn('qos_policy_id', 'varchar(36)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('networks').dropColumn('qos_policy_id').execute();
  await db.schema.alterTable('ports').dropColumn('qos_policy_id').execute();
  for (const t of ['qos_minimum_bandwidth_rules', 'qos_dscp_marking_rules', 'qos_bandwidth_limit_rules', 'qos_policies_default', 'qos_policies']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
