// segment: a network's segments as a resource of their own (/v2.0/segments), as Neutron's
// segments service plugin serves them. A segment is what ML2's type drivers allocate or
// reserve (provider:* / segments of a network are the same rows); one made here is reserved
// through the type manager as an admin's provider segment, one deleted gives its id back.
// Subnets may sit on one segment (segment_id): a routed network (docs/segments.md).
import { randomUUID } from 'node:crypto';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import {
  NetworkIdsDontMatch,
  NoUpdateSubnetWhenMultipleSegmentsOnNetwork,
  SegmentInUse,
  SegmentNotFound,
  SubnetSegmentAssociationChangeNotAllowed,
  SubnetsNotAllAssociatedWithSegments,
} from '../../api/errors-segments.js';
import { NOT_SPECIFIED, type ApiObject, type AuthorizeChange, type AuthorizeCreate, type Handler, type ListQuery } from '../../api/resource.js';
import { segmentDef } from '../../api/resources/segment.js';
import { timestamp } from '../../common/time.js';
import type { IdSet } from '../../db/rows.js';
import type { NetworkSegmentTable, SubnetTable } from '../../db/schema.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import type { NetworkPlugin } from '../ml2/networks.js';
import { bumpRevision, checkRevision, saveChanges } from '../revision.js';
import type { Services } from '../services.js';
import { removeAllTags, tagsOf } from '../tags/tag-store.js';

type SegmentRow = NetworkSegmentTable & { description: string; revision_number: number; created_at: string; updated_at: string };

export class SegmentPlugin implements Handler {
  constructor(
    private readonly s: Services,
    private readonly networks: NetworkPlugin,
  ) {}

  // admin-only by policy (get_segment); the network's owner is the segment's project for the rules
  private base(trx: Trx) {
    return trx.selectFrom('networksegments as g').innerJoin('networks as n', 'n.id', 'g.network_id').selectAll('g').select(['n.project_id as project_id', 'n.created_at as network_created_at']);
  }

  async find(trx: Trx, id: string, lock = false): Promise<SegmentRow & { project_id: string }> {
    const row = await lockedIf(this.s.db, this.base(trx).where('g.id', '=', id), lock).executeTakeFirst();
    if (!row) throw SegmentNotFound({ segment_id: id });
    return normalise(row);
  }

  private async render(trx: Trx, rows: (SegmentRow & { project_id?: string })[], fields: string[] | null, ids: IdSet = rows.map((r) => r.id)): Promise<ApiObject[]> {
    const tags = !fields || fields.includes('tags') ? await tagsOf(this.s.db, trx, ids) : new Map<string, string[]>();
    return rows.map((r) => ({
      id: r.id,
      network_id: r.network_id,
      name: r.name ?? null,
      description: r.description ?? '',
      network_type: r.network_type,
      physical_network: r.physical_network,
      segmentation_id: r.segmentation_id === null ? null : Number(r.segmentation_id),
      tags: tags.get(r.id) ?? [],
      created_at: r.created_at,
      updated_at: r.updated_at,
      revision_number: Number(r.revision_number ?? 0),
    }));
  }

  async list(_ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    const { rows, ids } = await listRows<SegmentRow>(segmentDef, this.base(trx), q, 'g');
    return this.render(trx, rows.map(normalise), q.fields, ids);
  }

