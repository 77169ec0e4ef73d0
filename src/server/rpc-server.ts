// The server's side of the bus: every loaded plugin's endpoints, by topic (q-plugin for the
// agents' device, security group and DHCP calls; q-reports-plugin for heartbeats; q-l3-plugin
// for L3 agents …). Every server consumes the same shared topics, so agents' calls spread
// over all of them.
import type { Bus, Consumer } from '../rpc/bus.js';
import type { Api } from './assemble.js';

export async function serveRpc(bus: Bus, api: Pick<Api, 'rpcEndpoints'>): Promise<Consumer[]> {
  const consumers: Consumer[] = [];
  for (const [topic, endpoints] of api.rpcEndpoints) consumers.push(await bus.consume(topic, endpoints, { fanout: false }));
  return consumers;
}
