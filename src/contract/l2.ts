// What the server and the L2 agents (linuxbridge, openvswitch) exchange about ports: the device
// details an agent wires a port by (get_devices_details_list_and_failed_devices, built by
// src/plugins/ml2/rpc-callbacks.ts) and l2population's forwarding entries (add_fdb_entries /
// remove_fdb_entries, sent by src/plugins/ml2/agent-notifier.ts).

export interface DeviceDetails {
  device: string;
  /** absent when the port is gone or not bound to this host */
  port_id?: string;
  network_id?: string;
  mac_address?: string;
  admin_state_up?: boolean;
  network_type?: string | null;
  physical_network?: string | null;
  segmentation_id?: number | null;
  mtu?: number | null;
  fixed_ips?: { subnet_id: string; ip_address: string }[];
  device_owner?: string;
  port_security_enabled?: boolean;
  security_groups?: string[];
  allowed_address_pairs?: { ip_address: string; mac_address: string }[];
  /** qos: the port's own policy, and its network's (the port's wins) */
  qos_policy_id?: string | null;
  network_qos_policy_id?: string | null;
}

export interface FdbEntries {
  /** network id → where its ports live */
  [networkId: string]: {
    segment_id: number | null;
    network_type: string;
    /** tunnel endpoint IP → [mac, ip] pairs; ['00:00:00:00:00:00', '0.0.0.0'] is the flooding entry */
    ports: Record<string, [string, string][]>;
  };
}

/** the entry that makes a tunnel endpoint receive a network's broadcast, unknown-unicast and multicast */
export const FLOODING_ENTRY: [string, string] = ['00:00:00:00:00:00', '0.0.0.0'];
