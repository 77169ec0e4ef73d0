// How rbac-policies entries open a network to other projects, shared by the network, subnet,
// port and rbac-policy plugins. A project reaches a network it does not own through an entry
// whose target is that project or '*': access_as_shared lets it see the network (and its
// subnets) and put ports on it; access_as_external only lets it see the network.
import { randomUUID } from 'node:crypto';
import { AUTO_DELETE_OWNERS } from '../../contract/device-owners.js';
import type { NetworkTable } from '../../db/schema.js';
import type { Trx } from '../../db/transaction.js';
import { int } from '../../db/rows.js';

export const ACCESS_SHARED = 'access_as_shared';
export const ACCESS_EXTERNAL = 'access_as_external';
export const WILDCARD = '*';

/** The ids of networks whose entries of `actions` target `project` or everyone (a subquery). */
export function networksOpenTo(trx: Trx, project: string, actions: string[]) {
  return trx.selectFrom('networkrbacs').select('object_id').where('target_tenant', 'in', [project, WILDCARD]).where('action', 'in', actions);
}

/** The actions the entries on one network grant `project`. */
export async function actionsGranted(trx: Trx, networkId: string, project: string): Promise<Set<string>> {
  const rows = await networksOpenTo(trx, project, [ACCESS_SHARED, ACCESS_EXTERNAL]).clearSelect().select('action').where('object_id', '=', networkId).execute();
  return new Set(rows.map((r) => r.action));
}

/** Adds the wildcard entry of `action` on a network unless it is there. */
export async function addWildcard(trx: Trx, network: Pick<NetworkTable, 'id' | 'project_id'>, action: string): Promise<void> {
  const there = await trx.selectFrom('networkrbacs').select('id').where('object_id', '=', network.id).where('action', '=', action).where('target_tenant', '=', WILDCARD).executeTakeFirst();
  if (!there) await trx.insertInto('networkrbacs').values({ id: randomUUID(), project_id: network.project_id, object_id: network.id, action, target_tenant: WILDCARD }).execute();
}

/**
 * Keeps the network's `shared` (a wildcard access_as_shared entry exists) and
 * `router_external` (any access_as_external entry exists) columns in step with its entries.
 */
export async function syncNetworkFlags(trx: Trx, networkId: string): Promise<{ shared: number; router_external: number }> {
  const rows = await trx.selectFrom('networkrbacs').select(['action', 'target_tenant']).where('object_id', '=', networkId).execute();
  const flags = {
    shared: int(rows.some((r) => r.action === ACCESS_SHARED && r.target_tenant === WILDCARD)),
    router_external: int(rows.some((r) => r.action === ACCESS_EXTERNAL)),
  };
  await trx.updateTable('networks').set(flags).where('id', '=', networkId).execute();
  return flags;
}

/**
 * Whether some project would be left with ports on the network it may no longer use if the
 * access_as_shared entry for `target` went away (Neutron's ensure_no_project_ports_on_network):
 * the owner's ports, DHCP ports and ports without a project never count; for '*', neither do
 * ports of projects another entry (or `newTarget`, on an update) still covers.
 */
export async function portsDependOn(trx: Trx, network: Pick<NetworkTable, 'id' | 'project_id'>, target: string, opts: { exceptPolicy?: string; newTarget?: string } = {}): Promise<boolean> {
  if (target === network.project_id || opts.newTarget === WILDCARD) return false;
  let others = trx.selectFrom('networkrbacs').select(['id', 'target_tenant']).where('object_id', '=', network.id).where('action', '=', ACCESS_SHARED);
  if (opts.exceptPolicy) others = others.where('id', '!=', opts.exceptPolicy);
  const remaining = (await others.execute()).map((r) => r.target_tenant);
  let ports = trx
    .selectFrom('ports')
    .select('id')
    .where('network_id', '=', network.id)
    .where('device_owner', 'not in', AUTO_DELETE_OWNERS)
    .where('project_id', '!=', '')
    .where('project_id', '!=', network.project_id);
  if (target === WILDCARD) {
    const allowed = [...remaining.filter((t) => t !== WILDCARD), ...(opts.newTarget ? [opts.newTarget] : [])];
    if (allowed.length) ports = ports.where('project_id', 'not in', allowed);
  } else {
    if (remaining.includes(WILDCARD) || opts.newTarget === target) return false;
    ports = ports.where('project_id', '=', target);
  }
  return (await ports.limit(1).executeTakeFirst()) !== undefined;
}
