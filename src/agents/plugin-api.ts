// The agent's RPC client to the server (Neutron's PluginApi and PluginReportStateAPI).
import type { Bus } from '../rpc/bus.js';
import { PLUGIN, REPORTS } from '../rpc/topics.js';

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
}

export interface SecurityGroupInfo {
  devices: Record<string, { device: string; port_id: string; mac_address: string; fixed_ips: string[]; allowed_address_pairs: { ip_address: string; mac_address: string }[]; security_groups: string[]; port_security_enabled: boolean; network_id: string }>;
  security_groups: Record<string, { direction: string; ethertype: string; protocol: string | null; port_range_min: number | null; port_range_max: number | null; remote_ip_prefix: string | null; remote_group_id: string | null }[]>;
  sg_member_ips: Record<string, { IPv4: string[]; IPv6: string[] }>;
}

export class PluginApi {
  constructor(private readonly bus: Bus, private readonly host: string, private readonly agentId: string) {}

  devicesDetails(devices: string[]): Promise<{ devices: DeviceDetails[]; failed_devices: string[] }> {
    return this.bus.call(PLUGIN, 'get_devices_details_list_and_failed_devices', { devices, agent_id: this.agentId, host: this.host });
  }

  /** refreshTunnels: after a full sync, ask for every l2population entry of these ports' networks again */
  updateDeviceList(up: string[], down: string[], refreshTunnels = false): Promise<{ devices_up: string[]; failed_devices_up: string[]; devices_down: string[]; failed_devices_down: string[] }> {
    return this.bus.call(PLUGIN, 'update_device_list', { devices_up: up, devices_down: down, agent_id: this.agentId, host: this.host, ...(refreshTunnels ? { refresh_tunnels: true } : {}) });
  }

  securityGroupInfo(devices: string[]): Promise<SecurityGroupInfo> {
    return this.bus.call(PLUGIN, 'security_group_info_for_devices', { devices });
  }

  tunnelSync(tunnelIp: string, tunnelType: string): Promise<{ tunnels: { ip_address: string; host: string }[] }> {
    return this.bus.call(PLUGIN, 'tunnel_sync', { tunnel_ip: tunnelIp, tunnel_type: tunnelType, host: this.host });
  }

  reportState(state: Record<string, unknown>): Promise<string> {
    return this.bus.call(REPORTS, 'report_state', { agent_state: { agent_state: state }, time: new Date().toISOString() });
  }
}
