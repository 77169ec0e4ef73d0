// The one catalogue of Neutron's exception types. Handlers throw these; the HTTP layer
// turns them into {"NeutronError": {type, message, detail}} with the status declared here.

export class NeutronError extends Error {
  constructor(
    public readonly type: string,
    public readonly status: number,
    message: string,
    public readonly detail = '',
  ) {
    super(message);
  }

  toBody(): { NeutronError: { type: string; message: string; detail: string } } {
    return { NeutronError: { type: this.type, message: this.message, detail: this.detail } };
  }
}

type Template<A> = (args: A) => string;

function declare<A>(type: string, status: number, template: Template<A>) {
  return (args: A, detail = '') => new NeutronError(type, status, template(args), detail);
}

// 400
export const BadRequest = declare<{ resource: string; msg: string }>('BadRequest', 400, (a) => `Bad ${a.resource} request: ${a.msg}.`);
export const HTTPBadRequest = declare<{ msg: string }>('HTTPBadRequest', 400, (a) => a.msg);
export const InvalidInput = declare<{ msg: string }>('InvalidInput', 400, (a) => `Invalid input for operation: ${a.msg}.`);
export const MalformedRequestBody = declare<{ reason: string }>('MalformedRequestBody', 400, (a) => `Malformed request body: ${a.reason}.`);
export const InvalidAllocationPool = declare<{ pool: string }>('InvalidAllocationPool', 400, (a) => `The allocation pool ${a.pool} is not valid.`);
export const OutOfBoundsAllocationPool = declare<{ pool: string; cidr: string }>('OutOfBoundsAllocationPool', 400, (a) => `The allocation pool ${a.pool} reaches beyond the subnet cidr ${a.cidr}.`);
export const InvalidIpForSubnet = declare<{ ip: string }>('InvalidIpForSubnet', 400, (a) => `IP address ${a.ip} is not a valid IP for the specified subnet.`);
export const InvalidIpForNetwork = declare<{ ip: string }>('InvalidIpForNetwork', 400, (a) => `IP address ${a.ip} is not a valid IP for any of the subnets on the specified network.`);
export const DNSNameServersExhausted = declare<{ subnet: string; quota: number }>(
  'DNSNameServersExhausted',
  400,
  (a) => `Unable to complete operation for ${a.subnet}: at most ${a.quota} DNS nameservers are allowed`,
);
export const HostRoutesExhausted = declare<{ subnet: string; quota: number }>(
  'HostRoutesExhausted',
  400,
  (a) => `Unable to complete operation for ${a.subnet}: at most ${a.quota} host routes are allowed`,
);
export const AllowedAddressPairExhausted = declare<{ quota: number }>('AllowedAddressPairExhausted', 400, (a) => `No more than ${a.quota} allowed address pairs are permitted on a port`);
export const DuplicateAddressPairInRequest = declare<{ mac: string; ip: string }>(
  'DuplicateAddressPairInRequest',
  400,
  (a) => `The request lists the address pair mac_address ${a.mac} ip_address ${a.ip} twice`,
);
export const SecurityGroupInvalidPortRange = declare<Record<string, never>>('SecurityGroupInvalidPortRange', 400, () => 'For TCP/UDP protocols, port_range_min must be <= port_range_max');
export const SecurityGroupInvalidPortValue = declare<{ port: unknown }>('SecurityGroupInvalidPortValue', 400, (a) => `Invalid value for port ${String(a.port)}`);
export const SecurityGroupInvalidIcmpValue = declare<{ field: string; attr: string; value: unknown }>(
  'SecurityGroupInvalidIcmpValue',
  400,
  (a) => `Invalid value for ICMP ${a.field} (${a.attr}) ${String(a.value)}. It must be 0 to 255.`,
);
export const SecurityGroupMissingIcmpType = declare<{ value: unknown }>(
  'SecurityGroupMissingIcmpType',
  400,
  (a) => `ICMP code (port-range-max) ${String(a.value)} is provided but ICMP type (port-range-min) is missing.`,
);
export const SecurityGroupProtocolRequiredWithPorts = declare<Record<string, never>>('SecurityGroupProtocolRequiredWithPorts', 400, () => 'Must also specify protocol if port range is given.');
export const SecurityGroupInvalidProtocolForPort = declare<{ protocol: string | number }>(
  'SecurityGroupInvalidProtocolForPort',
  400,
  (a) => `Ports cannot be specified for protocol ${a.protocol}. Ports are only supported for DCCP, SCTP, TCP, UDP, UDPLITE.`,
);
export const SecurityGroupRuleInvalidProtocol = declare<{ protocol: string; values: string }>(
  'SecurityGroupRuleInvalidProtocol',
  400,
  (a) => `Security group rule protocol ${a.protocol} not supported. Only protocol values ${a.values} and integer representations [0 to 255] are supported.`,
);
export const SecurityGroupMultipleRemoteEntites = declare<Record<string, never>>(
  // sic: Neutron's spelling, which clients match on
  'SecurityGroupMultipleRemoteEntites',
  400,
  () => 'Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.',
);
export const SecurityGroupRuleParameterConflict = declare<{ ethertype: string; cidr: string }>(
  'SecurityGroupRuleParameterConflict',
  400,
  (a) => `Conflicting value ethertype ${a.ethertype} for CIDR ${a.cidr}`,
);
export const SecurityGroupEthertypeConflictWithProtocol = declare<{ ethertype: string; protocol: string }>(
  'SecurityGroupEthertypeConflictWithProtocol',
  400,
  (a) => `Invalid ethertype ${a.ethertype} for protocol ${a.protocol}.`,
);
export const SecurityGroupRuleInvalidEtherType = declare<{ ethertype: unknown }>(
  'SecurityGroupRuleInvalidEtherType',
  400,
  (a) => `Security group rule for ethertype '${String(a.ethertype)}' not supported. Allowed values are ['IPv4', 'IPv6'].`,
);

