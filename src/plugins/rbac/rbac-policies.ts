// rbac-policies on networks (Neutron's rbac_db_mixin plus the network callbacks in
// db_base_plugin_v2 and external_net_db): who may create them, what removing one would break.
import { randomUUID } from 'node:crypto';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import { DuplicateRbacPolicy, HTTPBadRequest, InvalidInput, RbacPolicyInUse, RbacPolicyNotFound } from '../../api/errors.js';
import { NOT_SPECIFIED, type ApiObject, type AuthorizeChange, type AuthorizeCreate, type Handler, type ListQuery } from '../../api/resource.js';
import { rbacPolicyDef } from '../../api/resources/rbac-policy.js';
import { uniqueViolation } from '../../db/connection.js';
import type { NetworkRbacTable } from '../../db/schema.js';
import type { NetworkPlugin } from '../ml2/networks.js';
import type { Services } from '../services.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import { countBy } from '../../db/rows.js';
import { ACCESS_SHARED, portsDependOn, syncNetworkFlags, WILDCARD } from './network-access.js';

/** target_tenant and target_project are one attribute, as tenant_id and project_id are. */
function targetOf(item: ApiObject, required: boolean): string | null {
  const t = item.target_tenant === NOT_SPECIFIED ? undefined : (item.target_tenant as string | undefined);
  const p = item.target_project === NOT_SPECIFIED ? undefined : (item.target_project as string | undefined);
  if (t !== undefined && p !== undefined && t !== p) throw HTTPBadRequest({ msg: "'target_tenant' and 'target_project' do not match" });
  const given = t ?? p ?? null;
  if (given === null && required) throw HTTPBadRequest({ msg: "Failed to parse request. Required attribute 'target_tenant' not specified" });
  return given;
}

const isDuplicate = (e: unknown): boolean => uniqueViolation(e)?.includes('networkrbacs') ?? false;

export { rbacPolicyDef };

export class RbacPolicyPlugin implements Handler {
  constructor(
    private readonly s: Services,
    private readonly networks: NetworkPlugin,
  ) {}

