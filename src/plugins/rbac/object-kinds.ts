// The object types rbac-policies entries can open to other projects, each with its own entry
// table (as Neutron: networkrbacs, subnetpoolrbacs, addressscoperbacs): how to find the object
// for the caller, what a project still uses that an entry alone lets it use, and which of the
// object's columns follow its entries.
import type { SelectQueryBuilder } from 'kysely';
import type { RequestContext } from '../../api/context.js';
import type { Trx } from '../../db/transaction.js';
import type { NetworkPlugin } from '../ml2/networks.js';
import { ACCESS_EXTERNAL, ACCESS_SHARED, portsDependOn, syncNetworkFlags, WILDCARD } from './network-access.js';
import { bumpRevision } from '../revision.js';

export type RbacTable = 'networkrbacs' | 'subnetpoolrbacs' | 'addressscoperbacs' | 'securitygrouprbacs' | 'addressgrouprbacs';

export interface RbacObject {
  id: string;
  project_id: string;
}

export interface RbacObjectKind {
  /** object_type as the API names it */
  type: string;
  table: RbacTable;
  /** the objects' own table */
  objects: 'networks' | 'subnetpools' | 'address_scopes' | 'securitygroups' | 'address_groups';
  /** the actions an entry on this type may grant */
  actions: readonly string[];
  /** the object as the caller may see it (its NotFound otherwise), locked for the change */
  find(trx: Trx, ctx: RequestContext, id: string): Promise<RbacObject>;
  /**
   * Why the access_as_shared entry for `target` cannot go (or be retargeted to `newTarget`):
   * a project would be left using the object without access. null when it can.
   */
  inUse(trx: Trx, object: RbacObject, target: string, opts: { exceptPolicy?: string; newTarget?: string }): Promise<string | null>;
  /** keeps the object's own columns (shared …) in step with its entries */
  sync(trx: Trx, objectId: string): Promise<void>;
}

export function networkKind(networks: NetworkPlugin): RbacObjectKind {
  return {
    type: 'network',
    table: 'networkrbacs',
    objects: 'networks',
    actions: [ACCESS_SHARED, ACCESS_EXTERNAL],
    find: (trx, ctx, id) => networks.find(trx, ctx, id, true),
    async inUse(trx, object, target, opts) {
      if (!(await portsDependOn(trx, object, target, opts))) return null;
      const who = target === WILDCARD ? 'projects this entry alone lets in' : `project ${target}`;
      return `${who} still have ports on network ${object.id}`;
    },
    sync: async (trx, id) => {
      await syncNetworkFlags(trx, id);
      // an entry made, changed or removed is a change of its network (Neutron's NetworkRBAC revises_on_change)
      await bumpRevision(trx, 'networks', id);
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ProjectsQuery = SelectQueryBuilder<any, any, { project_id: string }>;

/**
 * Whether a project other than the owner uses the object (`users`: the projects of its users,
 * e.g. the subnets allocated from a pool) with no access left once the access_as_shared entry
 * for `target` is gone (or retargeted to newTarget), as Neutron's RBAC in-use checks.
 */
export async function projectsLeftOut(trx: Trx, table: RbacTable, object: RbacObject, target: string, opts: { exceptPolicy?: string; newTarget?: string }, users: ProjectsQuery): Promise<boolean> {
  if (target === object.project_id || opts.newTarget === WILDCARD) return false;
  let others = trx.selectFrom(table).select(['id', 'target_tenant']).where('object_id', '=', object.id).where('action', '=', ACCESS_SHARED);
  if (opts.exceptPolicy) others = others.where('id', '!=', opts.exceptPolicy);
  const remaining = (await others.execute()).map((r) => r.target_tenant);
  let q = users.where('project_id', '!=', object.project_id);
  if (target === WILDCARD) {
    const allowed = [...remaining.filter((t) => t !== WILDCARD), ...(opts.newTarget ? [opts.newTarget] : [])];
    if (allowed.length) q = q.where('project_id', 'not in', allowed);
  } else {
    if (remaining.includes(WILDCARD) || opts.newTarget === target) return false;
    q = q.where('project_id', '=', target);
  }
  return (await q.limit(1).executeTakeFirst()) !== undefined;
}

/**
 * An object type that only access_as_shared entries open (subnet pools, address scopes,
 * security groups, address groups): the entry cannot go while a project it alone lets in has
 * `users` of the object (what it made from or with it), named by `inUse`.
 */
export function sharedObjectKind(o: {
  type: string;
  table: RbacTable;
  objects: RbacObjectKind['objects'];
  find: RbacObjectKind['find'];
  /** the projects of what uses the object */
  users: (trx: Trx, objectId: string) => ProjectsQuery;
  /** what uses it, for the 409: "subnets of other projects are allocated from subnet pool X" */
  inUse: (objectId: string) => string;
  sync: RbacObjectKind['sync'];
}): RbacObjectKind {
  return {
    type: o.type,
    table: o.table,
    objects: o.objects,
    actions: [ACCESS_SHARED],
    find: o.find,
    async inUse(trx, object, target, opts) {
      return (await projectsLeftOut(trx, o.table, object, target, opts, o.users(trx, object.id))) ? o.inUse(object.id) : null;
    },
    sync: o.sync,
  };
}
