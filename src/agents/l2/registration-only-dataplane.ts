// The openvswitch agent's kernel side is not built (the linuxbridge one is). An openvswitch
// agent run from the command line registers, heartbeats and reports its mappings — so ML2
// binds ports to its host — but sees no devices and wires nothing, and it says so when it starts.
import type { Logger } from 'pino';
import type { DeviceDetails } from '../../contract/l2.js';
import type { SecurityGroupInfo } from '../../contract/security-groups.js';
import type { DeviceChange, L2Dataplane } from './dataplane.js';

export class RegistrationOnlyDataplane implements L2Dataplane {
  constructor(
    readonly agentType: string,
    readonly binary: string,
    private readonly config: Record<string, unknown>,
    log: Logger,
  ) {
    log.warn(
      { event: 'agent.dataplane_not_built', agent_type: agentType },
      `${agentType}: the kernel side is not built yet; this agent registers and reports its mappings (ports bind to this host) but wires no devices`,
    );
  }
  configurations(): Record<string, unknown> {
    return this.config;
  }
  async devices(): Promise<Set<string>> {
    return new Set();
  }
  watch(_onChange: (c: DeviceChange) => void): void {}
  async plug(_devices: DeviceDetails[]): Promise<string[]> {
    return [];
  }
  async removed(_devices: string[]): Promise<void> {}
  async cleanup(_present: DeviceDetails[]): Promise<void> {}
  async applyFirewall(_info: SecurityGroupInfo): Promise<void> {}
  async fdbAdd(): Promise<void> {}
  async fdbRemove(): Promise<void> {}
  tunnelIp(): string | null {
    return (this.config.tunneling_ip as string | null) ?? null;
  }
  async close(): Promise<void> {}
}
