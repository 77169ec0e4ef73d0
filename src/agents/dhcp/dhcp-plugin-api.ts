// The DHCP agent's RPC client to the server (Neutron's DhcpPluginApi), on q-plugin.
import type { DhcpNetwork, DhcpPort } from '../../contract/dhcp.js';
import { PLUGIN } from '../../contract/topics.js';
import type { Bus } from '../../rpc/bus.js';

export class DhcpPluginApi {
  constructor(
    private readonly bus: Bus,
    private readonly host: string,
  ) {}

  activeNetworks(): Promise<DhcpNetwork[]> {
    return this.bus.call(PLUGIN, 'get_active_networks_info', { host: this.host });
  }

  networkInfo(networkId: string): Promise<DhcpNetwork | null> {
    return this.bus.call(PLUGIN, 'get_network_info', { network_id: networkId, host: this.host });
  }

  createDhcpPort(port: { network_id: string; device_id: string; fixed_ips: { subnet_id: string }[] }): Promise<DhcpPort | null> {
    return this.bus.call(PLUGIN, 'create_dhcp_port', { port: { port: port }, host: this.host });
  }

  updateDhcpPort(portId: string, port: { fixed_ips: { subnet_id: string; ip_address?: string }[] }): Promise<DhcpPort | null> {
    return this.bus.call(PLUGIN, 'update_dhcp_port', { port_id: portId, port: { port }, host: this.host });
  }

  releaseDhcpPort(networkId: string, deviceId: string): Promise<boolean> {
    return this.bus.call(PLUGIN, 'release_dhcp_port', { network_id: networkId, device_id: deviceId, host: this.host });
  }

  dhcpReadyOnPorts(portIds: string[]): Promise<boolean> {
    return this.bus.call(PLUGIN, 'dhcp_ready_on_ports', { port_ids: portIds });
  }
}
