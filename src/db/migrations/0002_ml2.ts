// ML2: network segments and their allocations, port bindings, agents, provisioning blocks,
// DHCP agent ↔ network scheduling and tunnel endpoints.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('networksegments')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('network_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('physical_network', 'varchar(64)')
    .addColumn('segmentation_id', 'integer')
    .addColumn('segment_index', 'integer', (c) => c.notNull().defaultTo(0))
    .addForeignKeyConstraint('fk_networksegments_network', ['network_id'], 'networks', ['id'], (cb) => cb.onDelete('cascade').deferrable().initiallyDeferred())
    .execute();
  // (segments are allocated before their network row is written: the network's MTU depends
  // on them, so the foreign keys above are checked at commit)
  await db.schema.createIndex('ix_networksegments_network_id').on('networksegments').column('network_id').execute();

  // Only taken segments are stored (Neutron keeps a row per VLAN/VNI in range; 16M VNIs
  // would be 16M rows). The primary key settles races: the loser's transaction is retried.
  await db.schema
    .createTable('ml2_segment_allocations')
    .addColumn('network_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('physical_network', 'varchar(64)', (c) => c.notNull())
    .addColumn('segmentation_id', 'integer', (c) => c.notNull())
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull())
    .addForeignKeyConstraint('fk_ml2_segment_allocations_network', ['network_id'], 'networks', ['id'], (cb) => cb.onDelete('cascade').deferrable().initiallyDeferred())
    .addPrimaryKeyConstraint('ml2_segment_allocations_pkey', ['network_type', 'physical_network', 'segmentation_id'])
    .execute();
  await db.schema.createIndex('ix_ml2_segment_allocations_network_id').on('ml2_segment_allocations').column('network_id').execute();

  await db.schema
    .createTable('agents')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('agent_type', 'varchar(255)', (c) => c.notNull())
    .addColumn('binary', 'varchar(255)', (c) => c.notNull())
    .addColumn('topic', 'varchar(255)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('admin_state_up', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('configurations', 'text', (c) => c.notNull())
    .addColumn('resource_versions', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('availability_zone', 'varchar(255)')
    .addColumn('load', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('heartbeat_timestamp', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('uniq_agents0agent_type0host', ['agent_type', 'host'])
    .execute();

  await db.schema
    .createTable('ml2_port_bindings')
    .addColumn('port_id', 'varchar(36)', (c) => c.primaryKey().references('ports.id').onDelete('cascade'))
    .addColumn('host', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('vnic_type', 'varchar(64)', (c) => c.notNull().defaultTo('normal'))
    .addColumn('profile', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('vif_type', 'varchar(64)', (c) => c.notNull().defaultTo('unbound'))
    .addColumn('vif_details', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('segment_id', 'varchar(36)')
    .addColumn('driver', 'varchar(64)')
    .execute();
  await db.schema.createIndex('ix_ml2_port_bindings_host').on('ml2_port_bindings').column('host').execute();

  await db.schema
    .createTable('provisioningblocks')
    .addColumn('port_id', 'varchar(36)', (c) => c.notNull().references('ports.id').onDelete('cascade'))
    .addColumn('entity', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_provisioningblocks', ['port_id', 'entity'])
    .execute();

  await db.schema
    .createTable('networkdhcpagentbindings')
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull().references('networks.id').onDelete('cascade'))
    .addColumn('dhcp_agent_id', 'varchar(36)', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('pk_networkdhcpagentbindings', ['network_id', 'dhcp_agent_id'])
    .execute();

  await db.schema
    .createTable('ml2_tunnel_endpoints')
    .addColumn('tunnel_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('ip_address', 'varchar(64)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_ml2_tunnel_endpoints', ['tunnel_type', 'ip_address'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['ml2_tunnel_endpoints', 'networkdhcpagentbindings', 'provisioningblocks', 'ml2_port_bindings', 'agents', 'ml2_segment_allocations', 'networksegments']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
