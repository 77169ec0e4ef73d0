// Port forwardings of floating IPs (Neutron's portforwardings): external port(s) of a floating
// IP → an internal port's IPv4 address and port(s). A port forwarding goes with its floating
// IP and with its internal port. The unique keys are Neutron's: one external start port per
// floating IP and protocol, one internal socket per port and protocol; overlapping ranges
// are refused by the plugin, under the floating IP's row lock.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('portforwardings')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('floatingip_id', 'varchar(36)', (c) => c.notNull().references('floatingips.id').onDelete('cascade'))
    .addColumn('internal_neutron_port_id', 'varchar(36)', (c) => c.notNull().references('ports.id').onDelete('cascade'))
    .addColumn('internal_ip_address', 'varchar(64)', (c) => c.notNull())
    .addColumn('protocol', 'varchar(40)', (c) => c.notNull())
    .addColumn('internal_port_start', 'integer', (c) => c.notNull())
    .addColumn('internal_port_end', 'integer', (c) => c.notNull())
    .addColumn('external_port_start', 'integer', (c) => c.notNull())
    .addColumn('external_port_end', 'integer', (c) => c.notNull())
    .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('uniq_port_forwardings0floatingip_id0external_port_start0protocol', ['floatingip_id', 'external_port_start', 'protocol'])
    .addUniqueConstraint('uniq_port_forwardings0internal_neutron_port_id0socket0protocol', ['internal_neutron_port_id', 'internal_ip_address', 'internal_port_start', 'protocol'])
    .execute();
  await db.schema.createIndex('ix_portforwardings_floatingip_id').on('portforwardings').column('floatingip_id').execute();
  await db.schema.createIndex('ix_portforwardings_internal_neutron_port_id').on('portforwardings').column('internal_neutron_port_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('portforwardings').ifExists().execute();
}
