// `neutrino agent dhcp`: builds and starts the agent (placeholder until it is built).
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import type { Bus } from '../../rpc/bus.js';

export interface DhcpAgentStartOptions {
  bus: Bus;
  log: Logger;
  host: string;
  config: Config;
}

export async function startDhcpAgent(_o: DhcpAgentStartOptions): Promise<{ stop(): Promise<void> }> {
  throw new Error('the dhcp agent is not built yet');
}
