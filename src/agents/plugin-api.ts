// The agent's RPC client to the server (Neutron's PluginApi and PluginReportStateAPI).
import type { Bus } from '../rpc/bus.js';
import type { DeviceDetails } from '../contract/l2.js';
import type { SecurityGroupInfo } from '../contract/security-groups.js';
import { PLUGIN, REPORTS } from '../contract/topics.js';

export class PluginApi {
  constructor(
    private readonly bus: Bus,
    private readonly host: string,
    private readonly agentId: string,
  ) {}

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
