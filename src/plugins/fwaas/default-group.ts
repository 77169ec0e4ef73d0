// Each project's default firewall group (neutron-fwaas's _ensure_default_firewall_group): made
// the first time the project lists or creates firewall groups, with a "default ingress" policy
// that drops everything in (IPv4 and IPv6 rules) and a "default egress" one that lets
// everything out. The default_firewall_groups primary key keeps it one per project when two
// requests race (the losing transaction is retried and finds it).
import { randomUUID } from 'node:crypto';
import type { FirewallRuleTable } from '../../db/schema.js';
import type { Trx } from '../../db/transaction.js';
import { DEFAULT_EGRESS_POLICY, DEFAULT_INGRESS_POLICY } from './firewall-policies.js';

export const DEFAULT_GROUP_NAME = 'default';

export async function ensureDefaultGroup(trx: Trx, projectId: string): Promise<string> {
  const found = await trx.selectFrom('default_firewall_groups').select('firewall_group_id').where('project_id', '=', projectId).executeTakeFirst();
  if (found) return found.firewall_group_id;
  const rule = (direction: 'ingress' | 'egress', version: 4 | 6): FirewallRuleTable => ({
    id: randomUUID(),
    project_id: projectId,
    name: `default ${direction} ipv${version}`,
    description: `default ${direction} rule for IPv${version}`,
    shared: 0,
    protocol: null,
    ip_version: version,
    source_ip_address: null,
    destination_ip_address: null,
    source_port: null,
    destination_port: null,
    action: direction === 'ingress' ? 'deny' : 'allow',
    enabled: 1,
  });
  const rules = { ingress: [rule('ingress', 4), rule('ingress', 6)], egress: [rule('egress', 4), rule('egress', 6)] };
  await trx
    .insertInto('firewall_rules_v2')
    .values([...rules.ingress, ...rules.egress])
    .execute();
  const policy = (direction: 'ingress' | 'egress') => ({
    id: randomUUID(),
    project_id: projectId,
    name: direction === 'ingress' ? DEFAULT_INGRESS_POLICY : DEFAULT_EGRESS_POLICY,
    description: direction === 'ingress' ? 'Ingress firewall policy' : 'Egress firewall policy',
    shared: 0,
    audited: 0,
  });
  const ingress = policy('ingress');
  const egress = policy('egress');
  await trx.insertInto('firewall_policies_v2').values([ingress, egress]).execute();
  await trx
    .insertInto('firewall_policy_rule_associations_v2')
    .values([
      ...rules.ingress.map((r, position) => ({ firewall_policy_id: ingress.id, firewall_rule_id: r.id, position })),
      ...rules.egress.map((r, position) => ({ firewall_policy_id: egress.id, firewall_rule_id: r.id, position })),
    ])
    .execute();
  const id = randomUUID();
  await trx
    .insertInto('firewall_groups_v2')
    .values({
      id,
      project_id: projectId,
      name: DEFAULT_GROUP_NAME,
      description: 'Default firewall group',
      admin_state_up: 1,
      status: 'INACTIVE',
      shared: 0,
      ingress_firewall_policy_id: ingress.id,
      egress_firewall_policy_id: egress.id,
    })
    .execute();
  await trx.insertInto('default_firewall_groups').values({ project_id: projectId, firewall_group_id: id }).execute();
  return id;
}
