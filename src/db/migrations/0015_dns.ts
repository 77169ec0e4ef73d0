// dns-integration: a port's dns_name and a network's dns_domain (Neutron keeps them in portdnses
// and networkdnsdomains; columns here, as every port read takes the row whole).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('ports')
    .addColumn('dns_name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('networks')
    .addColumn('dns_domain', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('networks').dropColumn('dns_domain').execute();
  await db.schema.alterTable('ports').dropColumn('dns_name').execute();
}
