// The policy defaults of subnet pools and address scopes, under Neutron's rule names and with
// its current defaults (neutron/conf/policies/subnetpool.py, address_scope.py). A policy file
// overrides them as any other rule.
import type { RuleDefault } from '../../api/policy/defaults.js';

const ADMIN = 'rule:admin_only';
const ADMIN_OR_MEMBER = '(rule:admin_only) or (role:member and project_id:%(project_id)s)';
const ADMIN_OR_READER = '(rule:admin_only) or (role:reader and project_id:%(project_id)s)';

const rule = (name: string, check: string, description: string): RuleDefault => ({ name, check, description });

export const SUBNETPOOL_RULES: readonly RuleDefault[] = [
  rule('shared_subnetpools', 'field:subnetpools:shared=True', 'The subnet pool is shared with the caller.'),
  rule('create_subnetpool', ADMIN_OR_MEMBER, 'Create a subnet pool.'),
  rule('create_subnetpool:shared', ADMIN, 'Create a shared subnet pool.'),
  rule('create_subnetpool:is_default', ADMIN, 'Make a new subnet pool the default of its IP version.'),
  rule('get_subnetpool', `${ADMIN_OR_READER} or (rule:shared_subnetpools)`, 'Show a subnet pool.'),
  rule('update_subnetpool', ADMIN_OR_MEMBER, 'Update a subnet pool.'),
  rule('update_subnetpool:is_default', ADMIN, 'Make a subnet pool the default, or not.'),
  rule('update_subnetpool:tags', ADMIN_OR_MEMBER, "Change a subnet pool's tags."),
  rule('delete_subnetpool', ADMIN_OR_MEMBER, 'Delete a subnet pool.'),
  rule('delete_subnetpool:tags', ADMIN_OR_MEMBER, "Remove a subnet pool's tags."),
  rule('add_prefixes', ADMIN_OR_MEMBER, 'Add prefixes to a subnet pool (subnetpool-prefix-ops).'),
  rule('remove_prefixes', ADMIN_OR_MEMBER, 'Remove prefixes from a subnet pool (subnetpool-prefix-ops).'),
  rule('onboard_network_subnets', ADMIN_OR_MEMBER, "Move a network's subnets into a subnet pool (subnet_onboard)."),
];

export const ADDRESS_SCOPE_RULES: readonly RuleDefault[] = [
  rule('shared_address_scopes', 'field:address_scopes:shared=True', 'The address scope is shared with the caller.'),
  rule('create_address_scope', ADMIN_OR_MEMBER, 'Create an address scope.'),
  rule('create_address_scope:shared', ADMIN, 'Create a shared address scope.'),
  rule('get_address_scope', `${ADMIN_OR_READER} or (rule:shared_address_scopes)`, 'Show an address scope.'),
  rule('update_address_scope', ADMIN_OR_MEMBER, 'Update an address scope.'),
  rule('update_address_scope:shared', ADMIN, 'Share an address scope.'),
  rule('delete_address_scope', ADMIN_OR_MEMBER, 'Delete an address scope.'),
];
