// Shared base of the agent-based drivers (linuxbridge, openvswitch): a port binds on a host
// only when a live agent of the driver's type runs there and can serve one of the segments.
import type { NetworkSegmentTable } from '../../../db/schema.js';
import type { BindingOutcome, BindingRequest, MechanismDriver } from './mechanism-driver.js';

export abstract class AgentMechanismDriver implements MechanismDriver {
  abstract readonly name: string;
  abstract readonly agentType: string;
  abstract readonly vifType: string;
  readonly vnicTypes = ['normal'];

  /** Whether the agent, by what it reported, can carry this segment (or why not). */
  abstract canServe(segment: NetworkSegmentTable, config: Record<string, unknown>): string | null;
  abstract vifDetails(config: Record<string, unknown>): Record<string, unknown>;

  bindPort(req: BindingRequest): BindingOutcome {
    if (!this.vnicTypes.includes(req.vnicType)) return { bound: false, reason: `${this.name}: vnic_type ${req.vnicType} not supported` };
    const agents = req.agents.filter((a) => a.agent_type === this.agentType);
    if (!agents.length) return { bound: false, reason: `${this.name}: no ${this.agentType} on host ${req.host}` };
    const reasons: string[] = [];
    for (const agent of agents) {
      if (!agent.alive) {
        reasons.push(`${this.name}: the ${this.agentType} on host ${req.host} is dead (last heartbeat ${agent.heartbeat_timestamp} UTC)`);
        continue;
      }
      for (const segment of req.segments) {
        const why = this.canServe(segment, agent.config);
        if (why === null) return { bound: true, segment, vifType: this.vifType, vifDetails: this.vifDetails(agent.config) };
        reasons.push(`${this.name}: ${why}`);
      }
    }
    return { bound: false, reason: reasons.join('; ') };
  }
}

/** physnet→x mappings as agents report them (an object, or a list of "physnet:x"). */
export function mappingHas(value: unknown, physnet: string | null): boolean {
  if (physnet === null || value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.some((m) => String(m).split(':')[0] === physnet);
  return typeof value === 'object' && physnet in (value as Record<string, unknown>);
}

export const listHas = (value: unknown, item: string): boolean => Array.isArray(value) && value.includes(item);

/** "segment vlan:physnet1:120", for binding failure reasons. */
export function describeSegment(s: NetworkSegmentTable): string {
  return `segment ${s.network_type}${s.physical_network ? `:${s.physical_network}` : ''}${s.segmentation_id !== null ? `:${s.segmentation_id}` : ''}`;
}
