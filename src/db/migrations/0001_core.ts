// Networks, subnets, ports, IP allocations, security groups, tags and quotas.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const withStandard = (name: string) =>
    db.schema
      .createTable(name)
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
      .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('revision_number', 'bigint', (c) => c.notNull().defaultTo(0));

  await withStandard('networks')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('admin_state_up', 'integer', (c) => c.notNull())
    .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('router_external', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('mtu', 'integer', (c) => c.notNull())
    .addColumn('port_security_enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('ix_networks_project_id').on('networks').column('project_id').execute();

  await withStandard('subnets')
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull().references('networks.id'))
    .addColumn('ip_version', 'integer', (c) => c.notNull())
    .addColumn('cidr', 'varchar(64)', (c) => c.notNull())
    .addColumn('gateway_ip', 'varchar(64)')
    .addColumn('enable_dhcp', 'integer', (c) => c.notNull())
    .addColumn('ipv6_ra_mode', 'varchar(16)')
    .addColumn('ipv6_address_mode', 'varchar(16)')
    .addColumn('allocation_pools', 'text', (c) => c.notNull())
    .addColumn('dns_nameservers', 'text', (c) => c.notNull())
    .addColumn('host_routes', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ix_subnets_network_id').on('subnets').column('network_id').execute();
  await db.schema.createIndex('ix_subnets_project_id').on('subnets').column('project_id').execute();

  await withStandard('ports')
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull().references('networks.id'))
    .addColumn('mac_address', 'varchar(32)', (c) => c.notNull())
    .addColumn('admin_state_up', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('device_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('device_owner', 'varchar(255)', (c) => c.notNull())
    .addColumn('port_security_enabled', 'integer', (c) => c.notNull())
    .addColumn('allowed_address_pairs', 'text', (c) => c.notNull())
    .addColumn('extra_dhcp_opts', 'text', (c) => c.notNull())
    .addUniqueConstraint('uniq_ports0network_id0mac_address', ['network_id', 'mac_address'])
    .execute();
  await db.schema.createIndex('ix_ports_project_id').on('ports').column('project_id').execute();
  await db.schema.createIndex('ix_ports_device_id').on('ports').column('device_id').execute();

  await db.schema
    .createTable('ipallocations')
    .addColumn('port_id', 'varchar(36)', (c) => c.notNull().references('ports.id').onDelete('cascade'))
    .addColumn('subnet_id', 'varchar(36)', (c) => c.notNull().references('subnets.id'))
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('ip_address', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('uniq_ipallocations0subnet_id0ip_address', ['subnet_id', 'ip_address'])
    .execute();
  await db.schema.createIndex('ix_ipallocations_port_id').on('ipallocations').column('port_id').execute();
  await db.schema.createIndex('ix_ipallocations_network_id').on('ipallocations').column('network_id').execute();

  await withStandard('securitygroups')
    .addColumn('stateful', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('ix_securitygroups_project_id').on('securitygroups').column('project_id').execute();

  await db.schema
    .createTable('securitygrouprules')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('security_group_id', 'varchar(36)', (c) => c.notNull().references('securitygroups.id').onDelete('cascade'))
    .addColumn('direction', 'varchar(8)', (c) => c.notNull())
    .addColumn('ethertype', 'varchar(8)', (c) => c.notNull())
    .addColumn('protocol', 'varchar(40)')
    .addColumn('port_range_min', 'integer')
    .addColumn('port_range_max', 'integer')
    .addColumn('remote_ip_prefix', 'varchar(64)')
    .addColumn('remote_group_id', 'varchar(36)', (c) => c.references('securitygroups.id').onDelete('cascade'))
    .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('revision_number', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('ix_sgrules_security_group_id').on('securitygrouprules').column('security_group_id').execute();
  await db.schema.createIndex('ix_sgrules_remote_group_id').on('securitygrouprules').column('remote_group_id').execute();

  await db.schema
    .createTable('securitygroupportbindings')
    .addColumn('port_id', 'varchar(36)', (c) => c.notNull().references('ports.id').onDelete('cascade'))
    .addColumn('security_group_id', 'varchar(36)', (c) => c.notNull().references('securitygroups.id'))
    .addPrimaryKeyConstraint('pk_sgportbindings', ['port_id', 'security_group_id'])
    .execute();
  await db.schema.createIndex('ix_sgportbindings_sg').on('securitygroupportbindings').column('security_group_id').execute();

  await db.schema
    .createTable('default_security_group')
    .addColumn('project_id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('security_group_id', 'varchar(36)', (c) => c.notNull().references('securitygroups.id').onDelete('cascade'))
    .execute();

  await db.schema
    .createTable('tags')
    .addColumn('resource_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('tag', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_tags', ['resource_id', 'tag'])
    .execute();
  await db.schema.createIndex('ix_tags_tag').on('tags').column('tag').execute();

  await db.schema
    .createTable('quotas')
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource', 'varchar(255)', (c) => c.notNull())
    .addColumn('limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_quotas', ['project_id', 'resource'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['quotas', 'tags', 'default_security_group', 'securitygroupportbindings', 'securitygrouprules', 'securitygroups', 'ipallocations', 'ports', 'subnets', 'networks']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
