// rbac-policies on networks, subnet pools and address scopes (Neutron's rbac_db_mixin plus the
// objects' RBAC callbacks): who may create them, what removing one would break. Each object
// type keeps its entries in its own table (object-kinds.ts); lists read them as one.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import { DuplicateRbacPolicy, HTTPBadRequest, InvalidInput, RbacPolicyInUse, RbacPolicyNotFound } from '../../api/errors.js';
import { InvalidActionForType } from '../../api/errors-subnet-allocation.js';
import { NOT_SPECIFIED, type ApiObject, type AuthorizeChange, type AuthorizeCreate, type Handler, type ListQuery, type ResourceDef } from '../../api/resource.js';
import { rbacPolicyDef } from '../../api/resources/rbac-policy.js';
import { uniqueViolation } from '../../db/connection.js';
import type { NetworkRbacTable } from '../../db/schema.js';
import type { Services } from '../services.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import { countBy } from '../../db/rows.js';
import { ACCESS_SHARED } from './network-access.js';
import type { RbacObjectKind } from './object-kinds.js';

/** target_tenant and target_project are one attribute, as tenant_id and project_id are. */
function targetOf(item: ApiObject, required: boolean): string | null {
  const t = item.target_tenant === NOT_SPECIFIED ? undefined : (item.target_tenant as string | undefined);
  const p = item.target_project === NOT_SPECIFIED ? undefined : (item.target_project as string | undefined);
  if (t !== undefined && p !== undefined && t !== p) throw HTTPBadRequest({ msg: "'target_tenant' and 'target_project' do not match" });
  const given = t ?? p ?? null;
  if (given === null && required) throw HTTPBadRequest({ msg: "Failed to parse request. Required attribute 'target_tenant' not specified" });
  return given;
}

type Entry = NetworkRbacTable & { object_type: string };

export { rbacPolicyDef };

export class RbacPolicyPlugin implements Handler {
  private readonly kinds: Map<string, RbacObjectKind>;

  /** `def`: the declaration served (its object_type validator names the kinds loaded). */
  constructor(
    private readonly s: Services,
    kinds: RbacObjectKind[],
    private readonly def: ResourceDef = rbacPolicyDef,
  ) {
    this.kinds = new Map(kinds.map((k) => [k.type, k]));
  }

  private kind(type: string): RbacObjectKind {
    const k = this.kinds.get(type);
    if (!k) throw InvalidInput({ msg: `object_type ${type} is not served by this server` });
    return k;
  }

  private isDuplicate(e: unknown): boolean {
    const c = uniqueViolation(e);
    return c !== null && [...this.kinds.values()].some((k) => c.includes(k.table));
  }

  /** Every kind's entries as one table `r` with its object_type; admins see all, others the ones they made. */
  private visible(trx: Trx, ctx: RequestContext) {
    const parts = [...this.kinds.values()].map((k) => trx.selectFrom(k.table).select(['id', 'project_id', 'object_id', 'action', 'target_tenant', sql<string>`${sql.lit(k.type)}`.as('object_type')]));
    const union = parts.slice(1).reduce((u, p) => u.unionAll(p), parts[0]);
    let qb = trx.selectFrom(union.as('r')).selectAll('r');
    if (!ctx.isAdmin) qb = qb.where('r.project_id', '=', ctx.projectId);
    return qb;
  }

  /** The entry (its NotFound otherwise), then locked in its own table for a change. */
  private async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<Entry> {
    const row = (await this.visible(trx, ctx).where('r.id', '=', id).executeTakeFirst()) as Entry | undefined;
    if (!row) throw RbacPolicyNotFound({ id, object_type: 'network' });
    if (lock) await lockedIf(this.s.db, trx.selectFrom(this.kind(row.object_type).table).select('id').where('id', '=', id), true).execute();
    return row;
  }

  private render(r: Entry): ApiObject {
    return {
      id: r.id,
      project_id: r.project_id,
      tenant_id: r.project_id,
      object_type: r.object_type,
      object_id: r.object_id,
      action: r.action,
      target_tenant: r.target_tenant,
      target_project: r.target_tenant,
    };
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    const types = q.filters.get('object_type');
    if (types) q = { ...q, filters: new Map([...q.filters, ['object_type', types.map((t) => t.trim().toLowerCase())]]) };
    const { rows } = await listRows<Entry>(this.def, this.visible(trx, ctx), q, 'r');
    return rows.map((r) => this.render(r));
  }

  async show(ctx: RequestContext, id: string): Promise<ApiObject> {
    return this.render(await this.find(this.s.db.kysely, ctx, id));
  }

  /** Only an object's owner (or an admin) manages its entries. */
  private checkOwner(ctx: RequestContext, kind: RbacObjectKind, owner: string): void {
    if (!ctx.isAdmin && owner !== ctx.projectId) {
      throw InvalidInput({ msg: `only admins may manage RBAC policies on ${kind.type}s they do not own` });
    }
  }

