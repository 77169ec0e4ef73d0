// rbac-subnetpool and rbac-address-scope: access_as_shared entries on subnet pools and address
// scopes. As Neutron: an entry may not go while a project it alone lets in still has subnets
// from the pool, or subnet pools in the scope.
import { sharedObjectKind, type RbacObjectKind } from '../rbac/object-kinds.js';
import type { AddressScopePlugin } from './address-scopes.js';
import { syncShared } from './pool-access.js';
import type { SubnetPoolPlugin } from './subnetpools.js';

export function subnetPoolKind(pools: SubnetPoolPlugin): RbacObjectKind {
  return sharedObjectKind({
    type: 'subnetpool',
    table: 'subnetpoolrbacs',
    objects: 'subnetpools',
    find: (trx, ctx, id) => pools.find(trx, ctx, id, true),
    users: (trx, id) => trx.selectFrom('subnets').select('project_id').where('subnetpool_id', '=', id),
    inUse: (id) => `subnets of other projects are allocated from subnet pool ${id}`,
    sync: (trx, id) => syncShared(trx, 'subnetpoolrbacs', 'subnetpools', id),
  });
}

export function addressScopeKind(scopes: AddressScopePlugin): RbacObjectKind {
  return sharedObjectKind({
    type: 'address_scope',
    table: 'addressscoperbacs',
    objects: 'address_scopes',
    find: (trx, ctx, id) => scopes.find(trx, ctx, id, true),
    users: (trx, id) => trx.selectFrom('subnetpools').select('project_id').where('address_scope_id', '=', id),
    inUse: (id) => `subnet pools of other projects are in address scope ${id}`,
    sync: (trx, id) => syncShared(trx, 'addressscoperbacs', 'address_scopes', id),
  });
}