export const InvalidCIDR = declare<{ input: unknown }>('InvalidCIDR', 400, (a) => `${JSON.stringify(a.input)} is not a valid CIDR for an IP prefix.`);
export const TooManyTags = declare<{ max: number }>('BadRequest', 400, (a) => `Bad tags request: a resource can have at most ${a.max} tags.`);
export const QuotaBelowUsage = declare<{ resource: string; limit: number; used: number }>(
  'HTTPBadRequest',
  400,
  (a) => `Quota limit ${a.limit} for ${a.resource} must be greater than or equal to already used ${a.used}`,
);

// 403
export const PolicyNotAuthorized = declare<{ action: string }>('PolicyNotAuthorized', 403, (a) => `(rule:${a.action}) is disallowed by policy`);

// 404
export const HTTPNotFound = declare<{ msg: string }>('HTTPNotFound', 404, (a) => a.msg);
export const AddressGroupNotFound = declare<{ address_group_id: string }>('AddressGroupNotFound', 404, (a) => `Address group ${a.address_group_id} could not be found.`);
export const AddressesNotFound = declare<{ addresses: string[]; address_group_id: string }>(
  'AddressesNotFound',
  404,
  (a) => `Addresses ${JSON.stringify(a.addresses)} not found in the address group ${a.address_group_id}.`,
);
export const AddressesAlreadyExist = declare<{ addresses: string[]; address_group_id: string }>(
  'AddressesAlreadyExist',
  400,
  (a) => `Addresses ${JSON.stringify(a.addresses)} already exist in the address group ${a.address_group_id}.`,
);
export const AddressGroupInUse = declare<{ address_group_id: string }>('AddressGroupInUse', 409, (a) => `Address group ${a.address_group_id} is in use on one or more security group rules.`);
export const DefaultExternalNetworkExists = declare<{ net_id: string }>('DefaultExternalNetworkExists', 409, (a) => `A default external network already exists: ${a.net_id}.`);
export const AutoAllocationFailure = declare<{ reason: string }>('AutoAllocationFailure', 409, (a) => `Deployment error: ${a.reason}.`);
export const AvailabilityZoneNotFound = declare<{ availability_zone: string }>('AvailabilityZoneNotFound', 404, (a) => `AvailabilityZone ${a.availability_zone} could not be found.`);
export const NetworkNotFound = declare<{ id: string }>('NetworkNotFound', 404, (a) => `Network ${a.id} could not be found.`);
export const SubnetNotFound = declare<{ id: string }>('SubnetNotFound', 404, (a) => `Subnet ${a.id} could not be found.`);
export const PortNotFound = declare<{ id: string }>('PortNotFound', 404, (a) => `Port ${a.id} could not be found.`);
export const SecurityGroupConflict = declare<{ reason: string }>('SecurityGroupConflict', 409, (a) => `Error ${a.reason} while attempting the operation.`);
export const SecurityGroupNotFound = declare<{ id: string }>('SecurityGroupNotFound', 404, (a) => `Security group ${a.id} does not exist`);
export const SecurityGroupRuleNotFound = declare<{ id: string }>('SecurityGroupRuleNotFound', 404, (a) => `Security group rule ${a.id} does not exist`);
export const TagNotFound = declare<{ resource: string; id: string; tag: string }>('TagNotFound', 404, (a) => `Tag ${a.tag} could not be found for ${a.resource} ${a.id}.`);
export const InstanceNotFound = declare<{ id: string }>('InstanceNotFound', 404, (a) => `Instance ${a.id} could not be found.`);
export const KeypairNotFound = declare<{ name: string }>('KeypairNotFound', 404, (a) => `Keypair ${a.name} could not be found.`);
export const ExtensionNotFound = declare<{ alias: string }>('HTTPNotFound', 404, (a) => `Extension with alias ${a.alias} does not exist`);

