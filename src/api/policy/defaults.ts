// The default policy: every rule the API enforces, under oslo.policy's names, with Neutron's
// current defaults (admin may do everything; a member writes in its own project; a reader only
// reads). A policy file ([oslo_policy] policy_file) overrides any of them by name.
// Where a default differs from Neutron's, the comment beside it says why.

const ADMIN = 'rule:admin_only';
const SERVICE = 'rule:service_api';
const PROJECT_MEMBER = 'role:member and project_id:%(project_id)s';
const PROJECT_READER = 'role:reader and project_id:%(project_id)s';
const NET_OWNER_MEMBER = 'role:member and rule:network_owner';
const NET_OWNER_READER = 'role:reader and rule:network_owner';
const NET_OWNER_MANAGER = 'role:manager and rule:network_owner';
const SG_OWNER_MEMBER = 'role:member and rule:sg_owner';
const any = (...checks: string[]) => checks.map((c) => `(${c})`).join(' or ');
const ADMIN_OR_SERVICE = any(ADMIN, SERVICE);
const ADMIN_OR_MEMBER = any(ADMIN, PROJECT_MEMBER);
const ADMIN_OR_READER = any(ADMIN, PROJECT_READER);
const NO_WILDCARD_TARGET = 'not field:rbac_policy:target_tenant=* and not field:rbac_policy:target_project=*';

export interface RuleDefault {
  name: string;
  check: string;
  description: string;
}

const rule = (name: string, check: string, description: string): RuleDefault => ({ name, check, description });

