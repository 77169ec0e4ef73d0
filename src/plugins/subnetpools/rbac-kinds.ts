// rbac-subnetpool and rbac-address-scope: access_as_shared entries on subnet pools and address
// scopes. As Neutron: an entry may not go while a project it alone lets in still has subnets
// from the pool, or subnet pools in the scope.
import { ACCESS_SHARED } from '../rbac/network-access.js';
import { projectsLeftOut, type RbacObjectKind } from '../rbac/object-kinds.js';
import type { AddressScopePlugin } from './address-scopes.js';
import { syncShared } from './pool-access.js';
import type { SubnetPoolPlugin } from './subnetpools.js';

export function subnetPoolKind(pools: SubnetPoolPlugin): RbacObjectKind {
  return {
    type: 'subnetpool',
    table: 'subnetpoolrbacs',
    objects: 'subnetpools',
    actions: [ACCESS_SHARED],
    find: (trx, ctx, id) => pools.find(trx, ctx, id, true),
    async inUse(trx, pool, target, opts) {
      const users = trx.selectFrom('subnets').select('project_id').where('subnetpool_id', '=', pool.id);
      return (await projectsLeftOut(trx, 'subnetpoolrbacs', pool, target, opts, users)) ? `subnets of other projects are allocated from subnet pool ${pool.id}` : null;
    },
    sync: (trx, id) => syncShared(trx, 'subnetpoolrbacs', 'subnetpools', id),
  };
}

export function addressScopeKind(scopes: AddressScopePlugin): RbacObjectKind {
  return {
    type: 'address_scope',
    table: 'addressscoperbacs',
    objects: 'address_scopes',
    actions: [ACCESS_SHARED],
    find: (trx, ctx, id) => scopes.find(trx, ctx, id, true),
    async inUse(trx, scope, target, opts) {
      const users = trx.selectFrom('subnetpools').select('project_id').where('address_scope_id', '=', scope.id);
      return (await projectsLeftOut(trx, 'addressscoperbacs', scope, target, opts, users)) ? `subnet pools of other projects are in address scope ${scope.id}` : null;
    },
    sync: (trx, id) => syncShared(trx, 'addressscoperbacs', 'address_scopes', id),
  };
}
