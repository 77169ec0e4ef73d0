// The server's side of the bus: answers agents on q-plugin (device details, device up/down,
// security group info, tunnels, DHCP readiness, the DHCP agents' networks and ports) and
// q-reports-plugin (heartbeats). Every server consumes the same shared topics, so agents'
// calls spread over all of them.
import type { Api } from '../api/server.js';
import type { Bus, Consumer } from '../rpc/bus.js';
import { PLUGIN, REPORTS } from '../rpc/topics.js';

export async function serveRpc(bus: Bus, api: Api): Promise<Consumer[]> {
  return [
    await bus.consume(PLUGIN, { ...api.rpc.pluginEndpoints(), ...api.dhcpRpc.endpoints() }, { fanout: false }),
    await bus.consume(REPORTS, api.rpc.reportEndpoints(), { fanout: false }),
  ];
}