// 405
export const HTTPMethodNotAllowed = declare<{ method: string; path: string }>('HTTPMethodNotAllowed', 405, (a) => `The method ${a.method} is not allowed for ${a.path}.`);

// 409
export const KeyPairExists = declare<{ name: string }>('KeyPairExists', 409, (a) => `Key pair '${a.name}' already exists.`);
export const InstanceExists = declare<{ id: string }>('InstanceExists', 409, (a) => `Instance ${a.id} already exists.`);
export const NetworkInUse = declare<{ net_id: string; reason?: string }>(
  'NetworkInUse',
  409,
  (a) => `Unable to complete operation on network ${a.net_id}. ${a.reason ?? 'There are one or more ports still in use on the network'}.`,
);
export const SubnetInUse = declare<{ id: string; reason?: string }>(
  'SubnetInUse',
  409,
  (a) => `Unable to complete operation on subnet ${a.id}: ${a.reason ?? 'one or more ports have an IP allocation from this subnet'}.`,
);
export const MacAddressInUse = declare<{ net: string; mac: string }>('MacAddressInUse', 409, (a) => `Unable to complete operation for network ${a.net}: the mac address ${a.mac} is in use.`);
export const IpAddressAlreadyAllocated = declare<{ ip: string; subnet: string }>('IpAddressAlreadyAllocated', 409, (a) => `IP address ${a.ip} already allocated in subnet ${a.subnet}`);
export const IpAddressGenerationFailure = declare<{ net: string }>('IpAddressGenerationFailure', 409, (a) => `No more IP addresses available on network ${a.net}.`);
export const IpAddressGenerationFailureNoMatchingSubnet = declare<{ network_id: string; service_type: string }>(
  'IpAddressGenerationFailureNoMatchingSubnet',
  409,
  (a) => `No valid service subnet for the given device owner, network ${a.network_id}, service type ${a.service_type}.`,
);
export const OverQuota = declare<{ overs: string }>('OverQuota', 409, (a) => `Quota exceeded for resources: ['${a.overs}'].`);
export const OverlappingAllocationPools = declare<{ a: string; b: string; cidr: string }>('OverlappingAllocationPools', 409, (a) => `Allocation pools ${a.a} and ${a.b} of subnet ${a.cidr} overlap.`);
export const GatewayConflictWithAllocationPools = declare<{ ip: string; pool: string }>('GatewayConflictWithAllocationPools', 409, (a) => `Gateway ip ${a.ip} lies inside allocation pool ${a.pool}.`);
export const GatewayIpInUse = declare<{ ip: string; port: string }>('GatewayIpInUse', 409, (a) => `Gateway ip ${a.ip} is already in use by port ${a.port}.`);
export const DuplicateSecurityGroupRuleInPost = declare<Record<string, never>>('DuplicateSecurityGroupRuleInPost', 409, () => 'Duplicate Security Group Rule in POST.');
export const TenantQuotaNotFound = declare<{ project: string }>('TenantQuotaNotFound', 404, (a) => `Project ${a.project} has no quota of its own to reset.`);
export const SecurityGroupRuleExists = declare<{ id: string }>('SecurityGroupRuleExists', 409, (a) => `Security group rule already exists. Rule id is ${a.id}.`);
export const SecurityGroupInUse = declare<{ id: string }>('SecurityGroupInUse', 409, (a) => `Security Group ${a.id} in use.`);
export const SecurityGroupCannotRemoveDefault = declare<Record<string, never>>('SecurityGroupCannotRemoveDefault', 409, () => 'Insufficient rights for removing default security group.');
export const SecurityGroupCannotUpdateDefault = declare<Record<string, never>>('SecurityGroupCannotUpdateDefault', 409, () => 'Updating default security group not allowed.');
export const SecurityGroupDefaultAlreadyExists = declare<Record<string, never>>('SecurityGroupDefaultAlreadyExists', 409, () => 'Default security group already exists.');
export const PortSecurityAndIPRequiredForSecurityGroups = declare<Record<string, never>>(
  'PortSecurityAndIPRequiredForSecurityGroups',
  400,
  () => 'Port security must be enabled and the port must have an IP address for security groups to apply.',
);
export const PortSecurityPortHasSecurityGroup = declare<Record<string, never>>(
  'PortSecurityPortHasSecurityGroup',
  409,
  () => 'Port has security groups: remove them or set security_groups to [] before disabling port security.',
);
export const AddressPairAndPortSecurityRequired = declare<Record<string, never>>(
  'AddressPairAndPortSecurityRequired',
  409,
  () => 'Port security must be enabled to have allowed address pairs on a port.',
);
export const InvalidSharedSetting = declare<{ network: string }>('InvalidSharedSetting', 409, (a) => `Unable to change sharing of network ${a.network}: other projects use it.`);