/** The default rules, in the order docs/policy.md lists them. */
export const DEFAULT_RULES: readonly RuleDefault[] = [
  // building blocks
  rule('context_is_admin', 'role:admin', 'Who is a cloud admin: the request context is admin (sees every project).'),
  rule('context_with_global_access', '!', 'Contexts that see every project without being admin (none by default).'),
  rule('service_api', 'role:service', 'Service-to-service calls (e.g. Nova binding ports).'),
  rule('owner', 'project_id:%(project_id)s', "The resource belongs to the caller's project."),
  rule('admin_or_owner', 'rule:context_is_admin or rule:owner', "Admin, or the resource's owner."),
  rule('admin_only', 'rule:context_is_admin', 'Admin only.'),
  rule('regular_user', '', 'Anyone with a valid token.'),
  rule('network_owner', 'project_id:%(network:project_id)s', 'The caller owns the network the resource is on.'),
  rule('admin_or_network_owner', 'rule:context_is_admin or project_id:%(network:project_id)s', "Admin, or the owner of the resource's network."),
  rule('admin_owner_or_network_owner', 'rule:owner or rule:admin_or_network_owner', "Admin, the resource's owner or its network's owner."),
  rule('sg_owner', 'project_id:%(security_group:project_id)s', 'The caller owns the security group of the rule.'),
  rule('shared', 'field:networks:shared=True', 'The network (or the network of the subnet/port) is shared with the caller.'),
  rule('external', 'field:networks:router:external=True', 'The network is external.'),
  rule('network_device', 'field:port:device_owner=~^network:', 'The port belongs to a network service (DHCP, router …).'),
  rule('default', 'rule:admin_or_owner', 'Rule for actions the table does not name.'),

  // networks
  rule('create_network', ADMIN_OR_MEMBER, 'Create a network.'),
  rule('create_network:shared', ADMIN, 'Create a shared network.'),
  rule('create_network:router:external', ADMIN, 'Create an external network.'),
  rule('create_network:port_security_enabled', ADMIN_OR_MEMBER, 'Set port_security_enabled on a new network.'),
  rule('create_network:segments', ADMIN, 'Give segments (multi-provider) to a new network.'),
  rule('create_network:is_default', ADMIN, 'Make a new external network the default (auto-allocated-topology).'),
  rule('create_network:provider:network_type', ADMIN, 'Give provider:network_type to a new network.'),
  rule('create_network:provider:physical_network', ADMIN, 'Give provider:physical_network to a new network.'),
  rule('create_network:provider:segmentation_id', ADMIN, 'Give provider:segmentation_id to a new network.'),
  rule('get_network', any(ADMIN_OR_READER, SERVICE, 'rule:shared', 'rule:external'), 'Show a network.'),
  rule('get_network:segments', ADMIN, "See a network's segments."),
  rule('get_network:provider:network_type', ADMIN, 'See provider:network_type.'),
  rule('get_network:provider:physical_network', ADMIN, 'See provider:physical_network.'),
  rule('get_network:provider:segmentation_id', ADMIN, 'See provider:segmentation_id.'),
  rule('update_network', ADMIN_OR_MEMBER, 'Update a network.'),
  rule('update_network:segments', ADMIN, 'Update segments.'),
  rule('update_network:shared', ADMIN, 'Share or unshare a network.'),
  rule('update_network:provider:network_type', ADMIN, 'Update provider:network_type.'),
  rule('update_network:provider:physical_network', ADMIN, 'Update provider:physical_network.'),
  rule('update_network:provider:segmentation_id', ADMIN, 'Update provider:segmentation_id.'),
  rule('update_network:router:external', ADMIN, 'Make a network external or internal.'),
  rule('update_network:is_default', ADMIN, 'Make an external network the default, or not (auto-allocated-topology).'),
  rule('update_network:port_security_enabled', ADMIN_OR_MEMBER, 'Update port_security_enabled.'),
  rule('update_network:tags', ADMIN_OR_MEMBER, "Change a network's tags."),
  rule('delete_network', ADMIN_OR_MEMBER, 'Delete a network.'),
  rule('delete_network:tags', ADMIN_OR_MEMBER, "Remove a network's tags."),

  // subnets
  rule('create_subnet', any(ADMIN, NET_OWNER_MEMBER), "Create a subnet (on one's own network)."),
  rule('get_subnet', any(ADMIN_OR_READER, 'rule:shared', 'rule:external', NET_OWNER_READER, SERVICE), 'Show a subnet.'),
  rule('update_subnet', any(ADMIN, PROJECT_MEMBER, NET_OWNER_MEMBER), 'Update a subnet.'),
  // Neutron also lets the network owner change tags of others' subnets; the tag routes only
  // know the subnet itself, so its owner (or an admin) it is
  rule('update_subnet:tags', ADMIN_OR_MEMBER, "Change a subnet's tags."),
  rule('delete_subnet', any(ADMIN, PROJECT_MEMBER, NET_OWNER_MEMBER), 'Delete a subnet.'),
  rule('delete_subnet:tags', ADMIN_OR_MEMBER, "Remove a subnet's tags."),

  // ports
  rule('create_port', any(ADMIN_OR_SERVICE, NET_OWNER_MEMBER, 'rule:shared'), "Create a port (on one's own network or one shared with the project)."),
  rule('create_port:device_id', any(ADMIN_OR_MEMBER, SERVICE), 'Set device_id on a new port.'),
  rule('create_port:device_owner', any('not rule:network_device', ADMIN_OR_SERVICE, NET_OWNER_MEMBER), 'Set a network:* device_owner on a new port.'),
  rule('create_port:mac_address', any(ADMIN_OR_SERVICE, NET_OWNER_MEMBER), 'Choose the MAC address of a new port.'),
  rule('create_port:fixed_ips', any(ADMIN_OR_SERVICE, NET_OWNER_MEMBER, 'rule:shared'), 'Give fixed_ips to a new port.'),
  rule('create_port:fixed_ips:ip_address', any(ADMIN_OR_SERVICE, NET_OWNER_MEMBER), 'Choose the IP address of a new port.'),
  rule('create_port:fixed_ips:subnet_id', any(ADMIN_OR_SERVICE, NET_OWNER_MEMBER, 'rule:shared'), 'Choose the subnet of a new port.'),
  rule('create_port:port_security_enabled', any(ADMIN_OR_SERVICE, NET_OWNER_MEMBER), 'Set port_security_enabled on a new port.'),
  rule('create_port:binding:host_id', ADMIN_OR_SERVICE, 'Bind a new port to a host.'),
  // Neutron: service only; admins may set it here as they could before Neutron's 2023 defaults
  rule('create_port:binding:profile', ADMIN_OR_SERVICE, 'Set binding:profile on a new port.'),
  rule('create_port:binding:vnic_type', any(ADMIN_OR_MEMBER, SERVICE), 'Set binding:vnic_type on a new port.'),
  rule('create_port:allowed_address_pairs', any(ADMIN, NET_OWNER_MEMBER, SERVICE), 'Give allowed_address_pairs to a new port.'),
  rule('create_port:allowed_address_pairs:mac_address', any(ADMIN, NET_OWNER_MEMBER, SERVICE), 'Give a MAC in allowed_address_pairs.'),
  rule('create_port:allowed_address_pairs:ip_address', any(ADMIN, NET_OWNER_MEMBER, SERVICE), 'Give an IP in allowed_address_pairs.'),
  rule('get_port', any(ADMIN_OR_SERVICE, NET_OWNER_READER, PROJECT_READER), 'Show a port.'),
  rule('get_port:binding:vif_type', ADMIN_OR_SERVICE, 'See binding:vif_type.'),
  rule('get_port:binding:vif_details', ADMIN_OR_SERVICE, 'See binding:vif_details.'),
  rule('get_port:binding:host_id', ADMIN_OR_SERVICE, 'See binding:host_id.'),
  rule('get_port:binding:profile', ADMIN_OR_SERVICE, 'See binding:profile.'),
  rule('update_port', any(ADMIN_OR_SERVICE, PROJECT_MEMBER), 'Update a port.'),
  rule('update_port:device_id', any(ADMIN_OR_MEMBER, SERVICE), 'Update device_id.'),
  rule('update_port:device_owner', any('not rule:network_device', ADMIN_OR_SERVICE, NET_OWNER_MEMBER), 'Set a network:* device_owner.'),
  rule('update_port:mac_address', any(ADMIN_OR_SERVICE, NET_OWNER_MANAGER), "Change a port's MAC address."),
  rule('update_port:fixed_ips', any(ADMIN_OR_SERVICE, NET_OWNER_MEMBER), 'Change fixed_ips.'),
  rule('update_port:fixed_ips:ip_address', any(ADMIN_OR_SERVICE, NET_OWNER_MEMBER), 'Choose an IP address.'),
  rule('update_port:fixed_ips:subnet_id', any(ADMIN_OR_SERVICE, NET_OWNER_MEMBER, 'rule:shared'), 'Choose a subnet.'),
  rule('update_port:port_security_enabled', any(ADMIN_OR_SERVICE, NET_OWNER_MEMBER), 'Change port_security_enabled.'),
  rule('update_port:binding:host_id', ADMIN_OR_SERVICE, 'Bind a port to a host.'),
  rule('update_port:binding:profile', ADMIN_OR_SERVICE, 'Change binding:profile (see create_port:binding:profile).'),
  rule('update_port:binding:vnic_type', any(ADMIN_OR_SERVICE, PROJECT_MEMBER), 'Change binding:vnic_type.'),
  rule('update_port:allowed_address_pairs', any(ADMIN, NET_OWNER_MEMBER, SERVICE), 'Change allowed_address_pairs.'),
  rule('update_port:allowed_address_pairs:mac_address', any(ADMIN, NET_OWNER_MEMBER, SERVICE), 'Give a MAC in allowed_address_pairs.'),
  rule('update_port:allowed_address_pairs:ip_address', any(ADMIN, NET_OWNER_MEMBER, SERVICE), 'Give an IP in allowed_address_pairs.'),
  rule('update_port:tags', ADMIN_OR_MEMBER, "Change a port's tags."),
  rule('delete_port', any(ADMIN_OR_SERVICE, NET_OWNER_MEMBER, PROJECT_MEMBER), "Delete a port (one's own, or any on one's network)."),
  rule('delete_port:tags', ADMIN_OR_MEMBER, "Remove a port's tags."),

  // security groups and rules
  rule('create_security_group', ADMIN_OR_MEMBER, 'Create a security group.'),
  rule('get_security_group', ADMIN_OR_READER, 'Show a security group.'),
  rule('update_security_group', ADMIN_OR_MEMBER, 'Update a security group.'),
  rule('update_security_group:tags', ADMIN_OR_MEMBER, "Change a security group's tags."),
  rule('delete_security_group', ADMIN_OR_MEMBER, 'Delete a security group.'),
  rule('delete_security_group:tags', ADMIN_OR_MEMBER, "Remove a security group's tags."),
  rule('create_security_group_rule', any(ADMIN, SG_OWNER_MEMBER), "Add a rule to one's own security group."),
  // Neutron: the group's owner as reader; a rule shown here carries its own project (which is
  // its group's), not the group's, so the rule's owner reads it
  rule('get_security_group_rule', any(ADMIN_OR_READER, 'role:reader and rule:sg_owner'), 'Show a security group rule.'),
  rule('delete_security_group_rule', any(ADMIN, SG_OWNER_MEMBER), "Delete a rule of one's own security group."),

  // rbac-policies
  rule('create_rbac_policy', ADMIN_OR_MEMBER, 'Create an RBAC policy.'),
  rule('create_rbac_policy:target_tenant', any(ADMIN, NO_WILDCARD_TARGET), 'Target every project (*) with a new RBAC policy.'),
  rule('create_rbac_policy:target_project', any(ADMIN, 'not field:rbac_policy:target_project=*'), 'Target every project (*) with a new RBAC policy.'),
  // Neutron refuses this in the plugin; here it is a rule, so a policy file can open it up
  rule('create_rbac_policy:action', any(ADMIN, 'not field:rbac_policy:action=access_as_external'), 'Make a network external to others (access_as_external).'),
  rule('get_rbac_policy', ADMIN_OR_READER, 'Show an RBAC policy.'),
  rule('update_rbac_policy', ADMIN_OR_MEMBER, 'Update an RBAC policy.'),
  rule('update_rbac_policy:target_tenant', any(ADMIN, NO_WILDCARD_TARGET), 'Retarget an RBAC policy to every project (*).'),
  rule('update_rbac_policy:target_project', any(ADMIN, 'not field:rbac_policy:target_project=*'), 'Retarget an RBAC policy to every project (*).'),
  rule('delete_rbac_policy', ADMIN_OR_MEMBER, 'Delete an RBAC policy.'),

  // agents
  rule('get_agent', ADMIN, 'List and show agents.'),
  rule('update_agent', ADMIN, 'Update an agent (admin_state_up, description).'),
  rule('delete_agent', ADMIN, 'Delete an agent.'),
  rule('get_dhcp-networks', ADMIN, 'List the networks a DHCP agent serves.'),
  rule('create_dhcp-network', ADMIN, 'Give a network to a DHCP agent.'),
  rule('delete_dhcp-network', ADMIN, 'Take a network from a DHCP agent.'),
  rule('get_dhcp-agents', ADMIN, 'List the DHCP agents serving a network.'),
  rule('create_trace', ADMIN, 'Trace a packet through the model and the hosts (neutrino extension).'),
  rule('create_audit', ADMIN, 'Compare hosts with what the server wants, and repair (neutrino extension).'),

  // routers and floating IPs
  rule('create_router', ADMIN_OR_MEMBER, 'Create a router.'),
  rule('create_router:external_gateway_info', ADMIN_OR_MEMBER, 'Give a new router an external gateway.'),
  rule('create_router:external_gateway_info:network_id', ADMIN_OR_MEMBER, "Choose the external network of a new router's gateway."),
  rule('create_router:external_gateway_info:enable_snat', ADMIN, 'Choose whether a new router SNATs on its gateway.'),
  rule('create_router:external_gateway_info:external_fixed_ips', ADMIN, "Choose the addresses of a new router's gateway."),
  rule('get_router', ADMIN_OR_READER, 'Show a router.'),
  rule('update_router', ADMIN_OR_MEMBER, 'Update a router.'),
  rule('update_router:external_gateway_info', ADMIN_OR_MEMBER, "Set or clear a router's external gateway."),
  rule('update_router:external_gateway_info:network_id', ADMIN_OR_MEMBER, "Choose the external network of a router's gateway."),
  rule('update_router:external_gateway_info:enable_snat', ADMIN, 'Choose whether a router SNATs on its gateway.'),
  rule('update_router:external_gateway_info:external_fixed_ips', ADMIN, "Choose the addresses of a router's gateway."),
  rule('update_router:tags', ADMIN_OR_MEMBER, "Change a router's tags."),
  rule('delete_router', ADMIN_OR_MEMBER, 'Delete a router.'),
  rule('delete_router:tags', ADMIN_OR_MEMBER, "Remove a router's tags."),
  rule('add_router_interface', ADMIN_OR_MEMBER, 'Attach a subnet or port to a router.'),
  rule('remove_router_interface', ADMIN_OR_MEMBER, 'Detach a subnet or port from a router.'),
  rule('add_extraroutes', ADMIN_OR_MEMBER, 'Add routes to a router (extraroute-atomic).'),
  rule('remove_extraroutes', ADMIN_OR_MEMBER, 'Remove routes from a router (extraroute-atomic).'),
  rule('create_router:ha', ADMIN, 'Make a new router HA or not (l3-ha).'),
  rule('get_router:ha', ADMIN, 'See whether a router is HA (l3-ha).'),
  rule('update_router:ha', ADMIN, 'Make a router HA or not (l3-ha; the router must be admin down first).'),
  rule('create_floatingip', ADMIN_OR_MEMBER, 'Create a floating IP.'),
  // Neutron: admin or the project's manager; Keystone releases before 2023.2 have no manager role
  rule('create_floatingip:floating_ip_address', ADMIN, 'Choose the address of a new floating IP.'),
  rule('get_floatingip', ADMIN_OR_READER, 'Show a floating IP.'),
  rule('get_floatingip_pool', ADMIN_OR_READER, 'List floating IP pools (floatingip-pools).'),
  rule('update_floatingip', ADMIN_OR_MEMBER, 'Associate, disassociate or describe a floating IP.'),
  rule('update_floatingip:tags', ADMIN_OR_MEMBER, "Change a floating IP's tags."),
  rule('delete_floatingip', ADMIN_OR_MEMBER, 'Delete (release) a floating IP.'),
  rule('delete_floatingip:tags', ADMIN_OR_MEMBER, "Remove a floating IP's tags."),
  // l3_agent_scheduler
  rule('create_l3-router', ADMIN, 'Schedule a router to an L3 agent.'),
  rule('get_l3-routers', ADMIN, 'List the routers an L3 agent hosts.'),
  rule('delete_l3-router', ADMIN, 'Take a router off an L3 agent.'),
  rule('get_l3-agents', ADMIN, 'List the L3 agents hosting a router.'),

  // quotas: Neutron's current default reads need the "manager" role, which Keystone releases
  // before 2023.2 (such as Debian's Zed) do not have; a project's readers read its quota
  rule('get_quota', ADMIN_OR_READER, "Read a project's quota (the list of all quotas: admin)."),
  rule('update_quota', ADMIN, "Change a project's quota."),
  rule('delete_quota', ADMIN, "Reset a project's quota to the defaults."),

  // network-ip-availability
  rule('get_network_ip_availability', ADMIN_OR_SERVICE, 'See address usage of networks.'),

  // service-type
  rule('get_service_provider', 'role:reader', 'List service providers.'),

  // availability_zone
  rule('get_availability_zone', ADMIN, 'List availability zones.'),
];
