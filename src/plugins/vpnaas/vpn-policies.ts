// /v2.0/vpn/ikepolicies and /v2.0/vpn/ipsecpolicies (neutron-vpnaas's vpn_db): a policy is seen
// by its project (and admins); one a connection uses can be neither changed nor deleted.
import { randomUUID } from 'node:crypto';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import type { NeutronError } from '../../api/errors.js';
import type { ApiObject, AuthorizeChange, AuthorizeCreate, Handler, ListQuery, ResourceDef } from '../../api/resource.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import type { Services } from '../services.js';
import { IKEPolicyInUse, IKEPolicyNotFound, IPsecPolicyInUse, IPsecPolicyNotFound } from './errors.js';
import { ikePolicyDef, ipsecPolicyDef } from './resources.js';
import type { IkePolicyTable, IpsecPolicyTable } from '../../db/vpnaas-tables.js';

type Row = IkePolicyTable | IpsecPolicyTable;

interface Kind {
  def: ResourceDef;
  table: 'ikepolicies' | 'ipsecpolicies';
  /** the connection column that refers to it */
  refColumn: 'ikepolicy_id' | 'ipsecpolicy_id';
  /** its own attributes beyond the common ones, stored as given */
  fields: readonly string[];
  notFound(id: string): NeutronError;
  inUse(id: string): NeutronError;
  event: string;
}

export const IKE_KIND: Kind = {
  def: ikePolicyDef,
  table: 'ikepolicies',
  refColumn: 'ikepolicy_id',
  fields: ['auth_algorithm', 'encryption_algorithm', 'phase1_negotiation_mode', 'ike_version', 'pfs'],
  notFound: (id) => IKEPolicyNotFound({ ikepolicy_id: id }),
  inUse: (id) => IKEPolicyInUse({ ikepolicy_id: id }),
  event: 'ikepolicy',
};

export const IPSEC_KIND: Kind = {
  def: ipsecPolicyDef,
  table: 'ipsecpolicies',
  refColumn: 'ipsecpolicy_id',
  fields: ['transform_protocol', 'auth_algorithm', 'encryption_algorithm', 'encapsulation_mode', 'pfs'],
  notFound: (id) => IPsecPolicyNotFound({ ipsecpolicy_id: id }),
  inUse: (id) => IPsecPolicyInUse({ ipsecpolicy_id: id }),
  event: 'ipsecpolicy',
};

export class VpnPolicyPlugin implements Handler {
  constructor(
    private readonly s: Services,
    private readonly kind: Kind,
  ) {}

  private visible(trx: Trx, ctx: RequestContext) {
    // biome-ignore lint/suspicious/noExplicitAny: one class serves both policy tables
    let qb = (trx as any).selectFrom(`${this.kind.table} as p`).selectAll('p');
    if (!ctx.isAdmin) qb = qb.where('p.project_id', '=', ctx.projectId);
    return qb;
  }

  async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<Row> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('p.id', '=', id), lock).executeTakeFirst();
    if (!row) throw this.kind.notFound(id);
    return row as Row;
  }

  render(r: Row): ApiObject {
    const out: ApiObject = { id: r.id, project_id: r.project_id, tenant_id: r.project_id, name: r.name, description: r.description };
    for (const f of this.kind.fields) out[f] = (r as unknown as Record<string, unknown>)[f];
    out.lifetime = { units: r.lifetime_units, value: Number(r.lifetime_value) };
    return out;
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const { rows } = await listRows<Row>(this.kind.def, this.visible(this.s.db.kysely, ctx), q, 'p');
    return rows.map((r) => this.render(r));
  }

  async show(ctx: RequestContext, id: string): Promise<ApiObject> {
    return this.render(await this.find(this.s.db.kysely, ctx, id));
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    const rows = items.map((i) => {
      authorize(i);
      const life = i.lifetime as { units?: string; value?: number };
      const row: Record<string, unknown> = {
        id: randomUUID(),
        project_id: i.project_id,
        name: i.name,
        description: i.description,
        lifetime_units: life.units ?? 'seconds',
        lifetime_value: life.value ?? 3600,
      };
      for (const f of this.kind.fields) row[f] = i[f];
      return row as unknown as Row;
    });
    await inTransaction(this.s.db, async (trx) => {
      // biome-ignore lint/suspicious/noExplicitAny: one class serves both policy tables
      await (trx as any).insertInto(this.kind.table).values(rows).execute();
    });
    for (const r of rows) this.s.log.info({ event: `${this.kind.event}.create`, id: r.id, request_id: ctx.requestId }, `${this.kind.event} created`);
    return rows.map((r) => this.render(r));
  }

  private async refuseInUse(trx: Trx, id: string): Promise<void> {
    const used = await trx.selectFrom('ipsec_site_connections').select('id').where(this.kind.refColumn, '=', id).executeTakeFirst();
    if (used) throw this.kind.inUse(id);
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, _ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    const row = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize(this.render(row));
      await this.refuseInUse(trx, id);
      const set: Record<string, unknown> = {};
      for (const k of ['name', 'description', ...this.kind.fields]) if (k in changes) set[k] = changes[k];
      const life = changes.lifetime as { units?: string; value?: number } | undefined;
      if (life?.units) set.lifetime_units = life.units;
      if (life?.value) set.lifetime_value = life.value;
      // biome-ignore lint/suspicious/noExplicitAny: one class serves both policy tables
      if (Object.keys(set).length) await (trx as any).updateTable(this.kind.table).set(set).where('id', '=', id).execute();
      return { ...row, ...set } as Row;
    });
    this.s.log.info({ event: `${this.kind.event}.update`, id, changed: Object.keys(changes), request_id: ctx.requestId }, `${this.kind.event} updated`);
    return this.render(row);
  }

  async delete(ctx: RequestContext, id: string, _ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize(this.render(row));
      await this.refuseInUse(trx, id);
      // biome-ignore lint/suspicious/noExplicitAny: one class serves both policy tables
      await (trx as any).deleteFrom(this.kind.table).where('id', '=', id).execute();
    });
    this.s.log.info({ event: `${this.kind.event}.delete`, id, request_id: ctx.requestId }, `${this.kind.event} deleted`);
  }
}