  // Who may target every project ('*') or make a network external is the policy table's
  // (create_rbac_policy:target_tenant, create_rbac_policy:action); whose objects one may share
  // is data, checked below.
  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    const wanted = items.map((i) => {
      const target = targetOf(i, true)!;
      const kind = this.kind(i.object_type as string);
      if (!kind.actions.includes(i.action as string)) throw InvalidActionForType({ action: i.action as string, object_type: kind.type, valid_actions: [...kind.actions] });
      authorize(i);
      return { kind, row: { project_id: i.project_id as string, object_id: i.object_id as string, action: i.action as string, target_tenant: target } };
    });
    try {
      const rows = await inTransaction(this.s.db, async (trx) => {
        await this.s.callbacks.publish('rbac_policy', 'before_create', { context: ctx, trx, counts: countBy(wanted.map((w) => w.row.project_id)) });
        const rows: Entry[] = [];
        for (const { kind, row: w } of wanted) {
          // the object must be visible (its NotFound otherwise) and, unless the caller is admin, its own
          const object = await kind.find(trx, ctx, w.object_id);
          this.checkOwner(ctx, kind, object.project_id);
          // looked for first: on PostgreSQL a failed insert would spoil the transaction
          const dup = await trx.selectFrom(kind.table).select('id').where('object_id', '=', w.object_id).where('action', '=', w.action).where('target_tenant', '=', w.target_tenant).executeTakeFirst();
          if (dup || rows.some((r) => r.object_id === w.object_id && r.action === w.action && r.target_tenant === w.target_tenant)) throw DuplicateRbacPolicy({});
          const entry = { id: randomUUID(), ...w };
          await trx.insertInto(kind.table).values(entry).execute();
          rows.push({ ...entry, object_type: kind.type });
        }
        // the objects' columns follow their entries (a wildcard shared entry makes it shared …)
        for (const key of new Set(rows.map((r) => `${r.object_type} ${r.object_id}`))) {
          const [type, objectId] = key.split(' ');
          await this.kind(type).sync(trx, objectId);
        }
        return rows;
      });
      for (const r of rows)
        this.s.log.info(
          { event: 'rbac_policy.create', rbac_policy_id: r.id, object_type: r.object_type, object_id: r.object_id, action: r.action, target_tenant: r.target_tenant, request_id: ctx.requestId },
          'rbac policy created',
        );
      return rows.map((r) => this.render(r));
    } catch (e) {
      // a concurrent request made the same entry between our look and our insert
      if (this.isDuplicate(e)) throw DuplicateRbacPolicy({});
      throw e;
    }
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, _ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    const target = targetOf(changes, false);
    try {
      const row = await inTransaction(this.s.db, async (trx) => {
        const row = await this.find(trx, ctx, id, true);
        authorize(this.render(row));
        if (target === null || target === row.target_tenant) return row;
        const kind = this.kind(row.object_type);
        const object = await this.objectOf(trx, kind, row.object_id);
        this.checkOwner(ctx, kind, object.project_id);
        if (row.action === ACCESS_SHARED) {
          const why = await kind.inUse(trx, object, row.target_tenant, { exceptPolicy: row.id, newTarget: target });
          if (why) throw RbacPolicyInUse({ object_id: row.object_id, details: why });
        }
        const dup = await trx.selectFrom(kind.table).select('id').where('object_id', '=', row.object_id).where('action', '=', row.action).where('target_tenant', '=', target).executeTakeFirst();
        if (dup) throw DuplicateRbacPolicy({});
        await trx.updateTable(kind.table).set({ target_tenant: target }).where('id', '=', id).execute();
        await kind.sync(trx, row.object_id);
        return { ...row, target_tenant: target };
      });
      this.s.log.info({ event: 'rbac_policy.update', rbac_policy_id: id, target_tenant: row.target_tenant, request_id: ctx.requestId }, 'rbac policy updated');
      return this.render(row);
    } catch (e) {
      if (this.isDuplicate(e)) throw DuplicateRbacPolicy({});
      throw e;
    }
  }

  /** The object an entry is on, whoever may see it (the entry's maker may no longer). */
  private async objectOf(trx: Trx, kind: RbacObjectKind, id: string) {
    return trx.selectFrom(kind.objects).select(['id', 'project_id']).where('id', '=', id).executeTakeFirstOrThrow();
  }

  async delete(ctx: RequestContext, id: string, _ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize(this.render(row));
      const kind = this.kind(row.object_type);
      if (row.action === ACCESS_SHARED) {
        const why = await kind.inUse(trx, await this.objectOf(trx, kind, row.object_id), row.target_tenant, { exceptPolicy: row.id });
        if (why) throw RbacPolicyInUse({ object_id: row.object_id, details: why });
      }
      await trx.deleteFrom(kind.table).where('id', '=', id).execute();
      await kind.sync(trx, row.object_id);
    });
    this.s.log.info({ event: 'rbac_policy.delete', rbac_policy_id: id, request_id: ctx.requestId }, 'rbac policy deleted');
  }
}
