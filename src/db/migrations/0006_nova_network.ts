// nova-network's modes on the core model (docs/nova-network.md): a nova-network network IS a
// Neutron network and subnet; these tables hold only what a mode adds to them.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('nova_networks')
    .addColumn('network_id', 'varchar(36)', (c) => c.primaryKey().references('networks.id').onDelete('cascade'))
    // flat | flatdhcp | vlan
    .addColumn('mode', 'varchar(16)', (c) => c.notNull())
    // the Linux bridge the network's instances are plugged into (flat_network_bridge, br<vlan>)
    .addColumn('bridge', 'varchar(64)', (c) => c.notNull())
    // flat_interface / vlan_interface: the host interface under the bridge
    .addColumn('bridge_interface', 'varchar(64)')
    .addColumn('multi_host', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  // one network per bridge: two networks on one bridge would share its broadcast domain
  await db.schema.createIndex('uniq_nova_networks0bridge').on('nova_networks').column('bridge').unique().execute();

  // a floating range of a pool (`neutrino-manage floating create`): a subnet of the pool's
  // external network, and the interface nova put its addresses on
  await db.schema
    .createTable('nova_floating_ranges')
    .addColumn('subnet_id', 'varchar(36)', (c) => c.primaryKey().references('subnets.id').onDelete('cascade'))
    .addColumn('interface', 'varchar(64)', (c) => c.notNull())
    .execute();

  // fixed_ip_disassociate_timeout: a deleted instance's address, held by the network's
  // quarantine port until `until` before another instance may have it
  await db.schema
    .createTable('nova_fixed_ip_quarantine')
    .addColumn('subnet_id', 'varchar(36)', (c) => c.notNull().references('subnets.id').onDelete('cascade'))
    .addColumn('ip_address', 'varchar(64)', (c) => c.notNull())
    .addColumn('port_id', 'varchar(36)', (c) => c.notNull().references('ports.id').onDelete('cascade'))
    .addColumn('until', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_nova_fixed_ip_quarantine', ['subnet_id', 'ip_address'])
    .execute();
  await db.schema.createIndex('ix_nova_fixed_ip_quarantine_until').on('nova_fixed_ip_quarantine').column('until').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('nova_fixed_ip_quarantine').execute();
  await db.schema.dropTable('nova_floating_ranges').execute();
  await db.schema.dropTable('nova_networks').execute();
}
