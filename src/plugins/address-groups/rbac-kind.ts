// rbac-address-group: an address group's owner (or an admin) opens it to other projects with
// access_as_shared entries; they see it and their security group rules may name it. An entry
// cannot go while a project it alone lets in has rules that name the group.
import { sharedObjectKind, type RbacObjectKind } from '../rbac/object-kinds.js';
import { bumpRevision } from '../revision.js';
import type { AddressGroupPlugin } from './address-groups.js';

export function addressGroupKind(groups: AddressGroupPlugin): RbacObjectKind {
  return sharedObjectKind({
    type: 'address_group',
    table: 'addressgrouprbacs',
    objects: 'address_groups',
    find: (trx, ctx, id) => groups.find(trx, ctx, id, true),
    users: (trx, id) => trx.selectFrom('securitygrouprules').select('project_id').where('remote_address_group_id', '=', id),
    inUse: (id) => `security group rules of other projects use address group ${id}`,
    sync: (trx, id) => bumpRevision(trx, 'address_groups', id),
  });
}
