// Names of what the network-service agents (DHCP, L3) make, as Neutron names them.
// Interface names are at most 15 characters: a 3-character prefix + 11 of the port id.

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

/** ns- (DHCP), qr- (router interface), qg- (router gateway) */
export type ServicePortPrefix = 'ns-' | 'qr-' | 'qg-';

/** The device inside the service namespace. */
export const servicePortDevice = (prefix: ServicePortPrefix, portId: string): string => `${prefix}${portId.slice(0, 11)}`;
