// The rows of VPNaaS's tables (migration 0020_vpnaas), as neutron-vpnaas's models.
interface PolicyColumns {
  id: string;
  project_id: string;
  name: string;
  description: string;
  auth_algorithm: string;
  encryption_algorithm: string;
  lifetime_units: string;
  lifetime_value: number;
  pfs: string;
}

export interface IkePolicyTable extends PolicyColumns {
  phase1_negotiation_mode: string;
  ike_version: string;
}

export interface IpsecPolicyTable extends PolicyColumns {
  transform_protocol: string;
  encapsulation_mode: string;
}

export interface VpnServiceTable {
  id: string;
  project_id: string;
  name: string;
  description: string;
  status: string;
  admin_state_up: number;
  external_v4_ip: string | null;
  external_v6_ip: string | null;
  subnet_id: string | null;
  router_id: string;
}

export interface VpnEndpointGroupTable {
  id: string;
  project_id: string;
  name: string;
  description: string;
  endpoint_type: string;
}

export interface VpnEndpointTable {
  endpoint: string;
  endpoint_group_id: string;
}

export interface IpsecSiteConnectionTable {
  id: string;
  project_id: string;
  name: string;
  description: string;
  peer_address: string;
  peer_id: string;
  local_id: string;
  route_mode: string;
  mtu: number;
  initiator: string;
  auth_mode: string;
  psk: string;
  dpd_action: string;
  dpd_interval: number;
  dpd_timeout: number;
  status: string;
  admin_state_up: number;
  vpnservice_id: string;
  ipsecpolicy_id: string;
  ikepolicy_id: string;
  local_ep_group_id: string | null;
  peer_ep_group_id: string | null;
}

export interface IpsecPeerCidrTable {
  cidr: string;
  ipsec_site_connection_id: string;
}

/** Merged into the Database interface (src/db/schema.ts). */
export interface VpnaasTables {
  ikepolicies: IkePolicyTable;
  ipsecpolicies: IpsecPolicyTable;
  vpnservices: VpnServiceTable;
  vpn_endpoint_groups: VpnEndpointGroupTable;
  vpn_endpoints: VpnEndpointTable;
  ipsec_site_connections: IpsecSiteConnectionTable;
  ipsecpeercidrs: IpsecPeerCidrTable;
}
