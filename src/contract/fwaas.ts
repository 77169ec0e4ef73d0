// What the firewall_v2 service plugin (src/plugins/fwaas) and the L3 agents' fwaas_v2 extension
// (src/agents/l3/extensions/fwaas) say to each other. Topic names as neutron-fwaas's.
//
//   agent → server, topic q-firewall-plugin (call):
//     get_firewall_groups_for_routers {host, router_ids}  → FwaasRouterGroups[] (one per router id
//                                                          asked; groups bound to its interfaces)
//     set_firewall_group_status {host, statuses: {fwg_id: 'ACTIVE'|'DOWN'|'ERROR'}} → null
//   server → agent, topic firewall_agent.<host> (cast), after commit:
//     firewall_groups_updated {router_ids}                 (a group, policy or rule that binds
//                                                          ports of these routers changed)

export const FIREWALL_PLUGIN = 'q-firewall-plugin';
export const FIREWALL_AGENT = 'firewall_agent';

export const GET_FIREWALL_GROUPS_FOR_ROUTERS = 'get_firewall_groups_for_routers';
export const SET_FIREWALL_GROUP_STATUS = 'set_firewall_group_status';
export const FIREWALL_GROUPS_UPDATED = 'firewall_groups_updated';

/** what an agent may report of a group */
export type FirewallGroupAgentStatus = 'ACTIVE' | 'DOWN' | 'ERROR';
export const FIREWALL_GROUP_AGENT_STATUSES: readonly string[] = ['ACTIVE', 'DOWN', 'ERROR'] satisfies FirewallGroupAgentStatus[];

/** An enabled rule of a policy, in policy order. */
export interface FwaasRule {
  id: string;
  /** a name (tcp, udp, icmp, ipv6-icmp, sctp, dccp), a number as text, or null: any */
  protocol: string | null;
  ip_version: 4 | 6;
  source_ip_address: string | null;
  destination_ip_address: string | null;
  /** "N" or "N:M" */
  source_port: string | null;
  destination_port: string | null;
  action: 'allow' | 'deny' | 'reject';
}

export interface FwaasGroup {
  id: string;
  admin_state_up: boolean;
  /** the router interface ports of this router the group is bound to */
  port_ids: string[];
  /** null: the group has no policy that way (nothing passes that way but replies) */
  ingress_rules: FwaasRule[] | null;
  egress_rules: FwaasRule[] | null;
}

export interface FwaasRouterGroups {
  router_id: string;
  groups: FwaasGroup[];
}