  async show(_ctx: RequestContext, id: string, fields: string[] | null): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    return (await this.render(trx, [await this.find(trx, id)], fields))[0];
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    for (const i of items) authorize(i);
    const wanted = items.map((i) => ({
      network_type: i.network_type as string,
      physical_network: i.physical_network === NOT_SPECIFIED ? null : (i.physical_network as string | null),
      segmentation_id: i.segmentation_id === NOT_SPECIFIED ? null : (i.segmentation_id as number | null),
    }));
    // checked before anything is written: 400s name the field
    const checked = this.s.types.validate(wanted);
    const rows = await inTransaction(this.s.db, async (trx) => {
      const now = timestamp();
      const rows: SegmentRow[] = [];
      for (const [n, i] of items.entries()) {
        const network = await this.networks.find(trx, ctx, i.network_id as string, true);
        const seg = await this.s.types.reserve(trx, network.id, checked[n]);
        const last = await trx
          .selectFrom('networksegments')
          .select((eb) => eb.fn.max('segment_index').as('top'))
          .where('network_id', '=', network.id)
          .executeTakeFirst();
        const row: SegmentRow = {
          id: randomUUID(),
          network_id: network.id,
          network_type: seg.network_type,
          physical_network: seg.physical_network,
          segmentation_id: seg.segmentation_id,
          segment_index: last?.top === null || last?.top === undefined ? 0 : Number(last.top) + 1,
          name: (i.name as string | null) ?? null,
          description: (i.description as string) ?? '',
          revision_number: 0,
          created_at: now,
          updated_at: now,
        };
        await trx.insertInto('networksegments').values(row).execute();
        // a network's segments are part of it (its provider view changes)
        await bumpRevision(trx, 'networks', network.id);
        rows.push(row);
      }
      return rows;
    });
    for (const r of rows)
      this.s.log.info(
        {
          event: 'segment.create',
          segment_id: r.id,
          network_id: r.network_id,
          network_type: r.network_type,
          physical_network: r.physical_network,
          segmentation_id: r.segmentation_id,
          request_id: ctx.requestId,
        },
        'segment created',
      );
    return this.render(this.s.db.kysely, rows, null);
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    const row = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, id, true);
      authorize({ id, project_id: row.project_id, network_id: row.network_id, name: row.name });
      checkRevision(row.revision_number, ifMatch);
      const set: Partial<SegmentRow> = {};
      if ('name' in changes) set.name = changes.name as string | null;
      if ('description' in changes) set.description = (changes.description as string | null) ?? '';
      const { project_id: _owner, ...segment } = row;
      return saveChanges(trx, 'networksegments', segment, set);
    });
    this.s.log.info({ event: 'segment.update', segment_id: id, request_id: ctx.requestId, changed: Object.keys(changes) }, 'segment updated');
    return (await this.render(this.s.db.kysely, [row], null))[0];
  }

  async delete(ctx: RequestContext, id: string, ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    const row = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, id, true);
      authorize({ id, project_id: row.project_id, network_id: row.network_id, name: row.name });
      checkRevision(row.revision_number, ifMatch);
      const subnets = await trx.selectFrom('subnets').select('id').where('segment_id', '=', id).orderBy('id').execute();
      if (subnets.length) throw SegmentInUse({ segment_id: id, reason: `There are one or more subnets still associated with it: ${subnets.map((s) => s.id).join(', ')}` });
      const bound = await trx.selectFrom('ml2_port_bindings').select('port_id').where('segment_id', '=', id).executeTakeFirst();
      if (bound) throw SegmentInUse({ segment_id: id, reason: `Port ${bound.port_id} is bound to it.` });
      await removeAllTags(this.s.db, trx, [id]);
      await trx.deleteFrom('networksegments').where('id', '=', id).execute();
      await this.s.types.release(trx, row);
      await bumpRevision(trx, 'networks', row.network_id);
      return row;
    });
    this.s.log.info({ event: 'segment.delete', segment_id: id, network_id: row.network_id, request_id: ctx.requestId }, 'segment deleted');
  }

  /**
   * A subnet's segment_id as Neutron's segments plugin checks it (create, and update from none):
   * the segment is the network's; a network's subnets are all on segments or none is; an
   * existing subnet is moved onto a segment only when the network has that one segment.
   */
  async checkSubnetSegment(trx: Trx, subnet: Pick<SubnetTable, 'network_id'> & { id?: string; segment_id?: string | null }, segmentId: string | null, existing = false): Promise<void> {
    if (existing) {
      if ((subnet.segment_id ?? null) === segmentId) return;
      if (subnet.segment_id) throw SubnetSegmentAssociationChangeNotAllowed({});
      const count = await trx
        .selectFrom('networksegments')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('network_id', '=', subnet.network_id)
        .executeTakeFirst();
      if (Number(count?.n ?? 0) > 1) throw NoUpdateSubnetWhenMultipleSegmentsOnNetwork({ network_id: subnet.network_id });
    }
    if (segmentId !== null) {
      const seg = await trx.selectFrom('networksegments').select(['id', 'network_id']).where('id', '=', segmentId).executeTakeFirst();
      if (!seg) throw SegmentNotFound({ segment_id: segmentId });
      if (seg.network_id !== subnet.network_id) throw NetworkIdsDontMatch({ subnet_network: subnet.network_id, segment_id: segmentId });
    }
    let others = trx.selectFrom('subnets').select('segment_id').where('network_id', '=', subnet.network_id);
    if (subnet.id) others = others.where('id', '!=', subnet.id);
    const associated = new Set([...(await others.execute()).map((r) => r.segment_id ?? null), segmentId]);
    if (associated.has(null) && associated.size > 1) throw SubnetsNotAllAssociatedWithSegments({ network_id: subnet.network_id });
  }
}

/** Segments written before 0021 (or by writers that set no timestamps) take their network's. */
function normalise<T extends NetworkSegmentTable & { network_created_at?: string; project_id?: string }>(r: T): SegmentRow & { project_id: string } {
  const { network_created_at, ...rest } = r;
  return {
    ...rest,
    project_id: r.project_id ?? '',
    description: r.description ?? '',
    revision_number: Number(r.revision_number ?? 0),
    created_at: r.created_at ?? network_created_at ?? '',
    updated_at: r.updated_at ?? network_created_at ?? '',
  };
}
