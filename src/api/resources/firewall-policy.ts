// fwaas_v2: /v2.0/fwaas/firewall_policies, an ordered list of rules (neutron-lib's
// api/definitions/firewall_v2.py); insert_rule and remove_rule are routes of their own.
import { FirewallPolicyNotFound } from '../errors-fwaas.js';
import type { ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { idAttr, projectAttrs } from './common.js';

/** type:uuid_list with convert_none_to_empty_list */
export const uuidListOrNone: v.Validator = (x) => (x === null ? [] : v.list(v.uuid, { unique: true })(x));

export const firewallPolicyDef: ResourceDef = {
  collection: 'firewall_policies',
  member: 'firewall_policy',
  path: 'fwaas/firewall_policies',
  table: 'firewall_policies_v2',
  notFound: (id) => FirewallPolicyNotFound({ firewall_policy_id: id }),
  taggable: false,
  bulk: true,
  attributes: [
    idAttr,
    ...projectAttrs,
    { name: 'name', post: true, put: true, default: '', validate: v.string(255), column: 'name', filter: 'string', sort: true },
    { name: 'description', post: true, put: true, default: '', validate: v.string(1024), column: 'description', filter: 'string', sort: true },
    { name: 'shared', post: true, put: true, default: false, validate: v.boolean, column: 'shared', filter: 'bool', sort: true },
    { name: 'firewall_rules', post: true, put: true, default: [], validate: uuidListOrNone, filter: 'string' },
    { name: 'audited', post: true, put: true, default: false, validate: v.boolean, column: 'audited', filter: 'bool', sort: true },
  ],
};
