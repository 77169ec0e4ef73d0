// What a mechanism driver does (ML2's MechanismDriver): bind a port on a host to one of its
// network's segments, and react after commit (postcommit) to port changes.
import type { AgentTable, NetworkSegmentTable } from '../../../db/schema.js';

export interface BindingRequest {
  portId: string;
  host: string;
  vnicType: string;
  profile: Record<string, unknown>;
  /** the network's segments, in order */
  segments: NetworkSegmentTable[];
  /** every agent registered on the host, with liveness worked out */
  agents: (AgentTable & { alive: boolean; config: Record<string, unknown> })[];
}

export type BindingOutcome = { bound: true; segment: NetworkSegmentTable; vifType: string; vifDetails: Record<string, unknown> } | { bound: false; reason: string };

/** A port's state as postcommit hooks see it. */
export interface PortEvent {
  portId: string;
  networkId: string;
  mac: string;
  ips: string[];
  host: string;
  status: string;
  segment: NetworkSegmentTable | null;
  deviceOwner: string;
}

export interface MechanismDriver {
  readonly name: string;
  bindPort?(req: BindingRequest): BindingOutcome;
  /** the port changed (original: before the change) */
  updatePortPostcommit?(port: PortEvent, original: PortEvent | null): Promise<void> | void;
  deletePortPostcommit?(port: PortEvent): Promise<void> | void;
  /** an agent that restarted asks to be told again everything about these networks
   *  (Neutron's refresh_tunnels on update_device_list) */
  refreshHost?(host: string, networkIds: string[]): Promise<void> | void;
}
