// VPNaaS (neutron-vpnaas's tables): IKE and IPsec policies, VPN services on routers, endpoint
// groups with their endpoints, IPsec site connections with their peer CIDRs. A service holds
// its router (and subnet) against deletion; a connection holds its service and policies.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const policy = (name: string) =>
    db.schema
      .createTable(name)
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
      .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
      .addColumn('auth_algorithm', 'varchar(16)', (c) => c.notNull())
      .addColumn('encryption_algorithm', 'varchar(16)', (c) => c.notNull())
      .addColumn('lifetime_units', 'varchar(16)', (c) => c.notNull())
      .addColumn('lifetime_value', 'integer', (c) => c.notNull())
      .addColumn('pfs', 'varchar(16)', (c) => c.notNull());
  await policy('ikepolicies')
    .addColumn('phase1_negotiation_mode', 'varchar(16)', (c) => c.notNull())
    .addColumn('ike_version', 'varchar(16)', (c) => c.notNull())
    .execute();
  await policy('ipsecpolicies')
    .addColumn('transform_protocol', 'varchar(16)', (c) => c.notNull())
    .addColumn('encapsulation_mode', 'varchar(16)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('vpnservices')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('admin_state_up', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('external_v4_ip', 'varchar(64)')
    .addColumn('external_v6_ip', 'varchar(64)')
    .addColumn('subnet_id', 'varchar(36)', (c) => c.references('subnets.id'))
    .addColumn('router_id', 'varchar(36)', (c) => c.notNull().references('routers.id'))
    .execute();
  await db.schema.createIndex('ix_vpnservices_router_id').on('vpnservices').column('router_id').execute();

  await db.schema
    .createTable('vpn_endpoint_groups')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('endpoint_type', 'varchar(16)', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('vpn_endpoints')
    .addColumn('endpoint', 'varchar(255)', (c) => c.notNull())
    .addColumn('endpoint_group_id', 'varchar(36)', (c) => c.notNull().references('vpn_endpoint_groups.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('pk_vpn_endpoints', ['endpoint', 'endpoint_group_id'])
    .execute();

  await db.schema
    .createTable('ipsec_site_connections')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('peer_address', 'varchar(255)', (c) => c.notNull())
    .addColumn('peer_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('local_id', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('route_mode', 'varchar(8)', (c) => c.notNull())
    .addColumn('mtu', 'integer', (c) => c.notNull())
    .addColumn('initiator', 'varchar(16)', (c) => c.notNull())
    .addColumn('auth_mode', 'varchar(16)', (c) => c.notNull())
    .addColumn('psk', 'varchar(255)', (c) => c.notNull())
    .addColumn('dpd_action', 'varchar(16)', (c) => c.notNull())
    .addColumn('dpd_interval', 'integer', (c) => c.notNull())
    .addColumn('dpd_timeout', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('admin_state_up', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('vpnservice_id', 'varchar(36)', (c) => c.notNull().references('vpnservices.id'))
    .addColumn('ipsecpolicy_id', 'varchar(36)', (c) => c.notNull().references('ipsecpolicies.id'))
    .addColumn('ikepolicy_id', 'varchar(36)', (c) => c.notNull().references('ikepolicies.id'))
    .addColumn('local_ep_group_id', 'varchar(36)', (c) => c.references('vpn_endpoint_groups.id'))
    .addColumn('peer_ep_group_id', 'varchar(36)', (c) => c.references('vpn_endpoint_groups.id'))
    .execute();
  await db.schema.createIndex('ix_ipsec_site_connections_vpnservice_id').on('ipsec_site_connections').column('vpnservice_id').execute();
  await db.schema
    .createTable('ipsecpeercidrs')
    .addColumn('cidr', 'varchar(64)', (c) => c.notNull())
    .addColumn('ipsec_site_connection_id', 'varchar(36)', (c) => c.notNull().references('ipsec_site_connections.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('pk_ipsecpeercidrs', ['cidr', 'ipsec_site_connection_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['ipsecpeercidrs', 'ipsec_site_connections', 'vpn_endpoints', 'vpn_endpoint_groups', 'vpnservices', 'ipsecpolicies', 'ikepolicies']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
