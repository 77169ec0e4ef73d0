// The extension and policy defaults of auto-allocated-topology (neutron/conf/policies/auto_allocated_topology.py:
// project reader to get, project member to delete; admins for any project).
import type { RuleDefault } from '../../api/policy/defaults.js';
import type { Extension } from '../../api/resource.js';

export const AUTO_ALLOCATE_EXTENSION: Extension = {
  alias: 'auto-allocated-topology',
  name: 'Auto Allocated Topology Services',
  description:
    'is_default on external networks, and /v2.0/auto-allocated-topology/{project}: a network with subnets from the default pools behind a router on the default external network, made on first request.',
  updated: '2016-01-01T00:00:00-00:00',
};

const rule = (name: string, check: string, description: string): RuleDefault => ({ name, check, description });

export const AUTO_ALLOCATE_RULES: readonly RuleDefault[] = [
  rule('get_auto_allocated_topology', '(rule:admin_only) or (role:reader and project_id:%(project_id)s)', "Get (and make on first request) a project's auto-allocated topology."),
  rule('delete_auto_allocated_topology', '(rule:admin_only) or (role:member and project_id:%(project_id)s)', "Delete a project's auto-allocated topology."),
];
