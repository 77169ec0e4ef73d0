// subnet-service-types: the device owners a subnet serves, as a JSON list on the subnet
// (Neutron keeps a subnet_service_types table of pairs; one column here: the subnet is read
// whole by every allocation anyway). NULL = every owner.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('subnets').addColumn('service_types', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('subnets').dropColumn('service_types').execute();
}
