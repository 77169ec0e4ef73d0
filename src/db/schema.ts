// Row types of the tables, as Kysely sees them. Booleans are stored as 0/1 integers so
// one schema serves SQLite and PostgreSQL; list-valued attributes that are never filtered
// on in SQL are JSON text.
import type { VpnaasTables } from './vpnaas-tables.js';
import type { Generated } from 'kysely';

interface StandardColumns {
  id: string;
  project_id: string;
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

export interface NetworkTable extends StandardColumns {
  status: string;
  admin_state_up: number;
  shared: number;
  router_external: number;
  mtu: number;
  port_security_enabled: number;
  /** JSON list (network_availability_zone); null: none */
  availability_zone_hints?: string | null;
  /** auto-allocated-topology: the default external network */
  is_default?: number;
  /** dns-integration: the domain an external DNS service would publish its ports under ('' = none) */
  dns_domain?: string;
  /** qos: the network's QoS policy (its ports without one of their own take it) */
  qos_policy_id?: string | null;
}

export interface SubnetTable extends StandardColumns {
  network_id: string;
  ip_version: number;
  cidr: string;
  gateway_ip: string | null;
  enable_dhcp: number;
  ipv6_ra_mode: string | null;
  ipv6_address_mode: string | null;
  allocation_pools: string; // JSON [{start,end}]
  dns_nameservers: string; // JSON [ip]
  host_routes: string; // JSON [{destination,nexthop}]
  /** the subnet pool its cidr was allocated from (subnet_allocation), if any */
  subnetpool_id: string | null;
  /** segment (0021): the segment of a routed network the subnet is on */
  segment_id?: string | null;
  /** JSON list of device owners it serves (subnet-service-types); null: all */
  service_types?: string | null;
}

export interface PortTable extends StandardColumns {
  network_id: string;
  mac_address: string;
  admin_state_up: number;
  status: string;
  device_id: string;
  device_owner: string;
  port_security_enabled: number;
  allowed_address_pairs: string; // JSON [{ip_address,mac_address}]
  extra_dhcp_opts: string; // JSON [{opt_name,opt_value,ip_version}]
  /** dns-integration ('' = none) */
  dns_name?: string;
  /** qos: the port's own QoS policy (null: the network's, if any) */
  qos_policy_id?: string | null;
}

export interface IpAllocationTable {
  port_id: string;
  subnet_id: string;
  network_id: string;
  ip_address: string;
}

export interface SecurityGroupTable extends StandardColumns {
  stateful: number;
}

export interface SecurityGroupRuleTable {
  id: string;
  project_id: string;
  security_group_id: string;
  direction: string;
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  /** address-group: the rule's remote side is an address group's addresses */
  remote_address_group_id?: string | null;
  description: string;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

export type AddressGroupTable = StandardColumns;

export interface AutoAllocatedTopologyTable {
  project_id: string;
  network_id: string | null;
  router_id: string | null;
  /** 'building' while being made, 'ready' once whole */
  state: string;
  updated_at: string;
}

export interface AddressAssociationTable {
  address_group_id: string;
  address: string;
}

export interface SecurityGroupPortBindingTable {
  port_id: string;
  security_group_id: string;
}

export interface DefaultSecurityGroupTable {
  project_id: string;
  security_group_id: string;
}

export interface TagTable {
  resource_id: string;
  tag: string;
}

export interface QuotaTable {
  project_id: string;
  resource: string;
  limit: number;
}

export interface NetworkSegmentTable {
  id: string;
  network_id: string;
  network_type: string;
  physical_network: string | null;
  segmentation_id: number | null;
  segment_index: number;
  /** segment (0021): null until named; timestamps null only for rows made before it by other writers */
  name?: string | null;
  description?: string;
  revision_number?: number;
  created_at?: string | null;
  updated_at?: string | null;
}

export interface SegmentAllocationTable {
  network_type: string;
  /** '' for types without physical networks */
  physical_network: string;
  /** 0 for flat */
  segmentation_id: number;
  network_id: string;
}

export interface AgentTable {
  id: string;
  agent_type: string;
  binary: string;
  topic: string;
  host: string;
  admin_state_up: number;
  description: string;
  configurations: string; // JSON
  resource_versions: string; // JSON
  availability_zone: string | null;
  load: number;
  created_at: string;
  started_at: string;
  heartbeat_timestamp: string;
}

export interface PortBindingTable {
  port_id: string;
  host: string;
  vnic_type: string;
  profile: string; // JSON
  vif_type: string;
  vif_details: string; // JSON
  segment_id: string | null;
  driver: string | null;
}

export interface ProvisioningBlockTable {
  port_id: string;
  entity: string;
}

export interface NetworkDhcpAgentBindingTable {
  network_id: string;
  dhcp_agent_id: string;
}

export interface TunnelEndpointTable {
  tunnel_type: string;
  ip_address: string;
  host: string;
}

/** One rbac-policies entry on a network (Neutron's networkrbacs). */
export interface NetworkRbacTable {
  id: string;
  project_id: string;
  object_id: string;
  /** access_as_shared | access_as_external */
  action: string;
  /** a project id, or '*' for every project */
  target_tenant: string;
}

/** An address scope: subnet pools whose prefixes are unique within it. */
export interface AddressScopeTable {
  id: string;
  project_id: string;
  name: string;
  shared: number;
  ip_version: number;
}

/** A subnet pool; its prefixes are rows of subnetpoolprefixes, its allocations the subnets naming it. */
export interface SubnetPoolTable extends StandardColumns {
  ip_version: number;
  default_prefixlen: number;
  min_prefixlen: number;
  max_prefixlen: number;
  shared: number;
  is_default: number;
  /** per-project limit of addresses (IPv4, in /32s) or /64s (IPv6) allocated from the pool; null: none */
  default_quota: number | null;
  address_scope_id: string | null;
  /** bumped by every change of its allocations or prefixes (the cache key of its free space) */
  allocation_generation: number;
}

export interface SubnetPoolPrefixTable {
  subnetpool_id: string;
  cidr: string;
}

export interface RouterTable extends StandardColumns {
  status: string;
  admin_state_up: number;
  gw_port_id: string | null;
  enable_snat: number;
  /** JSON list (router_availability_zone); null: none */
  availability_zone_hints?: string | null;
  /** l3-ha: 1 = VRRP between several L3 agents (migration 0017) */
  ha?: number;
  /** l3-ha: the router's VRRP virtual router id on its project's HA network (0: not HA) */
  ha_vr_id?: number;
}

/** Which ports a router owns, and as what (network:router_gateway, network:router_interface). */
export interface RouterPortTable {
  router_id: string;
  port_id: string;
  port_type: string;
}

/** extraroute: a router's static routes. */
export interface RouterRouteTable {
  router_id: string;
  destination: string;
  nexthop: string;
}

export interface FloatingIpTable {
  id: string;
  project_id: string;
  description: string;
  floating_ip_address: string;
  floating_network_id: string;
  floating_port_id: string;
  fixed_port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
  status: string;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

export interface RouterL3AgentBindingTable {
  router_id: string;
  l3_agent_id: string;
  /** l3-ha: an HA router has one row per agent, numbered from 1 (migration 0017) */
  binding_index?: number;
}

/** l3-ha: the HA network of each project (migration 0017). */
export interface HaRouterNetworkTable {
  project_id: string;
  network_id: string;
}

/** l3-ha: VRRP virtual router ids taken on an HA network. */
export interface HaRouterVridAllocationTable {
  network_id: string;
  vr_id: number;
}

/** l3-ha: each agent's HA port of a router and the VRRP state it reported (active, standby, unknown). */
export interface HaRouterAgentPortBindingTable {
  port_id: string;
  router_id: string;
  l3_agent_id: string | null;
  state: string;
}

/** An instance the compute shim booted, as the metadata service serves it. */
export interface InstanceTable {
  id: string;
  project_id: string;
  name: string;
  hostname: string;
  host: string;
  availability_zone: string;
  key_name: string | null;
  public_keys: string; // JSON {name: key}
  meta: string; // JSON {key: value}
  user_data: string | null; // base64
  created_at: string;
}

export interface KeypairTable {
  project_id: string;
  name: string;
  public_key: string;
  fingerprint: string;
  created_at: string;
}

export interface MigrationMarker {
  seq: Generated<number>;
}

/** qos: a QoS policy (its rules are in the qos_*_rules tables). */
export interface QosPolicyTable extends StandardColumns {
  shared: number;
  is_default: number;
}

export interface QosBandwidthLimitRuleTable {
  id: string;
  qos_policy_id: string;
  max_kbps: number;
  max_burst_kbps: number;
  direction: string;
}

export interface QosDscpMarkingRuleTable {
  id: string;
  qos_policy_id: string;
  dscp_mark: number;
}

export interface QosMinimumBandwidthRuleTable {
  id: string;
  qos_policy_id: string;
  min_kbps: number;
  direction: string;
}

/** metering: a label (counted on every router of its project; shared: on every router). */
export interface MeteringLabelTable {
  id: string;
  project_id: string;
  name: string;
  description: string;
  shared: number;
}

export interface MeteringLabelRuleTable {
  id: string;
  metering_label_id: string;
  project_id: string;
  direction: string;
  remote_ip_prefix: string | null;
  source_ip_prefix: string | null;
  destination_ip_prefix: string | null;
  excluded: number;
}

/** what the L3 agents' metering extension last reported, per label and router */
export interface MeteringLabelCounterTable {
  metering_label_id: string;
  router_id: string;
  host: string;
  pkts: number | string;
  bytes: number | string;
  first_update: string;
  last_update: string;
}

export interface Database extends VpnaasTables {
  networks: NetworkTable;
  subnets: SubnetTable;
  ports: PortTable;
  ipallocations: IpAllocationTable;
  securitygroups: SecurityGroupTable;
  securitygrouprules: SecurityGroupRuleTable;
  securitygroupportbindings: SecurityGroupPortBindingTable;
  default_security_group: DefaultSecurityGroupTable;
  tags: TagTable;
  quotas: QuotaTable;
  networksegments: NetworkSegmentTable;
  ml2_segment_allocations: SegmentAllocationTable;
  agents: AgentTable;
  ml2_port_bindings: PortBindingTable;
  provisioningblocks: ProvisioningBlockTable;
  networkdhcpagentbindings: NetworkDhcpAgentBindingTable;
  ml2_tunnel_endpoints: TunnelEndpointTable;
  networkrbacs: NetworkRbacTable;
  subnetpoolrbacs: NetworkRbacTable;
  addressscoperbacs: NetworkRbacTable;
  securitygrouprbacs: NetworkRbacTable;
  addressgrouprbacs: NetworkRbacTable;
  address_groups: AddressGroupTable;
  address_associations: AddressAssociationTable;
  auto_allocated_topologies: AutoAllocatedTopologyTable;
  address_scopes: AddressScopeTable;
  subnetpools: SubnetPoolTable;
  subnetpoolprefixes: SubnetPoolPrefixTable;
  routers: RouterTable;
  routerports: RouterPortTable;
  routerroutes: RouterRouteTable;
  floatingips: FloatingIpTable;
  portforwardings: PortForwardingTable;
  qos_policies: QosPolicyTable;
  qos_policies_default: { project_id: string; qos_policy_id: string };
  qos_bandwidth_limit_rules: QosBandwidthLimitRuleTable;
  qos_dscp_marking_rules: QosDscpMarkingRuleTable;
  qos_minimum_bandwidth_rules: QosMinimumBandwidthRuleTable;
  meteringlabels: MeteringLabelTable;
  meteringlabelrules: MeteringLabelRuleTable;
  meteringlabelcounters: MeteringLabelCounterTable;
  routerl3agentbindings: RouterL3AgentBindingTable;
  ha_router_networks: HaRouterNetworkTable;
  ha_router_vrid_allocations: HaRouterVridAllocationTable;
  ha_router_agent_port_bindings: HaRouterAgentPortBindingTable;
  instances: InstanceTable;
  keypairs: KeypairTable;
  nova_networks: NovaNetworkTable;
  nova_floating_ranges: NovaFloatingRangeTable;
  nova_fixed_ip_quarantine: NovaFixedIpQuarantineTable;
  firewall_rules_v2: FirewallRuleTable;
  firewall_policies_v2: FirewallPolicyTable;
  firewall_policy_rule_associations_v2: FirewallPolicyRuleTable;
  firewall_groups_v2: FirewallGroupTable;
  firewall_group_port_associations_v2: FirewallGroupPortTable;
  default_firewall_groups: DefaultFirewallGroupTable;
}

/** What a nova-network mode adds to a Neutron network (src/plugins/nova_network/). */
export interface NovaNetworkTable {
  network_id: string;
  mode: string;
  bridge: string;
  bridge_interface: string | null;
  multi_host: number;
  created_at: string;
}

/** A floating range of a neutrino-manage pool: a subnet of the pool's external network. */
export interface NovaFloatingRangeTable {
  subnet_id: string;
  interface: string;
}

/** A deleted instance's fixed IP held until `until` (fixed_ip_disassociate_timeout). */
export interface NovaFixedIpQuarantineTable {
  subnet_id: string;
  ip_address: string;
  port_id: string;
  until: string;
}

/** FWaaS v2 (src/plugins/fwaas/): a rule; ports are "N" or "N:M" as the API shows them. */
export interface FirewallRuleTable {
  id: string;
  project_id: string;
  name: string;
  description: string;
  shared: number;
  protocol: string | null;
  ip_version: number;
  source_ip_address: string | null;
  destination_ip_address: string | null;
  source_port: string | null;
  destination_port: string | null;
  action: string;
  enabled: number;
}

export interface FirewallPolicyTable {
  id: string;
  project_id: string;
  name: string;
  description: string;
  shared: number;
  audited: number;
}

/** A rule's place in a policy (position counts from 0). */
export interface FirewallPolicyRuleTable {
  firewall_policy_id: string;
  firewall_rule_id: string;
  position: number;
}

export interface FirewallGroupTable {
  id: string;
  project_id: string;
  name: string;
  description: string;
  admin_state_up: number;
  status: string;
  shared: number;
  ingress_firewall_policy_id: string | null;
  egress_firewall_policy_id: string | null;
}

export interface FirewallGroupPortTable {
  firewall_group_id: string;
  port_id: string;
}

export interface DefaultFirewallGroupTable {
  project_id: string;
  firewall_group_id: string;
}

/** A port forwarding of a floating IP (src/plugins/port_forwarding/); a single port is start = end. */
export interface PortForwardingTable {
  id: string;
  floatingip_id: string;
  internal_neutron_port_id: string;
  internal_ip_address: string;
  protocol: string;
  internal_port_start: number;
  internal_port_end: number;
  external_port_start: number;
  external_port_end: number;
  description: string;
  created_at: string;
}
