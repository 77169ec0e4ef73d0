// What the server tells a DHCP agent about a network it serves (get_network_info,
// get_active_networks_info, and the port create_dhcp_port / update_dhcp_port return), built by
// src/plugins/agents/dhcp-rpc.ts and read by src/agents/dhcp.

export interface DhcpSubnet {
  id: string;
  network_id: string;
  cidr: string;
  ip_version: number;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  dns_nameservers: string[];
  host_routes: { destination: string; nexthop: string }[];
  ipv6_address_mode: string | null;
  ipv6_ra_mode: string | null;
}

export interface DhcpPort {
  id: string;
  network_id: string;
  mac_address: string;
  device_owner: string;
  device_id: string;
  admin_state_up: boolean;
  status?: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
  extra_dhcp_opts: { opt_name: string; opt_value: string; ip_version?: number }[];
  'binding:host_id'?: string;
  /** dns-integration: the name dnsmasq hands out for its addresses instead of host-<ip> ('' or absent: host-<ip>) */
  dns_name?: string;
}

export interface DhcpNetwork {
  id: string;
  name: string;
  project_id: string;
  admin_state_up: boolean;
  mtu: number;
  subnets: DhcpSubnet[];
  ports: DhcpPort[];
}

/** The name of an address that has no dns_name (dns-integration): host-10-0-0-5, host-fd00--5. */
export const hostNameOf = (ip: string): string => `host-${ip.replace(/[.:]/g, '-')}`;
