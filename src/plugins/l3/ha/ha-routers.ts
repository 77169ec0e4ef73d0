// HA routers inside the L3 transactions: the VRRP id on the project's HA network, one HA port
// per hosting agent (bound to that agent's host), the agents' bindings, and the states the
// agents report (update_ha_routers_states). The router's own ports (gateway, interfaces) are
// bound to the host of the agent that reported active — ML2 and l2population then send the
// router's MACs there, as Neutron's _update_router_port_bindings does.
import { HANotEnoughAvailableAgents, NoVRIDAvailable } from '../../../api/errors.js';
import { AGENT_TYPE_L3 } from '../../../contract/agent-types.js';
import { DEVICE_OWNER_ROUTER_HA_PORT } from '../../../contract/device-owners.js';
import type { AgentTable, RouterTable } from '../../../db/schema.js';
import type { Trx, UnitOfWork } from '../../../db/transaction.js';
import type { AgentStore } from '../../agents/agent-store.js';
import type { ServicePortOps } from '../../ml2/service-ports.js';
import type { Services } from '../../services.js';
import type { L3Changes } from '../l3-changes.js';
import type { L3Ports } from '../l3-ports.js';
import type { L3Scheduler } from '../l3-scheduler.js';
import { haPortName } from './ha-network.js';

export const HA_STATES = ['active', 'standby', 'unknown'] as const;
export type HaState = (typeof HA_STATES)[number];
const MAX_VRID = 254;

export class HaRouters {
  constructor(
    private readonly s: Services,
    private readonly agents: AgentStore,
    private readonly scheduler: L3Scheduler,
    private readonly l3ports: L3Ports,
    private readonly ops: ServicePortOps,
  ) {}

  /** The number of agents an HA router goes to now: min(max_l3_agents_per_router, live agents), at least min_l3_agents_per_router. */
  agentCount(live: number): number {
    const max = this.s.config.int('DEFAULT', 'max_l3_agents_per_router');
    const min = this.s.config.int('DEFAULT', 'min_l3_agents_per_router');
    if (live < min) throw HANotEnoughAvailableAgents({ min_agents: min, num_agents: live });
    return max === 0 ? live : Math.min(max, live);
  }

  /** The smallest VRRP id free on the network (a concurrent taker makes the transaction retry). */
  async allocateVrid(trx: Trx, networkId: string, routerId: string): Promise<number> {
    const taken = new Set((await trx.selectFrom('ha_router_vrid_allocations').select('vr_id').where('network_id', '=', networkId).execute()).map((r) => r.vr_id));
    for (let id = 1; id <= MAX_VRID; id++) {
      if (taken.has(id)) continue;
      await trx.insertInto('ha_router_vrid_allocations').values({ network_id: networkId, vr_id: id }).execute();
      return id;
    }
    throw NoVRIDAvailable({ router_id: routerId });
  }

  /**
   * Schedules a new (or newly HA) router: its VRRP id, the agents (least loaded first, within
   * its zones), one HA port per agent. Returns the host its gateway and interfaces are bound to
   * until an agent reports active (the first agent's).
   */
  async schedule(trx: Trx, uow: UnitOfWork, router: RouterTable, haNetworkId: string, changes: L3Changes, requestId?: string): Promise<string> {
    const vrid = await this.allocateVrid(trx, haNetworkId, router.id);
    await trx.updateTable('routers').set({ ha: 1, ha_vr_id: vrid }).where('id', '=', router.id).execute();
    const candidates = await this.scheduler.candidates(trx, await this.scheduler.zonesOf(trx, router.id));
    const chosen = candidates.slice(0, this.agentCount(candidates.length));
    let index = 1;
    for (const agent of chosen) await this.addAgent(trx, uow, router, haNetworkId, agent, index++, changes, requestId);
    // the router's own ports go to the first agent until one reports active
    await this.scheduler.bindPorts(trx, router.id, chosen[0].host, changes);
    this.s.log.info(
      { event: 'l3_ha.scheduled', router_id: router.id, vr_id: vrid, hosts: chosen.map((a) => a.host), request_id: requestId },
      `HA router ${router.id} scheduled to ${chosen.length} L3 agents`,
    );
    return chosen[0].host;
  }

