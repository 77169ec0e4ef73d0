// The API extensions this server implements, as listed at /v2.0/extensions. Clients and
// tempest believe this list, so an alias is here only when its behaviour is built.
import type { Extension } from './resource.js';

const UPDATED = '2026-11-22T00:00:00-00:00';

const ext = (alias: string, name: string, description: string): Extension => ({ alias, name, description, updated: UPDATED });

export const EXTENSIONS: Extension[] = [
  ext('external-net', 'Neutron external network', 'Marks networks that routers may use as gateways (router:external).'),
  ext('net-mtu', 'Network MTU', 'Shows the MTU of a network (mtu).'),
  ext('net-mtu-writable', 'Network MTU (writable)', 'Lets the MTU of a network be set and changed.'),
  ext('port-security', 'Port Security', 'Turns anti-spoofing and security groups on or off per network and port (port_security_enabled).'),
  ext('allowed-address-pairs', 'Allowed Address Pairs', 'Extra MAC/IP pairs a port may send from (allowed_address_pairs).'),
  ext('extra_dhcp_opt', 'Neutron Extra DHCP options', 'Per-port DHCP options (extra_dhcp_opts).'),
  ext('security-group', 'security-group', 'Stateful security groups and their rules.'),
  ext('security-groups-normalized-cidr', 'Normalized CIDR field for security group rules', 'Security group rules show (and filter on) normalized_cidr, remote_ip_prefix with its host bits cleared.'),
  ext('stateful-security-group', 'Stateful security group', 'Security groups can be stateful or stateless (stateful).'),
  ext('ip-substring-filtering', 'IP address substring filtering', 'Ports can be filtered by part of an address: fixed_ips=ip_address_substr=10.0.'),
  ext('port-security-groups-filtering', 'Port filtering on security groups', 'Ports can be filtered by security_groups.'),
  ext('standard-attr-description', 'standard-attr-description', 'A description on every resource.'),
  ext('standard-attr-timestamp', 'Resource timestamps', 'created_at and updated_at on every resource.'),
  ext('standard-attr-revisions', 'Resource revision numbers', 'A revision_number on every resource, bumped on each change.'),
  ext('revision-if-match', 'If-Match constraints based on revision_number', 'Updates and deletes honour If-Match: revision_number=N (412 on mismatch).'),
  ext('standard-attr-tag', 'Tag support for resources with standard attributes', 'Tags on networks, subnets, ports, security groups, routers and floating IPs, with tag filters.'),
  ext('quotas', 'Quota management support', 'Per-project quotas at /v2.0/quotas.'),
  ext('quota-check-limit', 'Quota engine limit check', 'A quota update below current usage is refused (400) unless "force": true; "check_limit" is accepted (checking is the default).'),
  ext('quota_details', 'Quota details management support', 'Limit, usage and reservations at /v2.0/quotas/{project_id}/details.'),
  ext('network-ip-availability', 'Network IP Availability', 'Used and total IP addresses per network and subnet.'),
  ext('filter-validation', 'Filter parameters validation', 'Unknown filters are refused with 400.'),
  ext('empty-string-filtering', 'Empty String Filtering Extension', 'A filter with an empty value (name=) matches the empty string.'),
  ext('pagination', 'Pagination support', 'limit, marker and page_reverse on every list.'),
  ext('sorting', 'Sorting support', 'sort_key and sort_dir on every list.'),
  ext('provider', 'Provider Network', 'Admins choose how a network is carried: provider:network_type, provider:physical_network, provider:segmentation_id.'),
  ext('multi-provider', 'Multi Provider Network', 'A network made of several segments (segments).'),
  ext('binding', 'Port Binding', 'Where a port lives and how its host plugs it: binding:host_id, binding:vif_type, binding:vif_details, binding:vnic_type, binding:profile.'),
  ext('port-mac-address-regenerate', 'Neutron Port MAC address regenerate', 'An update with mac_address null gives the port a new MAC from base_mac.'),
  ext('tag-ports-during-bulk-creation', 'Tag Ports During Bulk Creation', 'With the tag_ports_during_bulk_creation extension driver, ports take tags when made, alone or in bulk.'),
  ext('agent', 'agent', 'The agents that serve each host, with their liveness, at /v2.0/agents.'),
  ext('dhcp_agent_scheduler', 'DHCP Agent Scheduler', 'Which DHCP agents serve which networks: /v2.0/networks/{id}/dhcp-agents, /v2.0/agents/{id}/dhcp-networks.'),
  ext('availability_zone', 'Availability Zone', 'The zones of the DHCP and L3 agents at /v2.0/availability_zones.'),
  ext('availability_zone_filter', 'Availability Zone Filter', 'Filter availability zones by name, resource and state.'),
  ext('network_availability_zone', 'Network Availability Zone', 'availability_zone_hints and availability_zones of networks; the DHCP scheduler honours the hints.'),
  ext('router_availability_zone', 'Router Availability Zone', 'availability_zone_hints and availability_zones of routers; the L3 scheduler honours the hints.'),
  ext('rbac-policies', 'RBAC Policies', 'Share networks with chosen projects or all (access_as_shared), or offer them as external networks (access_as_external), at /v2.0/rbac-policies.'),
  ext('project-id', 'project_id field enabled', 'Resources carry project_id beside tenant_id.'),
  ext('router', 'Neutron L3 Router', 'Routers between networks, with a NAT gateway to an external network, and floating IPs.'),
  ext('ext-gw-mode', 'Neutron L3 Configurable external gateway mode', 'Whether a router SNATs on its external gateway (external_gateway_info.enable_snat).'),
  ext('extraroute', 'Neutron Extra Route', 'Static routes on a router (routes).'),
  ext('extraroute-atomic', 'Atomically add/remove extra routes', 'PUT /v2.0/routers/{id}/add_extraroutes and remove_extraroutes change routes without a read-modify-write.'),
  ext(
    'fip-port-details',
    'Floating IP Port Details Extension',
    'Floating IPs show port_details: name, network_id, mac_address, admin_state_up, status, device_id and device_owner of the associated port.',
  ),
  ext('floatingip-pools', 'Floating IP Pools Extension', 'GET /v2.0/floatingip_pools: the IPv4 subnets of external networks floating IPs come from.'),
  ext('l3-port-ip-change-not-allowed', 'Prevent L3 router ports IP address change extension', "A router interface's IPv4 addresses change only through the router API, not PUT /v2.0/ports (400)."),
  ext('l3_agent_scheduler', 'L3 Agent Scheduler', 'Which L3 agent hosts a router: /v2.0/routers/{id}/l3-agents and /v2.0/agents/{id}/l3-routers.'),
];
