// Availability zones (Neutron's availability_zone, network_availability_zone and
// router_availability_zone extensions). A zone is the `[agent] availability_zone` that agents
// report: DHCP agents make zones of resource "network", L3 agents zones of resource "router".
// A zone is "available" while one of its agents is enabled (admin_state_up), "unavailable"
// when an admin disabled them all — Neutron's rule; whether the agents are alive shows in
// /v2.0/agents, and the schedulers use live agents only.
//
// Networks and routers carry `availability_zone_hints` (chosen at create, checked against the
// zones of their resource) and show `availability_zones`: the zones of the agents that host
// them. The DHCP and L3 schedulers choose agents in the hinted zones, or in
// `[DEFAULT] default_availability_zones` when a resource has no hint.
import { AGENT_TYPE_DHCP, AGENT_TYPE_L3 } from '../../contract/agent-types.js';
import { AvailabilityZoneNotFound } from '../../api/errors.js';
import { jsonColumn } from '../../common/json.js';
import type { Trx } from '../../db/transaction.js';
import { type IdSet, rowsForIds } from '../../db/rows.js';
import type { Services } from '../services.js';

export type ZoneResource = 'network' | 'router';

export interface AvailabilityZone {
  name: string;
  resource: ZoneResource;
  state: 'available' | 'unavailable';
}

/** The hints as stored (null for none). */
export const hintsColumn = (hints: string[] | undefined): string | null => (hints?.length ? JSON.stringify(hints) : null);

/** The hints of a stored row. */
export const hintsOf = (row: { availability_zone_hints?: string | null }): string[] => jsonColumn<string[]>(row.availability_zone_hints ?? null, []);

export class AvailabilityZones {
  constructor(private readonly s: Services) {}

  /** Every zone of the DHCP and L3 agents. */
  async list(trx: Trx): Promise<AvailabilityZone[]> {
    const rows = await trx
      .selectFrom('agents')
      .select(['agent_type', 'availability_zone', 'admin_state_up'])
      .where('agent_type', 'in', [AGENT_TYPE_DHCP, AGENT_TYPE_L3])
      .where('availability_zone', 'is not', null)
      .where('availability_zone', '!=', '')
      .execute();
    const zones = new Map<string, AvailabilityZone>();
    for (const r of rows) {
      const resource: ZoneResource = r.agent_type === AGENT_TYPE_DHCP ? 'network' : 'router';
      const key = `${resource}\u0000${r.availability_zone}`;
      const z = zones.get(key) ?? { name: r.availability_zone as string, resource, state: 'unavailable' };
      if (Number(r.admin_state_up)) z.state = 'available';
      zones.set(key, z);
    }
    return [...zones.values()].sort((a, b) => a.name.localeCompare(b.name) || a.resource.localeCompare(b.resource));
  }

  /** Hints must name zones of the resource's agents (AvailabilityZoneNotFound, 404, as Neutron). */
  async checkHints(trx: Trx, resource: ZoneResource, hints: string[]): Promise<void> {
    if (!hints.length) return;
    const known = new Set((await this.list(trx)).filter((z) => z.resource === resource).map((z) => z.name));
    for (const h of hints) if (!known.has(h)) throw AvailabilityZoneNotFound({ availability_zone: h });
  }

  /** The zones a scheduler may choose from for a resource with these hints ([] = any). */
  schedulingZones(hints: string[]): string[] {
    return hints.length ? hints : this.s.config.list('DEFAULT', 'default_availability_zones');
  }

  /** network id → the zones of the DHCP agents serving it. */
  async zonesOfNetworks(trx: Trx, ids: IdSet): Promise<Map<string, string[]>> {
    return this.zonesOf(
      await rowsForIds(this.s.db, ids, 'b.network_id', (where) =>
        trx.selectFrom('networkdhcpagentbindings as b').innerJoin('agents as a', 'a.id', 'b.dhcp_agent_id').select(['b.network_id as id', 'a.availability_zone']).where(where).execute(),
      ),
    );
  }

  /** router id → the zones of the L3 agents hosting it. */
  async zonesOfRouters(trx: Trx, ids: IdSet): Promise<Map<string, string[]>> {
    return this.zonesOf(
      await rowsForIds(this.s.db, ids, 'b.router_id', (where) =>
        trx.selectFrom('routerl3agentbindings as b').innerJoin('agents as a', 'a.id', 'b.l3_agent_id').select(['b.router_id as id', 'a.availability_zone']).where(where).execute(),
      ),
    );
  }

  private zonesOf(rows: { id: string; availability_zone: string | null }[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of rows) {
      if (!r.availability_zone) continue;
      const list = out.get(r.id) ?? [];
      if (!list.includes(r.availability_zone)) list.push(r.availability_zone);
      out.set(r.id, list);
    }
    for (const list of out.values()) list.sort();
    return out;
  }
}

/**
 * Agents a scheduler may use for a resource whose zones are `zones` ([] = any), spread over
 * the zones: the least loaded agent of each zone first, then the next of each, as Neutron's
 * AZ-aware schedulers do. `agents` come least loaded first.
 */
export function spreadOverZones<T extends { availability_zone: string | null }>(agents: T[], zones: string[]): T[] {
  const allowed = zones.length ? agents.filter((a) => a.availability_zone !== null && zones.includes(a.availability_zone)) : agents;
  const byZone = new Map<string, T[]>();
  for (const a of allowed) {
    const z = a.availability_zone ?? '';
    byZone.set(z, [...(byZone.get(z) ?? []), a]);
  }
  const out: T[] = [];
  for (let round = 0; out.length < allowed.length; round++) {
    for (const list of byZone.values()) if (list[round]) out.push(list[round]);
  }
  return out;
}