  /** Admins see every policy; others the ones they made (Neutron's owner rule). */
  private visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('networkrbacs as r').selectAll('r');
    if (!ctx.isAdmin) qb = qb.where('r.project_id', '=', ctx.projectId);
    return qb;
  }

  private async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<NetworkRbacTable> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('r.id', '=', id), lock).executeTakeFirst();
    if (!row) throw RbacPolicyNotFound({ id, object_type: 'network' });
    return row as NetworkRbacTable;
  }

  private render(r: NetworkRbacTable): ApiObject {
    return {
      id: r.id,
      project_id: r.project_id,
      tenant_id: r.project_id,
      object_type: 'network',
      object_id: r.object_id,
      action: r.action,
      target_tenant: r.target_tenant,
      target_project: r.target_tenant,
    };
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    const { rows } = await listRows<NetworkRbacTable>(rbacPolicyDef, this.visible(trx, ctx), q, 'r', (qb, rest) => {
      // every entry here is a network's: object_type=network matches all, anything else none
      const types = rest.get('object_type');
      if (types && !types.map((t) => t.trim().toLowerCase()).includes('network')) qb = qb.where('r.id', 'is', null);
      return qb;
    });
    return rows.map((r) => this.render(r));
  }

  async show(ctx: RequestContext, id: string): Promise<ApiObject> {
    return this.render(await this.find(this.s.db.kysely, ctx, id));
  }

  // Who may target every project ('*') or make a network external is the policy table's
  // (create_rbac_policy:target_tenant, create_rbac_policy:action); whose networks one may share
  // is data, checked below.
  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    const wanted = items.map((i) => {
      const target = targetOf(i, true)!;
      authorize(i);
      return { project_id: i.project_id as string, object_id: i.object_id as string, action: i.action as string, target_tenant: target };
    });
    try {
      const rows = await inTransaction(this.s.db, async (trx) => {
        await this.s.callbacks.publish('rbac_policy', 'before_create', { context: ctx, trx, counts: countBy(wanted.map((w) => w.project_id)) });
        const rows: NetworkRbacTable[] = [];
        for (const w of wanted) {
          // the network must be visible (404 otherwise) and, unless the caller is admin, its own
          const net = await this.networks.find(trx, ctx, w.object_id, true);
          if (!ctx.isAdmin && net.project_id !== ctx.projectId) {
            throw InvalidInput({ msg: 'only admins may manage RBAC policies on networks they do not own' });
          }
          // looked for first: on PostgreSQL a failed insert would spoil the transaction
          const dup = await trx
            .selectFrom('networkrbacs')
            .select('id')
            .where('object_id', '=', w.object_id)
            .where('action', '=', w.action)
            .where('target_tenant', '=', w.target_tenant)
            .executeTakeFirst();
          if (dup || rows.some((r) => r.object_id === w.object_id && r.action === w.action && r.target_tenant === w.target_tenant)) throw DuplicateRbacPolicy({});
          rows.push({ id: randomUUID(), ...w });
        }
        await trx.insertInto('networkrbacs').values(rows).execute();
        // a wildcard shared entry makes the network shared; any external entry makes it external
        for (const id of new Set(rows.map((r) => r.object_id))) await syncNetworkFlags(trx, id);
        return rows;
      });
      for (const r of rows)
        this.s.log.info(
          { event: 'rbac_policy.create', rbac_policy_id: r.id, object_id: r.object_id, action: r.action, target_tenant: r.target_tenant, request_id: ctx.requestId },
          'rbac policy created',
        );
      return rows.map((r) => this.render(r));
    } catch (e) {
      // a concurrent request made the same entry between our look and our insert
      if (isDuplicate(e)) throw DuplicateRbacPolicy({});
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
        const net = await trx.selectFrom('networks').selectAll().where('id', '=', row.object_id).executeTakeFirstOrThrow();
        if (!ctx.isAdmin && net.project_id !== ctx.projectId) {
          throw InvalidInput({ msg: 'only admins may manage RBAC policies on networks they do not own' });
        }
        if (row.action === ACCESS_SHARED && (await portsDependOn(trx, net, row.target_tenant, { exceptPolicy: row.id, newTarget: target }))) {
          throw RbacPolicyInUse({ object_id: row.object_id, details: `project ${row.target_tenant} still has ports on network ${row.object_id}` });
        }
        const dup = await trx.selectFrom('networkrbacs').select('id').where('object_id', '=', row.object_id).where('action', '=', row.action).where('target_tenant', '=', target).executeTakeFirst();
        if (dup) throw DuplicateRbacPolicy({});
        await trx.updateTable('networkrbacs').set({ target_tenant: target }).where('id', '=', id).execute();
        await syncNetworkFlags(trx, row.object_id);
        return { ...row, target_tenant: target };
      });
      this.s.log.info({ event: 'rbac_policy.update', rbac_policy_id: id, target_tenant: row.target_tenant, request_id: ctx.requestId }, 'rbac policy updated');
      return this.render(row);
    } catch (e) {
      if (isDuplicate(e)) throw DuplicateRbacPolicy({});
      throw e;
    }
  }

  async delete(ctx: RequestContext, id: string, _ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize(this.render(row));
      const net = await trx.selectFrom('networks').selectAll().where('id', '=', row.object_id).executeTakeFirstOrThrow();
      if (row.action === ACCESS_SHARED && (await portsDependOn(trx, net, row.target_tenant, { exceptPolicy: row.id }))) {
        const who = row.target_tenant === WILDCARD ? 'projects this entry alone lets in' : `project ${row.target_tenant}`;
        throw RbacPolicyInUse({ object_id: row.object_id, details: `${who} still have ports on network ${row.object_id}` });
      }
      await trx.deleteFrom('networkrbacs').where('id', '=', id).execute();
      await syncNetworkFlags(trx, row.object_id);
    });
    this.s.log.info({ event: 'rbac_policy.delete', rbac_policy_id: id, request_id: ctx.requestId }, 'rbac policy deleted');
  }
}
