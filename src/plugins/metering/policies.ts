// Metering's policy defaults, under Neutron's rule names (neutron/conf/policies/metering.py):
// labels and rules are an admin's; the counters the agents report likewise.
import type { RuleDefault } from '../../api/policy/defaults.js';
import type { Extension } from '../../api/resource.js';

const ADMIN = 'rule:admin_only';

export const METERING_RULES: readonly RuleDefault[] = [
  { name: 'create_metering_label', check: ADMIN, description: 'Create a metering label.' },
  { name: 'get_metering_label', check: ADMIN, description: 'Show a metering label.' },
  { name: 'delete_metering_label', check: ADMIN, description: 'Delete a metering label.' },
  { name: 'create_metering_label_rule', check: ADMIN, description: 'Create a metering label rule.' },
  { name: 'get_metering_label_rule', check: ADMIN, description: 'Show a metering label rule.' },
  { name: 'delete_metering_label_rule', check: ADMIN, description: 'Delete a metering label rule.' },
  { name: 'get_metering_label_counters', check: ADMIN, description: 'Read the traffic counters the L3 agents report per metering label and router.' },
];

const UPDATED = '2026-12-05T00:00:00-00:00';
export const METERING_EXTENSIONS: Extension[] = [
  { alias: 'metering', name: 'Neutron Metering', description: 'Metering labels and rules, counted by the L3 agents in their routers (nftables counters).', updated: UPDATED },
  {
    alias: 'metering_source_and_destination_fields',
    name: 'Neutron Metering source and destination filters',
    description: 'source_ip_prefix and destination_ip_prefix on metering label rules.',
    updated: UPDATED,
  },
];
