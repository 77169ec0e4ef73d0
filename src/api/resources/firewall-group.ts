// fwaas_v2: /v2.0/fwaas/firewall_groups, ingress and egress policies bound to ports (neutron-lib's
// api/definitions/firewall_v2.py).
import { FirewallGroupNotFound } from '../errors-fwaas.js';
import type { ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { idAttr, projectAttrs } from './common.js';
import { uuidListOrNone } from './firewall-policy.js';

export const firewallGroupDef: ResourceDef = {
  collection: 'firewall_groups',
  member: 'firewall_group',
  path: 'fwaas/firewall_groups',
  table: 'firewall_groups_v2',
  notFound: (id) => FirewallGroupNotFound({ firewall_id: id }),
  taggable: false,
  bulk: true,
  attributes: [
    idAttr,
    ...projectAttrs,
    { name: 'name', post: true, put: true, default: '', validate: v.string(255), column: 'name', filter: 'string', sort: true },
    { name: 'description', post: true, put: true, default: '', validate: v.string(1024), column: 'description', filter: 'string', sort: true },
    { name: 'admin_state_up', post: true, put: true, default: true, validate: v.boolean, column: 'admin_state_up', filter: 'bool', sort: true },
    { name: 'status', post: false, put: false, column: 'status', filter: 'string', sort: true },
    { name: 'shared', post: true, put: true, default: false, validate: v.boolean, column: 'shared', filter: 'bool', sort: true },
    { name: 'ports', post: true, put: true, default: [], validate: uuidListOrNone, filter: 'string' },
    { name: 'ingress_firewall_policy_id', post: true, put: true, default: null, validate: v.nullableUuid, column: 'ingress_firewall_policy_id', filter: 'string', sort: true },
    { name: 'egress_firewall_policy_id', post: true, put: true, default: null, validate: v.nullableUuid, column: 'egress_firewall_policy_id', filter: 'string', sort: true },
  ],
};
