// What the server tells an L3 agent about a router (Neutron's sync_routers answer, the
// fields an agent needs). The contract between src/plugins/l3 (server, router-sync.ts builds
// it) and src/agents/l3.
//
// RPC, topic names as Neutron's:
//   agent → server, topic q-l3-plugin (topics.L3_PLUGIN, call):
//     sync_routers {host, router_ids?: string[]}           → SyncRouter[] (routers scheduled to host;
//                                                            only those ids when given)
//     get_router_ids {host}                                 → string[] (every router scheduled to host;
//                                                            auto-schedules unscheduled ones first)
//     update_floatingip_statuses {router_id, fip_statuses: {fip_id: 'ACTIVE'|'DOWN'|'ERROR'}} → null
//     get_external_network_id {host}                       → string | null
//     update_ha_routers_states {host, states: {router_id: 'active'|'standby'|'unknown'}} → null
//                                                           (l3-ha: VRRP state changes of this host)
//   server → agent, topic l3_agent.<host> (topics.L3_AGENT, cast), after commit:
//     routers_updated {routers: string[]}                  (anything about these routers changed:
//                                                            interfaces, gateway, routes, floating IPs)
//     router_deleted {router_id}
//     router_added_to_agent {payload: string[]}           (scheduled here)
//     router_removed_from_agent {payload: {router_id}}    (unscheduled from here)

/** what an agent may report of a floating IP in update_floatingip_statuses */
export type FloatingIpStatus = 'ACTIVE' | 'DOWN' | 'ERROR';
export const FLOATING_IP_STATUSES: readonly string[] = ['ACTIVE', 'DOWN', 'ERROR'] satisfies FloatingIpStatus[];

export interface SyncFixedIp {
  subnet_id: string;
  ip_address: string;
  prefixlen: number;
}

export interface SyncSubnet {
  id: string;
  cidr: string;
  gateway_ip: string | null;
  ip_version: 4 | 6;
  /** IPv6: who advertises (slaac, dhcpv6-stateless, dhcpv6-stateful; null: not the router) */
  ipv6_ra_mode?: string | null;
  ipv6_address_mode?: string | null;
  /** IPv6: advertised as RDNSS */
  dns_nameservers?: string[];
}

/** A router port (gateway or interface), bound to the agent's host. */
export interface SyncPort {
  id: string;
  network_id: string;
  mac_address: string;
  device_owner: string;
  admin_state_up: boolean;
  fixed_ips: SyncFixedIp[];
  /** the subnets of fixed_ips */
  subnets: SyncSubnet[];
  mtu: number;
}

export interface SyncFloatingIp {
  id: string;
  floating_ip_address: string;
  floating_network_id: string;
  /** the associated internal address and port */
  fixed_ip_address: string;
  port_id: string;
  status: string;
}

export interface SyncRouter {
  id: string;
  name: string;
  project_id: string;
  admin_state_up: boolean;
  status: string;
  /** extraroute: destination CIDR via nexthop */
  routes: { destination: string; nexthop: string }[];
  enable_snat: boolean;
  /** null: no external gateway */
  gw_port: SyncPort | null;
  /** internal interfaces (device_owner network:router_interface) */
  _interfaces: SyncPort[];
  /** floating IPs associated through this router */
  _floatingips: SyncFloatingIp[];
  /** addresses (/32) of floating IPs with port forwardings through this router (no port of their own) */
  port_forwardings_fip_set?: string[];
  /** l3-ha: VRRP between the qrouter namespaces of several agents (keepalived) */
  ha: boolean;
  /** l3-ha: the VRRP virtual router id on the project's HA network */
  ha_vr_id?: number;
  /** l3-ha: this host's agent's port on the HA network (ha- device; VRRP speaks over it) */
  _ha_interface?: SyncPort | null;
  /** l3-ha: the state this host's agent last reported (active, standby, unknown) */
  _ha_state?: string;
  distributed: false;
}