// 412
export const RevisionNumberConstraintFailed = declare<{ expected: number; current: number }>(
  'RevisionNumberConstraintFailed',
  412,
  (a) => `Constrained to revision ${a.expected}, but current revision is ${a.current}`,
);

// 503
export const NetworkMacAddressGenerationFailure = declare<{ net: string }>('NetworkMacAddressGenerationFailure', 503, (a) => `Unable to generate a unique mac on network ${a.net}.`);
export const NoNetworkAvailable = declare<Record<string, never>>(
  'NoNetworkAvailable',
  503,
  () => 'Unable to create the network: every segment of the project network types ([ml2] tenant_network_types) is taken.',
);

// ML2 segments (409) and agents (404/409)
export const VlanIdInUse = declare<{ vlan_id: number; physical_network: string }>(
  'VlanIdInUse',
  409,
  (a) => `Unable to create the network: VLAN ${a.vlan_id} on physical network ${a.physical_network} is already used by another network.`,
);
export const TunnelIdInUse = declare<{ tunnel_id: number }>('TunnelIdInUse', 409, (a) => `Unable to create the network: tunnel ID ${a.tunnel_id} is already used by another network.`);
export const FlatNetworkInUse = declare<{ physical_network: string }>(
  'FlatNetworkInUse',
  409,
  (a) => `Unable to create the flat network: physical network ${a.physical_network} already carries a flat network.`,
);
export const AgentNotFound = declare<{ id: string }>('AgentNotFound', 404, (a) => `Agent ${a.id} could not be found.`);
// dhcp_agent_scheduler (neutron_lib.exceptions.dhcpagentscheduler)
export const InvalidDHCPAgent = declare<{ id: string }>('InvalidDHCPAgent', 404, (a) => `Agent ${a.id} is not a valid DHCP Agent or has been disabled.`);
export const NetworkHostedByDHCPAgent = declare<{ network_id: string; agent_id: string }>(
  'NetworkHostedByDHCPAgent',
  409,
  (a) => `The network ${a.network_id} has been already hosted by the DHCP Agent ${a.agent_id}.`,
);
export const NetworkNotHostedByDhcpAgent = declare<{ network_id: string; agent_id: string }>(
  'NetworkNotHostedByDhcpAgent',
  409,
  (a) => `The network ${a.network_id} is not hosted by the DHCP agent ${a.agent_id}.`,
);

