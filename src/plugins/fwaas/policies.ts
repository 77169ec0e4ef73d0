// The policy defaults of firewall groups, policies and rules, under neutron-fwaas's rule names
// and with its defaults (neutron_fwaas/policies/): anyone creates, the owner (or an admin)
// changes, only an admin shares; a shared object is seen by every project, never changed by it.
import type { RuleDefault } from '../../api/policy/defaults.js';

const ANY = 'rule:regular_user';
const ADMIN = 'rule:admin_only';
const OWNER = 'rule:admin_or_owner';

const rule = (name: string, check: string, description: string): RuleDefault => ({ name, check, description });

function rulesOf(member: string, collection: string, what: string): RuleDefault[] {
  return [
    rule(`shared_${collection}`, `field:${collection}:shared=True`, `The ${what} is shared.`),
    rule(`create_${member}`, ANY, `Create a ${what}.`),
    rule(`create_${member}:shared`, ADMIN, `Create a shared ${what}.`),
    rule(`get_${member}`, `${OWNER} or rule:shared_${collection}`, `Show a ${what}.`),
    rule(`update_${member}`, OWNER, `Update a ${what}.`),
    rule(`update_${member}:shared`, ADMIN, `Share a ${what}, or stop sharing it.`),
    rule(`delete_${member}`, OWNER, `Delete a ${what}.`),
  ];
}

export const FWAAS_RULES: readonly RuleDefault[] = [
  ...rulesOf('firewall_group', 'firewall_groups', 'firewall group'),
  ...rulesOf('firewall_policy', 'firewall_policies', 'firewall policy'),
  rule('insert_rule', OWNER, 'Insert a rule into a firewall policy.'),
  rule('remove_rule', OWNER, 'Remove a rule from a firewall policy.'),
  ...rulesOf('firewall_rule', 'firewall_rules', 'firewall rule'),
];
