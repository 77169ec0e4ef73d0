// The policy defaults of port forwardings, under Neutron's rule names
// (neutron/conf/policies/port_forwarding.py): the floating IP's project (the parent's owner)
// or an admin. The target carries the floating IP's project_id.
import type { RuleDefault } from '../../api/policy/defaults.js';

const ADMIN_OR_MEMBER = '(rule:admin_only) or (role:member and project_id:%(project_id)s)';
const ADMIN_OR_READER = '(rule:admin_only) or (role:reader and project_id:%(project_id)s)';

export const PORT_FORWARDING_RULES: readonly RuleDefault[] = [
  { name: 'create_floatingip_port_forwarding', check: ADMIN_OR_MEMBER, description: 'Create a floating IP port forwarding.' },
  { name: 'get_floatingip_port_forwarding', check: ADMIN_OR_READER, description: 'Show a floating IP port forwarding.' },
  { name: 'update_floatingip_port_forwarding', check: ADMIN_OR_MEMBER, description: 'Update a floating IP port forwarding.' },
  { name: 'delete_floatingip_port_forwarding', check: ADMIN_OR_MEMBER, description: 'Delete a floating IP port forwarding.' },
];
