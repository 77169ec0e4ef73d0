// rbac-security-groups: a group's owner (or an admin) opens it to other projects with
// access_as_shared entries; they see it and its rules, and their ports may use it, but only
// the owner changes it. An entry cannot go while a project it alone lets in has ports in the
// group (Neutron's in-use check).
import type { RbacObjectKind } from '../rbac/object-kinds.js';
import { projectsLeftOut } from '../rbac/object-kinds.js';
import { ACCESS_SHARED } from '../rbac/network-access.js';
import { bumpRevision } from '../revision.js';
import type { SecurityGroupPlugin } from './security-groups.js';

export function securityGroupKind(groups: SecurityGroupPlugin): RbacObjectKind {
  return {
    type: 'security_group',
    table: 'securitygrouprbacs',
    objects: 'securitygroups',
    actions: [ACCESS_SHARED],
    find: (trx, ctx, id) => groups.find(trx, ctx, id, true),
    async inUse(trx, group, target, opts) {
      const users = trx
        .selectFrom('ports')
        .select('project_id')
        .where('id', 'in', trx.selectFrom('securitygroupportbindings').select('port_id').where('security_group_id', '=', group.id));
      return (await projectsLeftOut(trx, 'securitygrouprbacs', group, target, opts, users)) ? `ports of other projects use security group ${group.id}` : null;
    },
    // an entry made, changed or removed is a change of its group
    sync: (trx, id) => bumpRevision(trx, 'securitygroups', id),
  };
}
