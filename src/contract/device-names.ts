// Names of the kernel devices and namespaces made for ports, as Neutron (and, for taps, Nova's
// os-vif) name them: the L2 agent finds a port's device by its name, the server resolves a tap
// name back to the port, and the compute shim names its taps the same way.
// Interface names are at most 15 characters: a 3-character prefix + 11 of the id.

/** how much of a port id a device name keeps */
export const DEVICE_NAME_ID_LENGTH = 11;

/** the host end of an instance's (or a service port's) interface */
export const TAP_PREFIX = 'tap';

/** the tap device of a port (the host end of an instance's interface) */
export const tapName = (portId: string): string => `${TAP_PREFIX}${portId.slice(0, DEVICE_NAME_ID_LENGTH)}`;

/** a DHCP server's port inside its qdhcp- namespace */
export const DHCP_PORT_PREFIX = 'ns-';
/** a router's interface on an internal subnet, inside its qrouter- namespace */
export const ROUTER_INTERFACE_PREFIX = 'qr-';
/** a router's gateway on the external network, inside its qrouter- namespace */
export const ROUTER_GATEWAY_PREFIX = 'qg-';

/** l3-ha: an HA router's port on its project's HA network (VRRP), inside its qrouter- namespace */
export const ROUTER_HA_PREFIX = 'ha-';

export type RouterPortPrefix = typeof ROUTER_INTERFACE_PREFIX | typeof ROUTER_GATEWAY_PREFIX | typeof ROUTER_HA_PREFIX;
export type ServicePortPrefix = typeof DHCP_PORT_PREFIX | RouterPortPrefix;

/** The device inside the service namespace. */
export const servicePortDevice = (prefix: ServicePortPrefix, portId: string): string => `${prefix}${portId.slice(0, DEVICE_NAME_ID_LENGTH)}`;

export type ServiceNamespaceKind = 'qdhcp' | 'qrouter';

/**
 * The namespace of a network's DHCP server or of a router: qdhcp-<network id>,
 * qrouter-<router id>. With [agent] host_namespace set (several hosts on one machine, as in
 * `neutrino lab`), named namespaces are global, so they carry the host's namespace name:
 * <host_namespace>.qrouter-<id>.
 */
export function serviceNamespace(kind: ServiceNamespaceKind, id: string, hostNamespace = ''): string {
  return hostNamespace ? `${hostNamespace}.${kind}-${id}` : `${kind}-${id}`;
}

/** The prefix every service namespace of this kind on this host starts with. */
export function serviceNamespacePrefix(kind: ServiceNamespaceKind, hostNamespace = ''): string {
  return serviceNamespace(kind, '', hostNamespace);
}

/** The id a service namespace stands for, or null when the name is not one of this host's. */
export function idOfServiceNamespace(kind: ServiceNamespaceKind, name: string, hostNamespace = ''): string | null {
  const prefix = serviceNamespacePrefix(kind, hostNamespace);
  return name.startsWith(prefix) && name.length > prefix.length ? name.slice(prefix.length) : null;
}