  private async addAgent(trx: Trx, uow: UnitOfWork, router: RouterTable, haNetworkId: string, agent: AgentTable, index: number, changes: L3Changes, requestId?: string): Promise<void> {
    await trx.insertInto('routerl3agentbindings').values({ router_id: router.id, l3_agent_id: agent.id, binding_index: index }).execute();
    const port = await this.l3ports.make(
      trx,
      uow,
      changes,
      { project_id: '', name: haPortName(router.project_id), network_id: haNetworkId, device_id: router.id, device_owner: DEVICE_OWNER_ROUTER_HA_PORT, host: agent.host },
      requestId,
    );
    await trx
      .insertInto('ha_router_agent_port_bindings')
      .values({ port_id: port.id as string, router_id: router.id, l3_agent_id: agent.id, state: 'standby' })
      .execute();
    changes.addedToAgent.push({ routerId: router.id, host: agent.host });
  }

  /** Takes an HA router off all its agents: HA ports, bindings and its VRRP id go. */
  async unschedule(trx: Trx, uow: UnitOfWork, router: RouterTable, changes: L3Changes, deleting: boolean): Promise<void> {
    const hosts = await this.scheduler.hostsOf(trx, router.id);
    const ports = await trx
      .selectFrom('ha_router_agent_port_bindings as h')
      .innerJoin('ports as p', 'p.id', 'h.port_id')
      .select(['h.port_id', 'p.network_id'])
      .where('h.router_id', '=', router.id)
      .execute();
    for (const p of ports) changes.portsRemoved.push({ before: await this.ops.remove(trx, uow, p.port_id), portId: p.port_id, networkId: p.network_id });
    if (ports.length)
      await trx
        .deleteFrom('ha_router_vrid_allocations')
        .where('network_id', '=', ports[0].network_id)
        .where('vr_id', '=', router.ha_vr_id ?? 0)
        .execute();
    await trx.deleteFrom('routerl3agentbindings').where('router_id', '=', router.id).execute();
    await trx.updateTable('routers').set({ ha_vr_id: 0 }).where('id', '=', router.id).execute();
    for (const h of hosts) (deleting ? changes.routersDeleted : changes.removedFromAgent).push({ routerId: router.id, host: h.host });
  }

  /** The agents of an HA router with the state each reported (a dead agent's active shows standby, or unknown when all are dead: Neutron's rule). */
  async agentStates(trx: Trx, routerId: string): Promise<{ agentId: string; state: HaState }[]> {
    const rows = await trx
      .selectFrom('ha_router_agent_port_bindings as h')
      .innerJoin('agents as a', 'a.id', 'h.l3_agent_id')
      .select(['a.id', 'a.heartbeat_timestamp', 'a.admin_state_up', 'h.state'])
      .where('h.router_id', '=', routerId)
      .orderBy('a.host')
      .execute();
    const dead = (r: (typeof rows)[number]) => !this.agents.isAlive(r) || r.admin_state_up !== 1;
    const allDead = rows.every(dead);
    return rows.map((r) => ({ agentId: r.id, state: (dead(r) && r.state === 'active' ? (allDead ? 'unknown' : 'standby') : r.state) as HaState }));
  }

  /** update_ha_routers_states from the agent on `host`: its states recorded; where active, the router's ports move to it. */
  async updateStates(trx: Trx, host: string, states: Record<string, HaState>, changes: L3Changes): Promise<string[]> {
    const agent = await trx.selectFrom('agents').select('id').where('agent_type', '=', AGENT_TYPE_L3).where('host', '=', host).executeTakeFirst();
    if (!agent) return [];
    const changed: string[] = [];
    for (const [routerId, state] of Object.entries(states)) {
      const r = await trx.updateTable('ha_router_agent_port_bindings').set({ state }).where('router_id', '=', routerId).where('l3_agent_id', '=', agent.id).executeTakeFirst();
      if (Number(r.numUpdatedRows ?? 0) === 0) continue;
      changed.push(routerId);
      if (state === 'active') await this.scheduler.bindPorts(trx, routerId, host, changes);
    }
    return changed;
  }
}
