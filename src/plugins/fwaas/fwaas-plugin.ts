// The firewall_v2 service plugin's parts (FWaaS v2, docs/fwaas.md): groups, policies and rules,
// the notifier that casts to the L3 agents hosting the bound routers, the agents' RPC, the
// extension description and the policy defaults.
import type { Extension } from '../../api/resource.js';
import type { Services } from '../services.js';
import { FirewallGroupPlugin } from './firewall-groups.js';
import { FirewallPolicyPlugin } from './firewall-policies.js';
import { FirewallRulePlugin } from './firewall-rules.js';
import { FwaasNotifier } from './fwaas-notifier.js';
import { FwaasRpcCallbacks } from './fwaas-rpc.js';
import { FWAAS_RULES } from './policies.js';

export const FWAAS_EXTENSION: Extension = {
  alias: 'fwaas_v2',
  name: 'FWaaS v2',
  description:
    'Firewall groups, policies and rules at /v2.0/fwaas; groups bound to router interface ports are enforced by the L3 agents (fwaas_v2 extension) in nftables, statefully, for IPv4 and IPv6.',
  updated: '2016-10-06T10:00:00-00:00',
};

export interface FwaasParts {
  groups: FirewallGroupPlugin;
  policies: FirewallPolicyPlugin;
  rules: FirewallRulePlugin;
  rpc: FwaasRpcCallbacks;
  policyDefaults: typeof FWAAS_RULES;
}

export function buildFwaas(s: Services): FwaasParts {
  const notifier = new FwaasNotifier(s.db, s.bus, s.log);
  return {
    groups: new FirewallGroupPlugin(s, notifier),
    policies: new FirewallPolicyPlugin(s, notifier),
    rules: new FirewallRulePlugin(s, notifier),
    rpc: new FwaasRpcCallbacks(s),
    policyDefaults: FWAAS_RULES,
  };
}