// rbac-policies
export const RbacPolicyNotFound = declare<{ id: string; object_type: string }>('RbacPolicyNotFound', 404, (a) => `No RBAC policy with ID ${a.id} (object type ${a.object_type}) was found.`);
export const RbacPolicyInUse = declare<{ object_id: string; details: string }>(
  'RbacPolicyInUse',
  409,
  (a) => `The RBAC policy on object ${a.object_id} is still needed and cannot be removed or narrowed. Details: ${a.details}`,
);
export const DuplicateRbacPolicy = declare<Record<string, never>>('DuplicateRbacPolicy', 409, () => 'An RBAC policy with the same object, action and target already exists.');

// L3: routers, floating IPs, L3 agent scheduling
export const RouterNotFound = declare<{ router_id: string }>('RouterNotFound', 404, (a) => `Router ${a.router_id} could not be found`);
export const FloatingIPNotFound = declare<{ floatingip_id: string }>('FloatingIPNotFound', 404, (a) => `Floating IP ${a.floatingip_id} could not be found`);
export const RouterInterfaceNotFound = declare<{ router_id: string; port_id: string }>('RouterInterfaceNotFound', 404, (a) => `Router ${a.router_id} does not have an interface with id ${a.port_id}`);
export const RouterInterfaceNotFoundForSubnet = declare<{ router_id: string; subnet_id: string }>(
  'RouterInterfaceNotFoundForSubnet',
  404,
  (a) => `Router ${a.router_id} has no interface on subnet ${a.subnet_id}`,
);
export const ExternalGatewayForFloatingIPNotFound = declare<{ external_network_id: string; subnet_id: string; port_id: string }>(
  'ExternalGatewayForFloatingIPNotFound',
  404,
  (a) =>
    `External network ${a.external_network_id} is not reachable from subnet ${a.subnet_id}: no router has a gateway on it and an interface on the subnet, so port ${a.port_id} cannot get a floating IP.`,
);
export const RouterInUse = declare<{ router_id: string; reason?: string }>('RouterInUse', 409, (a) => `Router ${a.router_id} ${a.reason ?? 'still has ports'}`);
export const RouterInterfaceInUseByFloatingIP = declare<{ router_id: string; subnet_id: string }>(
  'RouterInterfaceInUseByFloatingIP',
  409,
  (a) => `Router interface for subnet ${a.subnet_id} on router ${a.router_id} cannot be deleted: one or more floating IPs need it.`,
);
export const RouterInterfaceInUseByRoute = declare<{ router_id: string; subnet_id: string }>(
  'RouterInterfaceInUseByRoute',
  409,
  (a) => `Router interface for subnet ${a.subnet_id} on router ${a.router_id} cannot be deleted: one or more routes need it.`,
);
export const RouterExternalGatewayInUseByFloatingIp = declare<{ router_id: string; net_id: string }>(
  'RouterExternalGatewayInUseByFloatingIp',
  409,
  (a) => `Gateway cannot be updated for router ${a.router_id}: floating IPs need its gateway to external network ${a.net_id}.`,
);
export const FloatingIPPortAlreadyAssociated = declare<{ floating_ip_address: string; fip_id: string; port_id: string; fixed_ip: string; net_id: string }>(
  'FloatingIPPortAlreadyAssociated',
  409,
  (a) =>
    `Cannot associate floating IP ${a.floating_ip_address} (${a.fip_id}) with port ${a.port_id} using fixed IP ${a.fixed_ip}: that fixed IP already has a floating IP on external network ${a.net_id}.`,
);
export const PortInUse = declare<{ port_id: string; net_id: string; device_id: string }>(
  'PortInUse',
  409,
  (a) => `Unable to complete operation on port ${a.port_id} for network ${a.net_id}. Port already has an attached device ${a.device_id}.`,
);
export const ServicePortInUse = declare<{ port_id: string; reason: string }>('ServicePortInUse', 409, (a) => `Port ${a.port_id} cannot be deleted directly via the port API: ${a.reason}.`);
export const ExternalNetworkInUse = declare<{ net_id: string }>(
  'ExternalNetworkInUse',
  409,
  (a) => `External network ${a.net_id} cannot be made non-external: router gateways or floating IPs use it.`,
);
export const InvalidRoutes = declare<{ routes: string; reason: string }>('InvalidRoutes', 400, (a) => `Invalid format for routes: ${a.routes}, ${a.reason}`);
export const RoutesExhausted = declare<{ router_id: string; quota: number }>(
  'RoutesExhausted',
  400,
  (a) => `Unable to complete operation for ${a.router_id}. The number of routes exceeds the maximum ${a.quota}.`,
);
export const InvalidL3Agent = declare<{ id: string }>('InvalidL3Agent', 404, (a) => `Agent ${a.id} is not a L3 Agent or has been disabled`);
export const RouterHostedByL3Agent = declare<{ router_id: string; agent_id: string }>(
  'RouterHostedByL3Agent',
  409,
  (a) => `The router ${a.router_id} has been already hosted by the L3 Agent ${a.agent_id}.`,
);
export const RouterNotHostedByL3Agent = declare<{ router_id: string; agent_id: string }>(
  'RouterNotHostedByL3Agent',
  409,
  (a) => `The router ${a.router_id} is not hosted by the L3 Agent ${a.agent_id}.`,
);
export const SubnetMismatchForPort = declare<{ port_id: string; subnet_id: string }>(
  'SubnetMismatchForPort',
  400,
  (a) => `Subnet on port ${a.port_id} does not match the requested subnet ${a.subnet_id}`,
);

// l3-ha (neutron-lib's l3_ext_ha_mode). Neutron raised HANotEnoughAvailableAgents as a bare
// NeutronException (500); a deployment with too few live agents is a conflict, not a fault.
export const HANotEnoughAvailableAgents = declare<{ min_agents: number; num_agents: number }>(
  'HANotEnoughAvailableAgents',
  409,
  (a) => `Not enough l3 agents available to ensure HA. Minimum required ${a.min_agents}, available ${a.num_agents}.`,
);
export const NoVRIDAvailable = declare<{ router_id: string }>(
  'NoVRIDAvailable',
  409,
  (a) => `No more Virtual Router Identifier (VRID) available when creating router ${a.router_id}. The limit of number of HA Routers per tenant is 254.`,
);
