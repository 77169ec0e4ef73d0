// What L3 agents ask the server on q-l3-plugin (Neutron's L3RpcCallback), per the contract
// in src/contract/l3.ts: their routers (scheduling unhosted ones to them first), the routers'
// full data, floating IP statuses, and the external network.
import { sql } from 'kysely';
import { timestamp } from '../../common/time.js';
import { AGENT_TYPE_L3 } from '../../contract/agent-types.js';
import { FLOATING_IP_STATUSES, type SyncRouter } from '../../contract/l3.js';
import type { AgentTable } from '../../db/schema.js';
import type { Endpoints } from '../../rpc/bus.js';
import type { Services } from '../services.js';
import { inTransaction } from '../../db/transaction.js';
import { bool } from '../../db/rows.js';
import { L3Changes, type L3Announcer } from './l3-changes.js';
import type { L3Scheduler } from './l3-scheduler.js';
import { syncData } from './router-sync.js';
import { HA_STATES, type HaRouters, type HaState } from './ha/ha-routers.js';

const hostOf = (a: { host?: unknown }): string => {
  if (typeof a?.host !== 'string' || a.host === '') throw new TypeError('host must be a non-empty string');
  return a.host;
};

export class L3RpcCallbacks {
  constructor(
    private readonly s: Services,
    private readonly scheduler: L3Scheduler,
    private readonly announcer: L3Announcer,
    private readonly ha: HaRouters,
  ) {}

  endpoints(): Endpoints {
    return {
      sync_routers: (a: { host: string; router_ids?: string[] | null }) => this.syncRouters(hostOf(a), a.router_ids ?? null),
      get_router_ids: (a: { host: string }) => this.routerIds(hostOf(a)),
      update_floatingip_statuses: async (a: { router_id: string; fip_statuses: Record<string, string> }) => {
        await this.updateFloatingIpStatuses(a.router_id, a.fip_statuses ?? {});
        return null;
      },
      get_external_network_id: (a: { host?: string }) => this.externalNetworkId(a?.host ?? ''),
      update_ha_routers_states: async (a: { host: string; states: Record<string, string> }) => {
        await this.updateHaRoutersStates(hostOf(a), a.states);
        return null;
      },
    };
  }

  private agentOn(host: string): Promise<AgentTable | undefined> {
    return this.s.db.kysely.selectFrom('agents').selectAll().where('agent_type', '=', AGENT_TYPE_L3).where('host', '=', host).executeTakeFirst();
  }

  /**
   * The routers the agent on `host` hosts (of `only`, when given), after binding again their
   * ports that are not bound to it (an L2 agent may have come up since). Asked for all of them
   * (a full sync), it first gets the unhosted ones (router_auto_schedule); asked for a few (an
   * update), as Neutron's sync_routers, nothing is scheduled.
   */
  private async hostedBy(host: string, only: string[] | null): Promise<{ agent: AgentTable; ids: string[] } | null> {
    const agent = await this.agentOn(host);
    if (!agent) return null;
    if (only !== null && !only.length) return { agent, ids: [] };
    const changes = await inTransaction(this.s.db, async (trx) => {
      const changes = new L3Changes();
      if (only === null) await this.scheduler.autoSchedule(trx, agent, changes);
      await this.scheduler.repairBindings(trx, agent, changes, only);
      return changes;
    });
    await this.announcer.announce(changes);
    let q = this.s.db.kysely.selectFrom('routerl3agentbindings').select('router_id').where('l3_agent_id', '=', agent.id);
    if (only !== null) q = q.where('router_id', 'in', only);
    const rows = await q.orderBy('router_id').execute();
    return { agent, ids: rows.map((r) => r.router_id) };
  }

  async routerIds(host: string): Promise<string[]> {
    return (await this.hostedBy(host, null))?.ids ?? [];
  }

  async syncRouters(host: string, routerIds: string[] | null): Promise<SyncRouter[]> {
    if (routerIds !== null && (!Array.isArray(routerIds) || routerIds.some((r) => typeof r !== 'string'))) throw new TypeError('router_ids must be a list of strings');
    const hosted = await this.hostedBy(host, routerIds);
    // as Neutron: an agent that is administratively down serves no routers
    if (!hosted || !bool(hosted.agent.admin_state_up)) return [];
    const routers = await syncData(this.s.db, hosted.ids, host);
    this.s.log.debug({ event: 'l3.sync_routers', host, asked: routerIds?.length ?? 'all', sent: routers.length }, `sync_routers for ${host}`);
    return routers;
  }

  /** l3-ha: the VRRP states of the agent's HA routers (Neutron's update_ha_routers_states); active ones get the routers' ports. */
  async updateHaRoutersStates(host: string, states: Record<string, string>): Promise<void> {
    if (states === null || typeof states !== 'object') throw new TypeError('update_ha_routers_states needs states: {router_id: state}');
    for (const [id, st] of Object.entries(states)) if (!HA_STATES.includes(st as HaState)) throw new TypeError(`router ${id}: state ${String(st)} is not one of ${HA_STATES.join(', ')}`);
    const { changes, changed } = await inTransaction(this.s.db, async (trx) => {
      const changes = new L3Changes();
      return { changes, changed: await this.ha.updateStates(trx, host, states as Record<string, HaState>, changes) };
    });
    await this.announcer.announce(changes);
    for (const id of changed) this.s.log.info({ event: 'l3_ha.state', router_id: id, host, ha_state: states[id] }, `HA router ${id} is ${states[id]} on ${host}`);
  }

  /** Statuses the agent reports for floating IPs of one of its routers. */
  async updateFloatingIpStatuses(routerId: string, statuses: Record<string, string>): Promise<void> {
    if (typeof routerId !== 'string' || statuses === null || typeof statuses !== 'object') throw new TypeError('update_floatingip_statuses needs router_id and fip_statuses');
    const changed: string[] = [];
    await inTransaction(this.s.db, async (trx) => {
      for (const [id, status] of Object.entries(statuses)) {
        if (!FLOATING_IP_STATUSES.includes(status)) throw new TypeError(`floating IP ${id}: status ${String(status)} is not one of ${FLOATING_IP_STATUSES.join(', ')}`);
        // a floating IP that moved to another router meanwhile is that router's to report
        const r = await sql`update floatingips set status = ${status}, revision_number = revision_number + 1, updated_at = ${timestamp()}
          where id = ${id} and status != ${status} and (router_id = ${routerId} or (router_id is null and ${status} != 'ACTIVE'))`.execute(trx);
        if (Number(r.numAffectedRows ?? 0) > 0) changed.push(id);
      }
    });
    for (const id of changed) this.s.log.info({ event: 'floatingip.status', floatingip_id: id, status: statuses[id], router_id: routerId }, `floating IP ${id} is ${statuses[id]}`);
  }

  /** The external network, when there is exactly one (Neutron raises for more; the agent then needs it configured). */
  async externalNetworkId(_host: string): Promise<string | null> {
    const nets = await this.s.db.kysely.selectFrom('networks').select('id').where('router_external', '=', 1).limit(2).execute();
    return nets.length === 1 ? nets[0].id : null;
  }
}
