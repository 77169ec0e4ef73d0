// The server's side of the bus: answers agents on q-plugin (device details, device up/down,
// security group info, tunnels, DHCP readiness, the DHCP agents' networks and ports),
// q-reports-plugin (heartbeats) and q-l3-plugin (L3 agents: their routers, floating IP
// statuses). Every server consumes the same shared topics, so agents' calls spread over all
// of them.
import type { Api } from '../api/server.js';
import { L3_PLUGIN, PLUGIN, REPORTS } from '../contract/topics.js';
import type { Bus, Consumer } from '../rpc/bus.js';

export async function serveRpc(bus: Bus, api: Api): Promise<Consumer[]> {
  return [
    await bus.consume(PLUGIN, { ...api.rpc.pluginEndpoints(), ...api.dhcpRpc.endpoints() }, { fanout: false }),
    await bus.consume(REPORTS, api.rpc.reportEndpoints(), { fanout: false }),
    // L3 agents: their routers, floating IP statuses (src/plugins/l3/l3-rpc-callbacks.ts)
    await bus.consume(L3_PLUGIN, api.l3Rpc.endpoints(), { fanout: false }),
  ];
}
