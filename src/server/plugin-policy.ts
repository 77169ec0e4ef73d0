// Policy defaults a plugin brings (as Neutron registers each extension's rules in code): added
// to the table in force unless the defaults or a policy file already name the rule, so a
// policy file still overrides them.
import type { RuleDefault } from '../api/policy/defaults.js';
import { Policy } from '../api/policy/policy.js';

export function withPluginDefaults(policy: Policy, rules: readonly RuleDefault[]): Policy {
  const fresh = rules.filter((r) => !policy.has(r.name));
  if (!fresh.length) return policy;
  const fileRules = Object.fromEntries(policy.overridden.map((n) => [n, policy.text(n)!]));
  return new Policy({ ...Object.fromEntries(fresh.map((r) => [r.name, r.check])), ...fileRules });
}
