// Who reaches a subnet pool or an address scope: its owner, and the projects an
// access_as_shared entry (subnetpoolrbacs, addressscoperbacs) targets, or everyone ('*').
import type { RequestContext } from '../../api/context.js';
import type { Trx } from '../../db/transaction.js';
import { ACCESS_SHARED, WILDCARD } from '../rbac/network-access.js';

export type SharedTable = 'subnetpoolrbacs' | 'addressscoperbacs';

/** The ids of objects of `table` shared with `project` or everyone (a subquery). */
export function openTo(trx: Trx, table: SharedTable, project: string) {
  return trx.selectFrom(table).select('object_id').where('target_tenant', 'in', [project, WILDCARD]).where('action', '=', ACCESS_SHARED);
}

/** The ids shared with exactly this project, which show shared=true to it, as Neutron's RBAC objects do. */
export function sharedToProject(trx: Trx, table: SharedTable, ctx: RequestContext) {
  return trx.selectFrom(table).select('object_id').where('target_tenant', '=', ctx.projectId).where('action', '=', ACCESS_SHARED);
}

/** Keeps an object's `shared` column in step with its wildcard access_as_shared entry. */
export async function syncShared(trx: Trx, table: SharedTable, objects: 'subnetpools' | 'address_scopes', id: string): Promise<void> {
  const wildcard = await trx.selectFrom(table).select('id').where('object_id', '=', id).where('action', '=', ACCESS_SHARED).where('target_tenant', '=', WILDCARD).executeTakeFirst();
  await trx
    .updateTable(objects)
    .set({ shared: wildcard ? 1 : 0 })
    .where('id', '=', id)
    .execute();
}

/**
 * Subnets of these pools went away: their prefixes are free again, and every server's cached
 * free space of the pools is stale (the allocation generation moves on).
 */
export async function releasePoolPrefixes(trx: Trx, poolIds: (string | null | undefined)[]): Promise<void> {
  const ids = [...new Set(poolIds.filter((p): p is string => !!p))];
  if (ids.length)
    await trx
      .updateTable('subnetpools')
      .set((eb) => ({ allocation_generation: eb('allocation_generation', '+', 1) }))
      .where('id', 'in', ids)
      .execute();
}
