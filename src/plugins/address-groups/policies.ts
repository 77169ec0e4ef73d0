// The policy defaults of address groups, under Neutron's rule names and with its current
// defaults (neutron/conf/policies/address_group.py). A policy file overrides them.
import type { RuleDefault } from '../../api/policy/defaults.js';

const ADMIN_OR_MEMBER = '(rule:admin_only) or (role:member and project_id:%(project_id)s)';
const ADMIN_OR_READER = '(rule:admin_only) or (role:reader and project_id:%(project_id)s)';

const rule = (name: string, check: string, description: string): RuleDefault => ({ name, check, description });

export const ADDRESS_GROUP_RULES: readonly RuleDefault[] = [
  rule('shared_address_groups', 'field:address_groups:shared=True', 'The address group is shared with the caller.'),
  rule('create_address_group', ADMIN_OR_MEMBER, 'Create an address group.'),
  rule('get_address_group', `${ADMIN_OR_READER} or (rule:shared_address_groups)`, 'Show an address group.'),
  rule('update_address_group', ADMIN_OR_MEMBER, 'Update an address group.'),
  rule('delete_address_group', ADMIN_OR_MEMBER, 'Delete an address group.'),
  rule('add_addresses', ADMIN_OR_MEMBER, 'Add addresses to an address group.'),
  rule('remove_addresses', ADMIN_OR_MEMBER, 'Remove addresses from an address group.'),
];
