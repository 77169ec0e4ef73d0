// address-group: /v2.0/address-groups and its add_addresses / remove_addresses actions.
// An address group is a named set of prefixes (stored as their networks, without duplicates)
// that security group rules name as their remote side (remote_address_group_id); the L2
// agents put its prefixes in an nft interval set per group and change the set's elements when
// the group's addresses change. Sharing is an access_as_shared entry in addressgrouprbacs
// (rbac-address-group), as in Neutron.
import { randomUUID } from 'node:crypto';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import { AddressesAlreadyExist, AddressesNotFound, AddressGroupInUse, AddressGroupNotFound } from '../../api/errors.js';
import type { ApiObject, AuthorizeChange, AuthorizeCreate, Handler, ListQuery } from '../../api/resource.js';
import { addressGroupDef } from '../../api/resources/address-group.js';
import { timestamp } from '../../common/time.js';
import { groupBy, rowsForIds, type IdSet } from '../../db/rows.js';
import type { AddressGroupTable } from '../../db/schema.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import { ACCESS_SHARED, WILDCARD } from '../rbac/network-access.js';
import { checkRevision, saveChanges } from '../revision.js';
import type { Services } from '../services.js';
import { standardAttributes } from '../standard-attributes.js';

/** The ids of address groups an access_as_shared entry opens to `project` or to all (a subquery). */
export function addressGroupsOpenTo(trx: Trx, project: string) {
  return trx.selectFrom('addressgrouprbacs').select('object_id').where('target_tenant', 'in', [project, WILDCARD]).where('action', '=', ACCESS_SHARED);
}

const byAddress = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

export class AddressGroupPlugin implements Handler {
  constructor(private readonly s: Services) {}

  private visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('address_groups as ag').selectAll('ag');
    if (!ctx.isAdmin) qb = qb.where((eb) => eb.or([eb('ag.project_id', '=', ctx.projectId), eb('ag.id', 'in', addressGroupsOpenTo(trx, ctx.projectId))]));
    return qb;
  }

  /** An address group the caller may see, or AddressGroupNotFound. */
  async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<AddressGroupTable> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('ag.id', '=', id), lock).executeTakeFirst();
    if (!row) throw AddressGroupNotFound({ address_group_id: id });
    return row as AddressGroupTable;
  }

  private async render(trx: Trx, rows: AddressGroupTable[], fields: string[] | null, ids: IdSet = rows.map((r) => r.id)): Promise<ApiObject[]> {
    const addresses =
      !fields || fields.includes('addresses')
        ? groupBy(await rowsForIds(this.s.db, ids, 'address_group_id', (where) => trx.selectFrom('address_associations').selectAll().where(where).execute()), (r) => r.address_group_id)
        : new Map<string, { address: string }[]>();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      addresses: (addresses.get(r.id) ?? []).map((a) => a.address).sort(byAddress),
      ...standardAttributes(r, undefined),
    }));
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    const { rows, ids } = await listRows<AddressGroupTable>(addressGroupDef, this.visible(trx, ctx), q, 'ag');
    return this.render(trx, rows, q.fields, ids);
  }

  async show(ctx: RequestContext, id: string, fields: string[] | null): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    return (await this.render(trx, [await this.find(trx, ctx, id)], fields))[0];
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    for (const i of items) authorize(i);
    const rows = await inTransaction(this.s.db, async (trx) => {
      const now = timestamp();
      const rows: AddressGroupTable[] = [];
      for (const i of items) {
        const row: AddressGroupTable = {
          id: randomUUID(),
          project_id: i.project_id as string,
          name: i.name as string,
          description: (i.description as string) ?? '',
          created_at: now,
          updated_at: now,
          revision_number: 0,
        };
        await trx.insertInto('address_groups').values(row).execute();
        const addresses = [...new Set(i.addresses as string[])];
        if (addresses.length)
          await trx
            .insertInto('address_associations')
            .values(addresses.map((address) => ({ address_group_id: row.id, address })))
            .execute();
        rows.push(row);
      }
      return rows;
    });
    for (const r of rows) this.s.log.info({ event: 'address_group.create', address_group_id: r.id, project_id: r.project_id, request_id: ctx.requestId }, 'address group created');
    return this.render(this.s.db.kysely, rows, null);
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    const row = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize({ id: row.id, project_id: row.project_id, name: row.name });
      checkRevision(row.revision_number, ifMatch);
      const set: Partial<AddressGroupTable> = {};
      if ('name' in changes) set.name = changes.name as string;
      if ('description' in changes) set.description = changes.description as string;
      return saveChanges(trx, 'address_groups', row, set);
    });
    this.s.log.info({ event: 'address_group.update', address_group_id: id, request_id: ctx.requestId, changed: Object.keys(changes) }, 'address group updated');
    return (await this.render(this.s.db.kysely, [row], null))[0];
  }

  async delete(ctx: RequestContext, id: string, ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize({ id: row.id, project_id: row.project_id, name: row.name });
      checkRevision(row.revision_number, ifMatch);
      // any project's rule counts, as Neutron (elevated context)
      if (await trx.selectFrom('securitygrouprules').select('id').where('remote_address_group_id', '=', id).executeTakeFirst()) throw AddressGroupInUse({ address_group_id: id });
      await trx.deleteFrom('address_groups').where('id', '=', id).execute();
    });
    this.s.log.info({ event: 'address_group.delete', address_group_id: id, request_id: ctx.requestId }, 'address group deleted');
  }

  /**
   * add_addresses / remove_addresses: the prefixes are normalised to their networks; adding one
   * already there → 400 AddressesAlreadyExist, removing one not there → 404 AddressesNotFound,
   * nothing changed either way. The L2 agents of ports whose groups name the address group are
   * told, and change their sets' elements.
   */
  async changeAddresses(ctx: RequestContext, id: string, addresses: string[], add: boolean, authorize: AuthorizeChange): Promise<ApiObject> {
    const wanted = [...new Set(addresses)];
    const { row, groups } = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize({ id: row.id, project_id: row.project_id, name: row.name });
      const have = new Set((await trx.selectFrom('address_associations').select('address').where('address_group_id', '=', id).execute()).map((r) => r.address));
      if (add) {
        const present = wanted.filter((a) => have.has(a));
        if (present.length) throw AddressesAlreadyExist({ addresses: present, address_group_id: id });
        if (wanted.length)
          await trx
            .insertInto('address_associations')
            .values(wanted.map((address) => ({ address_group_id: id, address })))
            .execute();
      } else {
        const missing = wanted.filter((a) => !have.has(a));
        if (missing.length) throw AddressesNotFound({ addresses: missing, address_group_id: id });
        if (wanted.length) await trx.deleteFrom('address_associations').where('address_group_id', '=', id).where('address', 'in', wanted).execute();
      }
      const groups = (await trx.selectFrom('securitygrouprules').select('security_group_id').distinct().where('remote_address_group_id', '=', id).execute()).map((r) => r.security_group_id);
      return { row: await saveChanges(trx, 'address_groups', row, {}), groups };
    });
    this.s.log.info(
      { event: add ? 'address_group.addresses_add' : 'address_group.addresses_remove', address_group_id: id, addresses: wanted, request_id: ctx.requestId },
      add ? 'addresses added' : 'addresses removed',
    );
    if (groups.length) await this.s.callbacks.publish('security_group', 'after_rules_update', { groupIds: groups });
    return { address_group: (await this.render(this.s.db.kysely, [row], null))[0] };
  }
}
