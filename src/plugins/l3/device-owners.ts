// The ports the L3 plugin owns, by device_owner (Neutron's names).
export const DEVICE_OWNER_ROUTER_INTF = 'network:router_interface';
export const DEVICE_OWNER_ROUTER_GW = 'network:router_gateway';
export const DEVICE_OWNER_FLOATINGIP = 'network:floatingip';

/** Ports only the router and floating IP APIs may remove. */
export const L3_DEVICE_OWNERS = [DEVICE_OWNER_ROUTER_INTF, DEVICE_OWNER_ROUTER_GW, DEVICE_OWNER_FLOATINGIP];

/** Neutron's is_fip_serviced: ports of network services (network:*) do not get floating IPs. */
export const mayHaveFloatingIp = (deviceOwner: string): boolean => !deviceOwner.startsWith('network:');
