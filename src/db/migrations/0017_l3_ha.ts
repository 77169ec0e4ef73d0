// l3-ha: HA routers (Neutron's router_extra_attributes.ha / ha_vr_id, ha_router_networks,
// ha_router_agent_port_bindings, ha_router_vrid_allocations). An HA router is hosted by several
// L3 agents, so routerl3agentbindings is keyed by (router, agent) from here on (Neutron's
// binding_index orders them).
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('routers')
    .addColumn('ha', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('routers')
    .addColumn('ha_vr_id', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  // routerl3agentbindings again, one row per (router, agent)
  await db.schema
    .createTable('routerl3agentbindings_ha')
    .addColumn('router_id', 'varchar(36)', (c) => c.notNull().references('routers.id').onDelete('cascade'))
    .addColumn('l3_agent_id', 'varchar(36)', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('binding_index', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('routerl3agentbindings0router_id0l3_agent_id', ['router_id', 'l3_agent_id'])
    .addUniqueConstraint('uniq_routerl3agentbindings0router_id0binding_index', ['router_id', 'binding_index'])
    .execute();
  await sql`insert into routerl3agentbindings_ha (router_id, l3_agent_id, binding_index) select router_id, l3_agent_id, 1 from routerl3agentbindings`.execute(db);
  await db.schema.dropTable('routerl3agentbindings').execute();
  await db.schema.alterTable('routerl3agentbindings_ha').renameTo('routerl3agentbindings').execute();
  await db.schema.createIndex('ix_routerl3agentbindings_l3_agent_id').ifNotExists().on('routerl3agentbindings').column('l3_agent_id').execute();

  // one HA network per project
  await db.schema
    .createTable('ha_router_networks')
    .addColumn('project_id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull().unique().references('networks.id').onDelete('cascade'))
    .execute();
  // the virtual router ids in use on each HA network (1..254)
  await db.schema
    .createTable('ha_router_vrid_allocations')
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull().references('networks.id').onDelete('cascade'))
    .addColumn('vr_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('ha_router_vrid_allocations0network_id0vr_id', ['network_id', 'vr_id'])
    .execute();
  // each agent's HA port of a router, and the VRRP state that agent last reported
  await db.schema
    .createTable('ha_router_agent_port_bindings')
    .addColumn('port_id', 'varchar(36)', (c) => c.primaryKey().references('ports.id').onDelete('cascade'))
    .addColumn('router_id', 'varchar(36)', (c) => c.notNull().references('routers.id').onDelete('cascade'))
    .addColumn('l3_agent_id', 'varchar(36)', (c) => c.references('agents.id').onDelete('cascade'))
    .addColumn('state', 'varchar(16)', (c) => c.notNull().defaultTo('standby'))
    .addUniqueConstraint('uniq_ha_router_agent_port_bindings0router_id0l3_agent_id', ['router_id', 'l3_agent_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['ha_router_agent_port_bindings', 'ha_router_vrid_allocations', 'ha_router_networks']) await db.schema.dropTable(t).execute();
  await db.schema
    .createTable('routerl3agentbindings_old')
    .addColumn('router_id', 'varchar(36)', (c) => c.primaryKey().references('routers.id').onDelete('cascade'))
    .addColumn('l3_agent_id', 'varchar(36)', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .execute();
  await sql`insert into routerl3agentbindings_old (router_id, l3_agent_id) select router_id, min(l3_agent_id) from routerl3agentbindings group by router_id`.execute(db);
  await db.schema.dropTable('routerl3agentbindings').execute();
  await db.schema.alterTable('routerl3agentbindings_old').renameTo('routerl3agentbindings').execute();
  await db.schema.createIndex('ix_routerl3agentbindings_l3_agent_id').ifNotExists().on('routerl3agentbindings').column('l3_agent_id').execute();
  await db.schema.alterTable('routers').dropColumn('ha_vr_id').execute();
  await db.schema.alterTable('routers').dropColumn('ha').execute();
}
