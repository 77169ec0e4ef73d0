// rbac-security-groups: a group's owner (or an admin) opens it to other projects with
// access_as_shared entries; they see it and its rules, and their ports may use it, but only
// the owner changes it. An entry cannot go while a project it alone lets in has ports in the
// group (Neutron's in-use check).
import { sharedObjectKind, type RbacObjectKind } from '../rbac/object-kinds.js';
import { bumpRevision } from '../revision.js';
import type { SecurityGroupPlugin } from './security-groups.js';

export function securityGroupKind(groups: SecurityGroupPlugin): RbacObjectKind {
  return sharedObjectKind({
    type: 'security_group',
    table: 'securitygrouprbacs',
    objects: 'securitygroups',
    find: (trx, ctx, id) => groups.find(trx, ctx, id, true),
    users: (trx, id) =>
      trx
        .selectFrom('ports')
        .select('project_id')
        .where('id', 'in', trx.selectFrom('securitygroupportbindings').select('port_id').where('security_group_id', '=', id)),
    inUse: (id) => `ports of other projects use security group ${id}`,
    // an entry made, changed or removed is a change of its group
    sync: (trx, id) => bumpRevision(trx, 'securitygroups', id),
  });
}
