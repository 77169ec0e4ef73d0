// The L2 agent's extension seam (Neutron's L2 agent extensions: `[agent] extensions = qos`):
// after every batch of ports the agent wired it hands their details to each extension, and
// tells it of devices that went; an extension may listen on topics of its own.
import type { DeviceDetails } from '../../../contract/l2.js';
import type { Endpoints } from '../../../rpc/bus.js';

export interface L2AgentExtension {
  readonly name: string;
  /** RPC endpoints on its own fanout topics, merged into the agent's */
  listen?: Record<string, Endpoints>;
  /** ports wired (or wired again) in this batch, with the server's details */
  handlePorts(ports: DeviceDetails[]): Promise<void>;
  /** devices gone from the host */
  deletePorts(devices: string[]): Promise<void>;
  /** reported under configurations.extensions.<name> */
  configurations?(): Record<string, unknown>;
  stop?(): Promise<void>;
}
