// What the port_forwarding service plugin (src/plugins/port_forwarding/) and the L3 agent's
// port_forwarding extension (src/agents/l3/extensions/port-forwarding/) say to each other.
//
//   server → agent, topic port_forwarding_agent.<host> (cast, after commit):
//     port_forwardings_updated {routers: string[]}    the forwardings of these routers changed
//   agent → server, topic q-port-forwarding-plugin (call):
//     get_port_forwardings {host, router_ids: string[]} → RouterPortForwardings[] (one entry per
//                                                        router asked for that has forwardings)
//
// A floating IP with forwardings has no port of its own (no 1:1 NAT); its router still holds
// the address on qg- (SyncRouter.port_forwardings_fip_set, src/contract/l3.ts).

export const PORT_FORWARDING_AGENT = 'port_forwarding_agent';
export const PORT_FORWARDING_PLUGIN = 'q-port-forwarding-plugin';
export const PORT_FORWARDINGS_UPDATED = 'port_forwardings_updated';
export const GET_PORT_FORWARDINGS = 'get_port_forwardings';

export type PortForwardingProtocol = 'tcp' | 'udp';
export const PORT_FORWARDING_PROTOCOLS: readonly string[] = ['tcp', 'udp'] satisfies PortForwardingProtocol[];

/** One forwarding as the agent needs it: single ports have start = end. */
export interface AgentPortForwarding {
  id: string;
  floatingip_id: string;
  floating_ip_address: string;
  protocol: PortForwardingProtocol;
  internal_ip_address: string;
  internal_port_start: number;
  internal_port_end: number;
  external_port_start: number;
  external_port_end: number;
}

export interface RouterPortForwardings {
  router_id: string;
  port_forwardings: AgentPortForwarding[];
}
