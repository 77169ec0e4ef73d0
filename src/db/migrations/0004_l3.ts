// L3: routers, the ports they own, their extra routes, floating IPs, and which L3 agent
// hosts each router.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('routers')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('revision_number', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('admin_state_up', 'integer', (c) => c.notNull())
    .addColumn('gw_port_id', 'varchar(36)', (c) => c.references('ports.id'))
    .addColumn('enable_snat', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('ix_routers_project_id').on('routers').column('project_id').execute();

  await db.schema
    .createTable('routerports')
    .addColumn('router_id', 'varchar(36)', (c) => c.notNull().references('routers.id').onDelete('cascade'))
    .addColumn('port_id', 'varchar(36)', (c) => c.primaryKey().references('ports.id').onDelete('cascade'))
    .addColumn('port_type', 'varchar(255)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ix_routerports_router_id').on('routerports').column('router_id').execute();

  await db.schema
    .createTable('routerroutes')
    .addColumn('router_id', 'varchar(36)', (c) => c.notNull().references('routers.id').onDelete('cascade'))
    .addColumn('destination', 'varchar(64)', (c) => c.notNull())
    .addColumn('nexthop', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_routerroutes', ['router_id', 'destination', 'nexthop'])
    .execute();

  await db.schema
    .createTable('floatingips')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('revision_number', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('floating_ip_address', 'varchar(64)', (c) => c.notNull())
    .addColumn('floating_network_id', 'varchar(36)', (c) => c.notNull().references('networks.id'))
    .addColumn('floating_port_id', 'varchar(36)', (c) => c.notNull().references('ports.id').onDelete('cascade'))
    // the L3 plugin clears the association before the port goes; set null is the backstop
    .addColumn('fixed_port_id', 'varchar(36)', (c) => c.references('ports.id').onDelete('set null'))
    .addColumn('fixed_ip_address', 'varchar(64)')
    .addColumn('router_id', 'varchar(36)', (c) => c.references('routers.id'))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    // as Neutron: one floating IP per fixed address and external network
    .addUniqueConstraint('uniq_floatingips0floatingnetworkid0fixedportid0fixedipaddress', ['floating_network_id', 'fixed_port_id', 'fixed_ip_address'])
    .execute();
  await db.schema.createIndex('ix_floatingips_project_id').on('floatingips').column('project_id').execute();
  await db.schema.createIndex('ix_floatingips_router_id').on('floatingips').column('router_id').execute();
  await db.schema.createIndex('ix_floatingips_fixed_port_id').on('floatingips').column('fixed_port_id').execute();

  // one agent per router (no HA): the primary key settles two servers scheduling it at once
  await db.schema
    .createTable('routerl3agentbindings')
    .addColumn('router_id', 'varchar(36)', (c) => c.primaryKey().references('routers.id').onDelete('cascade'))
    .addColumn('l3_agent_id', 'varchar(36)', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .execute();
  await db.schema.createIndex('ix_routerl3agentbindings_l3_agent_id').on('routerl3agentbindings').column('l3_agent_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['routerl3agentbindings', 'floatingips', 'routerroutes', 'routerports', 'routers']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
