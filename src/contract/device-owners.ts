// device_owner values and what they mean. The API rules (who may hold a gateway address, who
// gets a floating IP, which ports go with their network) and the agents (which ports are
// services, not instances) read the same strings, so they are spelled once, here.

/** Every port of a network service (DHCP, router, floating IP …) starts so; instances' do not. */
export const DEVICE_OWNER_NETWORK_PREFIX = 'network:';
export const DEVICE_OWNER_DHCP = 'network:dhcp';
export const DEVICE_OWNER_ROUTER_INTF = 'network:router_interface';
export const DEVICE_OWNER_ROUTER_GW = 'network:router_gateway';
export const DEVICE_OWNER_FLOATINGIP = 'network:floatingip';
/** Interfaces of HA and distributed routers: Neutrino makes neither, but they are router ports all the same. */
export const DEVICE_OWNER_ROUTER_HA_INTF = 'network:ha_router_replicated_interface';
export const DEVICE_OWNER_ROUTER_DVR_INTF = 'network:router_interface_distributed';
/** Ports of distributed services (OVN metadata) and of DVR's floating IP agent gateways: Neutrino makes neither. */
export const DEVICE_OWNER_DISTRIBUTED = 'network:distributed';
export const DEVICE_OWNER_AGENT_GW = 'network:floatingip_agent_gateway';
/** compute:<availability zone>; the compute shim's instances live in Nova's default zone. */
export const DEVICE_OWNER_COMPUTE = 'compute:nova';

/** Ports only the router and floating IP APIs may remove. */
export const L3_DEVICE_OWNERS = [DEVICE_OWNER_ROUTER_INTF, DEVICE_OWNER_ROUTER_GW, DEVICE_OWNER_FLOATINGIP];

/** Device owners of router ports: the only ones that may hold a subnet's gateway address. */
export const ROUTER_OWNERS = [DEVICE_OWNER_ROUTER_INTF, DEVICE_OWNER_ROUTER_GW, DEVICE_OWNER_ROUTER_HA_INTF, DEVICE_OWNER_ROUTER_DVR_INTF];

/** Device owners whose ports Neutron removes itself when their network or subnet goes away. */
export const AUTO_DELETE_OWNERS = [DEVICE_OWNER_DHCP, DEVICE_OWNER_DISTRIBUTED, DEVICE_OWNER_AGENT_GW];

/** Neutron's is_fip_serviced: ports of network services (network:*) do not get floating IPs. */
export const mayHaveFloatingIp = (deviceOwner: string): boolean => !deviceOwner.startsWith(DEVICE_OWNER_NETWORK_PREFIX);
/** l3-ha: an L3 agent's port on its project's HA network (the VRRP link, ha- in the qrouter namespace). */
export const DEVICE_OWNER_ROUTER_HA_PORT = 'network:router_ha_interface';
