// /v2.0/vpn/endpoint-groups (vpn-endpoint-groups): the local subnets or peer CIDRs of site
// connections. Endpoints are fixed at creation; a group a connection uses cannot be deleted.
import { randomUUID } from 'node:crypto';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import type { ApiObject, AuthorizeChange, AuthorizeCreate, Handler, ListQuery } from '../../api/resource.js';
import * as v from '../../api/validators.js';
import { rowsForIds, type IdSet } from '../../db/rows.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import type { Services } from '../services.js';
import { EndpointGroupInUse, InvalidEndpointInEndpointGroup, MissingEndpointForEndpointGroup, NonExistingSubnetInEndpointGroup, VPNEndpointGroupNotFound } from './errors.js';
import { endpointGroupDef } from './resources.js';
import type { VpnEndpointGroupTable } from '../../db/vpnaas-tables.js';

export class EndpointGroupPlugin implements Handler {
  constructor(private readonly s: Services) {}

  private visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('vpn_endpoint_groups as g').selectAll('g');
    if (!ctx.isAdmin) qb = qb.where('g.project_id', '=', ctx.projectId);
    return qb;
  }

  async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<VpnEndpointGroupTable> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('g.id', '=', id), lock).executeTakeFirst();
    if (!row) throw VPNEndpointGroupNotFound({ endpoint_group_id: id });
    return row;
  }

  /** The group and its endpoints, for a connection's checks (any project's: ids were checked by the caller). */
  async endpointsOf(trx: Trx, id: string): Promise<{ group: VpnEndpointGroupTable; endpoints: string[] } | null> {
    const group = await trx.selectFrom('vpn_endpoint_groups').selectAll().where('id', '=', id).executeTakeFirst();
    if (!group) return null;
    const endpoints = (await trx.selectFrom('vpn_endpoints').select('endpoint').where('endpoint_group_id', '=', id).orderBy('endpoint').execute()).map((e) => e.endpoint);
    return { group, endpoints };
  }

  async render(trx: Trx, rows: VpnEndpointGroupTable[], ids: IdSet = rows.map((r) => r.id)): Promise<ApiObject[]> {
    const eps = await rowsForIds(this.s.db, ids, 'endpoint_group_id', (where) => trx.selectFrom('vpn_endpoints').select(['endpoint_group_id', 'endpoint']).where(where).orderBy('endpoint').execute());
    const by = new Map<string, string[]>();
    for (const e of eps) by.set(e.endpoint_group_id, [...(by.get(e.endpoint_group_id) ?? []), e.endpoint]);
    return rows.map((r) => ({
      id: r.id,
      project_id: r.project_id,
      tenant_id: r.project_id,
      name: r.name,
      description: r.description,
      type: r.endpoint_type,
      endpoints: by.get(r.id) ?? [],
    }));
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    const { rows, ids } = await listRows<VpnEndpointGroupTable>(endpointGroupDef, this.visible(trx, ctx), q, 'g');
    return this.render(trx, rows, ids);
  }

  async show(ctx: RequestContext, id: string): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    return (await this.render(trx, [await this.find(trx, ctx, id)]))[0];
  }

  /** neutron-vpnaas's validate_endpoint_group: endpoints given, CIDRs valid, subnets existing. */
  private async check(trx: Trx, item: ApiObject): Promise<string[]> {
    const endpoints = [...new Set(item.endpoints as string[])];
    if (!endpoints.length) throw MissingEndpointForEndpointGroup({ group: String(item.name || item.type) });
    if (item.type === 'cidr') {
      return endpoints.map((e) => {
        try {
          return v.subnetCidr(e) as string;
        } catch {
          throw InvalidEndpointInEndpointGroup({ group_type: 'cidr', endpoint: e, why: 'Invalid CIDR' });
        }
      });
    }
    if (item.type === 'subnet') {
      for (const e of endpoints) {
        if (!v.isUuid(e)) throw InvalidEndpointInEndpointGroup({ group_type: 'subnet', endpoint: e, why: 'Invalid UUID' });
        if (!(await trx.selectFrom('subnets').select('id').where('id', '=', e).executeTakeFirst())) throw NonExistingSubnetInEndpointGroup({ subnet: e });
      }
    }
    return endpoints;
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    const rows = await inTransaction(this.s.db, async (trx) => {
      const out: VpnEndpointGroupTable[] = [];
      for (const i of items) {
        authorize(i);
        const endpoints = await this.check(trx, i);
        const row: VpnEndpointGroupTable = { id: randomUUID(), project_id: i.project_id as string, name: i.name as string, description: i.description as string, endpoint_type: i.type as string };
        await trx.insertInto('vpn_endpoint_groups').values(row).execute();
        await trx
          .insertInto('vpn_endpoints')
          .values(endpoints.map((endpoint) => ({ endpoint, endpoint_group_id: row.id })))
          .execute();
        out.push(row);
      }
      return out;
    });
    for (const r of rows) this.s.log.info({ event: 'endpoint_group.create', endpoint_group_id: r.id, type: r.endpoint_type, request_id: ctx.requestId }, 'endpoint group created');
    return this.render(this.s.db.kysely, rows);
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, _ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    const row = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize((await this.render(trx, [row]))[0]);
      const set: Partial<VpnEndpointGroupTable> = {};
      if ('name' in changes) set.name = changes.name as string;
      if ('description' in changes) set.description = changes.description as string;
      if (Object.keys(set).length) await trx.updateTable('vpn_endpoint_groups').set(set).where('id', '=', id).execute();
      return { ...row, ...set };
    });
    return (await this.render(this.s.db.kysely, [row]))[0];
  }

  async delete(ctx: RequestContext, id: string, _ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize((await this.render(trx, [row]))[0]);
      const used = await trx
        .selectFrom('ipsec_site_connections')
        .select('id')
        .where((eb) => eb.or([eb('local_ep_group_id', '=', id), eb('peer_ep_group_id', '=', id)]))
        .executeTakeFirst();
      if (used) throw EndpointGroupInUse({ group_id: id });
      await trx.deleteFrom('vpn_endpoint_groups').where('id', '=', id).execute();
    });
    this.s.log.info({ event: 'endpoint_group.delete', endpoint_group_id: id, request_id: ctx.requestId }, 'endpoint group deleted');
  }
}
