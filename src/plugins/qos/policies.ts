// The policy defaults of QoS, under Neutron's rule names (neutron/conf/policies/qos.py):
// policies are made and changed by admins and read by their project or when shared; rules
// follow their policy; the rule types are an admin's view of the back ends, as Neutron.
import type { RuleDefault } from '../../api/policy/defaults.js';

const ADMIN = 'rule:admin_only';
const READER = '(rule:admin_only) or (role:reader and project_id:%(project_id)s) or (field:policies:shared=True)';
const RULE_READER = '(rule:admin_only) or (role:reader and project_id:%(project_id)s)';

const ruleRules = (member: string, what: string): RuleDefault[] => [
  { name: `get_policy_${member}`, check: RULE_READER, description: `Show a QoS ${what} rule.` },
  { name: `create_policy_${member}`, check: ADMIN, description: `Create a QoS ${what} rule.` },
  { name: `update_policy_${member}`, check: ADMIN, description: `Update a QoS ${what} rule.` },
  { name: `delete_policy_${member}`, check: ADMIN, description: `Delete a QoS ${what} rule.` },
  { name: `get_alias_${member}`, check: `rule:get_policy_${member}`, description: `Show a QoS ${what} rule by its id alone.` },
  { name: `update_alias_${member}`, check: `rule:update_policy_${member}`, description: `Update a QoS ${what} rule by its id alone.` },
  { name: `delete_alias_${member}`, check: `rule:delete_policy_${member}`, description: `Delete a QoS ${what} rule by its id alone.` },
];

export const QOS_RULES: readonly RuleDefault[] = [
  { name: 'get_policy', check: READER, description: 'Show a QoS policy.' },
  { name: 'create_policy', check: ADMIN, description: 'Create a QoS policy.' },
  { name: 'update_policy', check: ADMIN, description: 'Update a QoS policy.' },
  { name: 'delete_policy', check: ADMIN, description: 'Delete a QoS policy.' },
  { name: 'get_rule_type', check: ADMIN, description: 'Show the QoS rule types and their details.' },
  ...ruleRules('bandwidth_limit_rule', 'bandwidth limit'),
  ...ruleRules('dscp_marking_rule', 'DSCP marking'),
  ...ruleRules('minimum_bandwidth_rule', 'minimum bandwidth'),
];
