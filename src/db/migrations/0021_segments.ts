// segment + standard-attr-segment: a network's segments become a resource of their own
// (/v2.0/segments) with name, description and the standard attributes; subnets may sit on one
// segment (segment_id) for routed networks. Segments made before this migration take their
// network's timestamps.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('networksegments').addColumn('name', 'varchar(255)').execute();
  await db.schema
    .alterTable('networksegments')
    .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('networksegments')
    .addColumn('revision_number', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('networksegments').addColumn('created_at', 'varchar(32)').execute();
  await db.schema.alterTable('networksegments').addColumn('updated_at', 'varchar(32)').execute();
  await sql`UPDATE networksegments SET created_at = (SELECT created_at FROM networks WHERE networks.id = networksegments.network_id), updated_at = (SELECT created_at FROM networks WHERE networks.id = networksegments.network_id)`.execute(
    db,
  );
  await db.schema.alterTable('subnets').addColumn('segment_id', 'varchar(36)').execute();
  await db.schema.createIndex('ix_subnets_segment_id').on('subnets').column('segment_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('ix_subnets_segment_id').execute();
  await db.schema.alterTable('subnets').dropColumn('segment_id').execute();
  for (const c of ['updated_at', 'created_at', 'revision_number', 'description', 'name']) await db.schema.alterTable('networksegments').dropColumn(c).execute();
}
