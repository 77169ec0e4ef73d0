// `neutrino agent l3`: builds and starts the agent (placeholder until it is built).
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import type { Bus } from '../../rpc/bus.js';

export interface L3AgentStartOptions {
  bus: Bus;
  log: Logger;
  host: string;
  config: Config;
}

export async function startL3Agent(_o: L3AgentStartOptions): Promise<{ stop(): Promise<void> }> {
  throw new Error('the l3 agent is not built yet');
}
