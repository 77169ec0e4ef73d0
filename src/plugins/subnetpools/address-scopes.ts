// address-scope: /v2.0/address-scopes. A scope groups subnet pools whose prefixes may not
// overlap; a network's subnets of one IP version share one scope (ipv4/ipv6_address_scope).
// Sharing is an access_as_shared entry in addressscoperbacs, as in Neutron.
import { randomUUID } from 'node:crypto';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import { AddressScopeInUse, AddressScopeNotFound, AddressScopeUpdateError } from '../../api/errors-subnet-allocation.js';
import type { ApiObject, AuthorizeChange, AuthorizeCreate, Handler, ListQuery } from '../../api/resource.js';
import { addressScopeDef } from '../../api/resources/address-scope.js';
import { bool, countBy, int, rowsForIds, type IdSet } from '../../db/rows.js';
import type { AddressScopeTable } from '../../db/schema.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import { ACCESS_SHARED, WILDCARD } from '../rbac/network-access.js';
import type { Services } from '../services.js';
import { openTo, sharedToProject, syncShared } from './pool-access.js';

export class AddressScopePlugin implements Handler {
  constructor(private readonly s: Services) {}

  private visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('address_scopes as a').selectAll('a');
    if (!ctx.isAdmin) qb = qb.where((eb) => eb.or([eb('a.project_id', '=', ctx.projectId), eb('a.id', 'in', openTo(trx, 'addressscoperbacs', ctx.projectId))]));
    return qb;
  }

  /** A scope the caller may see, or AddressScopeNotFound. */
  async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<AddressScopeTable> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('a.id', '=', id), lock).executeTakeFirst();
    if (!row) throw AddressScopeNotFound({ address_scope_id: id });
    return row as AddressScopeTable;
  }

  private async render(trx: Trx, ctx: RequestContext, rows: AddressScopeTable[], ids: IdSet = rows.map((r) => r.id)): Promise<ApiObject[]> {
    const sharedHere = ctx.isAdmin
      ? new Set<string>()
      : new Set((await rowsForIds(this.s.db, ids, 'object_id', (where) => sharedToProject(trx, 'addressscoperbacs', ctx).where(where).execute())).map((r) => r.object_id));
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      project_id: r.project_id,
      tenant_id: r.project_id,
      shared: bool(r.shared) || sharedHere.has(r.id),
      ip_version: Number(r.ip_version),
    }));
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    const { rows, ids } = await listRows<AddressScopeTable>(addressScopeDef, this.visible(trx, ctx), q, 'a');
    return this.render(trx, ctx, rows, ids);
  }

  async show(ctx: RequestContext, id: string): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    return (await this.render(trx, ctx, [await this.find(trx, ctx, id)]))[0];
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    for (const item of items) authorize(item);
    const rows = await inTransaction(this.s.db, async (trx) => {
      await this.s.callbacks.publish('address_scope', 'before_create', { context: ctx, trx, counts: countBy(items.map((i) => i.project_id as string)) });
      const rows: AddressScopeTable[] = items.map((i) => ({
        id: randomUUID(),
        project_id: i.project_id as string,
        name: i.name as string,
        shared: int(i.shared as boolean),
        ip_version: i.ip_version as number,
      }));
      await trx.insertInto('address_scopes').values(rows).execute();
      const wildcards = rows.filter((r) => r.shared).map((r) => ({ id: randomUUID(), project_id: r.project_id, object_id: r.id, action: ACCESS_SHARED, target_tenant: WILDCARD }));
      if (wildcards.length) await trx.insertInto('addressscoperbacs').values(wildcards).execute();
      return rows;
    });
    for (const r of rows) this.s.log.info({ event: 'address_scope.create', address_scope_id: r.id, ip_version: r.ip_version, request_id: ctx.requestId }, 'address scope created');
    return this.render(this.s.db.kysely, ctx, rows);
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, _ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    const row = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize((await this.render(trx, ctx, [row]))[0]);
      const set: Partial<AddressScopeTable> = {};
      if ('name' in changes) set.name = changes.name as string;
      if ('shared' in changes && (changes.shared as boolean) !== bool(row.shared)) {
        // as Neutron: sharing is for good; other projects' pools may already be in the scope
        if (!changes.shared) throw AddressScopeUpdateError({ address_scope_id: id, reason: "Shared address scope can't be unshared" });
        await trx.insertInto('addressscoperbacs').values({ id: randomUUID(), project_id: row.project_id, object_id: id, action: ACCESS_SHARED, target_tenant: WILDCARD }).execute();
      }
      if (Object.keys(set).length) await trx.updateTable('address_scopes').set(set).where('id', '=', id).execute();
      await syncShared(trx, 'addressscoperbacs', 'address_scopes', id);
      return trx.selectFrom('address_scopes').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    });
    this.s.log.info({ event: 'address_scope.update', address_scope_id: id, request_id: ctx.requestId, changed: Object.keys(changes) }, 'address scope updated');
    return (await this.render(this.s.db.kysely, ctx, [row]))[0];
  }

  async delete(ctx: RequestContext, id: string, _ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize((await this.render(trx, ctx, [row]))[0]);
      if (await trx.selectFrom('subnetpools').select('id').where('address_scope_id', '=', id).executeTakeFirst()) throw AddressScopeInUse({ address_scope_id: id });
      await trx.deleteFrom('addressscoperbacs').where('object_id', '=', id).execute();
      await trx.deleteFrom('address_scopes').where('id', '=', id).execute();
    });
    this.s.log.info({ event: 'address_scope.delete', address_scope_id: id, request_id: ctx.requestId }, 'address scope deleted');
  }
}
