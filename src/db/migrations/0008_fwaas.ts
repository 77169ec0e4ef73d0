// FWaaS v2 (neutron-fwaas's tables): rules, policies with their ordered rule associations,
// firewall groups with their port associations, and each project's default group.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('firewall_rules_v2')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'varchar(1024)', (c) => c.notNull().defaultTo(''))
    .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('protocol', 'varchar(40)')
    .addColumn('ip_version', 'integer', (c) => c.notNull())
    .addColumn('source_ip_address', 'varchar(46)')
    .addColumn('destination_ip_address', 'varchar(46)')
    .addColumn('source_port', 'varchar(11)')
    .addColumn('destination_port', 'varchar(11)')
    .addColumn('action', 'varchar(16)', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('ix_firewall_rules_v2_project_id').on('firewall_rules_v2').column('project_id').execute();

  await db.schema
    .createTable('firewall_policies_v2')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'varchar(1024)', (c) => c.notNull().defaultTo(''))
    .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('audited', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('ix_firewall_policies_v2_project_id').on('firewall_policies_v2').column('project_id').execute();

  await db.schema
    .createTable('firewall_policy_rule_associations_v2')
    .addColumn('firewall_policy_id', 'varchar(36)', (c) => c.notNull().references('firewall_policies_v2.id').onDelete('cascade'))
    .addColumn('firewall_rule_id', 'varchar(36)', (c) => c.notNull().references('firewall_rules_v2.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_firewall_policy_rule_associations_v2', ['firewall_policy_id', 'firewall_rule_id'])
    .execute();
  await db.schema.createIndex('ix_fwpra_v2_firewall_rule_id').on('firewall_policy_rule_associations_v2').column('firewall_rule_id').execute();

  await db.schema
    .createTable('firewall_groups_v2')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'varchar(1024)', (c) => c.notNull().defaultTo(''))
    .addColumn('admin_state_up', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ingress_firewall_policy_id', 'varchar(36)', (c) => c.references('firewall_policies_v2.id'))
    .addColumn('egress_firewall_policy_id', 'varchar(36)', (c) => c.references('firewall_policies_v2.id'))
    .execute();
  await db.schema.createIndex('ix_firewall_groups_v2_project_id').on('firewall_groups_v2').column('project_id').execute();

  await db.schema
    .createTable('firewall_group_port_associations_v2')
    .addColumn('firewall_group_id', 'varchar(36)', (c) => c.notNull().references('firewall_groups_v2.id').onDelete('cascade'))
    // one group per port, kept by the database when two requests race
    .addColumn('port_id', 'varchar(36)', (c) => c.primaryKey().references('ports.id').onDelete('cascade'))
    .execute();
  await db.schema.createIndex('ix_fwgpa_v2_firewall_group_id').on('firewall_group_port_associations_v2').column('firewall_group_id').execute();

  await db.schema
    .createTable('default_firewall_groups')
    .addColumn('project_id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('firewall_group_id', 'varchar(36)', (c) => c.notNull().references('firewall_groups_v2.id').onDelete('cascade'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['default_firewall_groups', 'firewall_group_port_associations_v2', 'firewall_groups_v2', 'firewall_policy_rule_associations_v2', 'firewall_policies_v2', 'firewall_rules_v2']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
