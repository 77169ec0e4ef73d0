// rbac-address-group: an address group's owner (or an admin) opens it to other projects with
// access_as_shared entries; they see it and their security group rules may name it. An entry
// cannot go while a project it alone lets in has rules that name the group.
import type { RbacObjectKind } from '../rbac/object-kinds.js';
import { projectsLeftOut } from '../rbac/object-kinds.js';
import { ACCESS_SHARED } from '../rbac/network-access.js';
import { bumpRevision } from '../revision.js';
import type { AddressGroupPlugin } from './address-groups.js';

export function addressGroupKind(groups: AddressGroupPlugin): RbacObjectKind {
  return {
    type: 'address_group',
    table: 'addressgrouprbacs',
    objects: 'address_groups',
    actions: [ACCESS_SHARED],
    find: (trx, ctx, id) => groups.find(trx, ctx, id, true),
    async inUse(trx, group, target, opts) {
      const users = trx.selectFrom('securitygrouprules').select('project_id').where('remote_address_group_id', '=', group.id);
      return (await projectsLeftOut(trx, 'addressgrouprbacs', group, target, opts, users)) ? `security group rules of other projects use address group ${group.id}` : null;
    },
    sync: (trx, id) => bumpRevision(trx, 'address_groups', id),
  };
}
