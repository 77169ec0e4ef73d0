// Which L3 agent hosts a router: the live, enabled one with the fewest routers, chosen when
// the router is made, gets a gateway or an interface, or when an agent asks for its routers.
// Every port of the router is bound to that agent's host in the same transaction, so ML2
// binds it and the host's L2 agent wires the device the L3 agent plugs.
import { AGENT_TYPE_L3 } from '../../contract/agent-types.js';
import type { AgentTable } from '../../db/schema.js';
import type { AgentStore } from '../agents/agent-store.js';
import type { ServicePortOps } from '../ml2/service-ports.js';
import type { Services } from '../services.js';
import type { Trx } from '../../db/transaction.js';
import { bool } from '../../db/rows.js';
import type { L3Changes } from './l3-changes.js';
import { type AvailabilityZones, hintsOf, spreadOverZones } from '../availability-zones/availability-zones.js';

export interface Hosting {
  agentId: string;
  host: string;
}

export class L3Scheduler {
  constructor(
    private readonly s: Services,
    private readonly agents: AgentStore,
    private readonly ports: ServicePortOps,
    private readonly zones: AvailabilityZones,
  ) {}

  /** The agent hosting the router (an HA router's first), or null. */
  async hostingOf(trx: Trx, routerId: string): Promise<Hosting | null> {
    return (await this.hostsOf(trx, routerId))[0] ?? null;
  }

  /** Every agent hosting the router (several for an HA router), in binding order. */
  async hostsOf(trx: Trx, routerId: string): Promise<Hosting[]> {
    const rows = await trx
      .selectFrom('routerl3agentbindings as b')
      .innerJoin('agents as a', 'a.id', 'b.l3_agent_id')
      .select(['a.id', 'a.host'])
      .where('b.router_id', '=', routerId)
      .orderBy('b.binding_index')
      .orderBy('a.host')
      .execute();
    return rows.map((r) => ({ agentId: r.id, host: r.host }));
  }

  /** The host an HA router's own ports belong on: the agent that reported active, else the first. */
  private async haHost(trx: Trx, routerId: string): Promise<string | null> {
    const active = await trx
      .selectFrom('ha_router_agent_port_bindings as h')
      .innerJoin('agents as a', 'a.id', 'h.l3_agent_id')
      .select('a.host')
      .where('h.router_id', '=', routerId)
      .where('h.state', '=', 'active')
      .executeTakeFirst();
    return active?.host ?? (await this.hostingOf(trx, routerId))?.host ?? null;
  }

  /** Where the router's own ports are bound: its agent's host (an HA router's active one); '' when unhosted. */
  async portHost(trx: Trx, routerId: string): Promise<string> {
    if (await this.isHa(trx, routerId)) return (await this.haHost(trx, routerId)) ?? '';
    return (await this.hostingOf(trx, routerId))?.host ?? '';
  }

  private async isHa(trx: Trx, routerId: string): Promise<boolean> {
    const r = await trx.selectFrom('routers').select('ha').where('id', '=', routerId).executeTakeFirst();
    return (r?.ha ?? 0) === 1;
  }

  /** The zones the router's L3 agent may be in ([] = any). */
  async zonesOf(trx: Trx, routerId: string): Promise<string[]> {
    const row = await trx.selectFrom('routers').select('availability_zone_hints').where('id', '=', routerId).executeTakeFirst();
    return this.zones.schedulingZones(row ? hintsOf(row) : []);
  }

  /** Live, enabled L3 agents in `zones` ([] = any), least loaded first. */
  async candidates(trx: Trx, zones: string[] = []): Promise<AgentTable[]> {
    const agents = (await trx.selectFrom('agents').selectAll().where('agent_type', '=', AGENT_TYPE_L3).where('admin_state_up', '=', 1).execute()).filter((a) => this.agents.isAlive(a));
    if (!agents.length) return [];
    const load = new Map<string, number>();
    const counts = await trx
      .selectFrom('routerl3agentbindings')
      .select(['l3_agent_id', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('l3_agent_id')
      .execute();
    for (const c of counts) load.set(c.l3_agent_id, Number(c.n));
    return spreadOverZones(
      agents.sort((a, b) => (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0) || a.host.localeCompare(b.host)),
      zones,
    );
  }

  /**
   * The router's host, scheduling it first when it has none and router_auto_schedule is on;
   * null when no agent can take it (it is scheduled later, when one asks for its routers).
   */
  async ensureScheduled(trx: Trx, routerId: string, changes: L3Changes): Promise<string | null> {
    // an HA router is scheduled to its agents when it is made HA (ha/ha-routers.ts)
    if (await this.isHa(trx, routerId)) return this.haHost(trx, routerId);
    const hosting = await this.hostingOf(trx, routerId);
    if (hosting) return hosting.host;
    if (!this.s.config.bool('DEFAULT', 'router_auto_schedule')) return null;
    const [agent] = await this.candidates(trx, await this.zonesOf(trx, routerId));
    if (!agent) return null;
    await this.bind(trx, routerId, agent, changes);
    return agent.host;
  }

  /** Hosts the router on `agent` and binds its ports there. */
  async bind(trx: Trx, routerId: string, agent: AgentTable, changes: L3Changes, announce = true): Promise<void> {
    await trx.insertInto('routerl3agentbindings').values({ router_id: routerId, l3_agent_id: agent.id }).execute();
    await this.bindPorts(trx, routerId, agent.host, changes);
    if (announce) changes.addedToAgent.push({ routerId, host: agent.host });
    this.s.log.info({ event: 'l3.schedule', router_id: routerId, agent_id: agent.id, host: agent.host }, `router ${routerId} scheduled to the L3 agent on ${agent.host}`);
  }

  /** Takes the router off its agent; its ports are unbound. */
  async unbind(trx: Trx, routerId: string, changes: L3Changes): Promise<Hosting | null> {
    const hosting = await this.hostingOf(trx, routerId);
    if (!hosting) return null;
    await trx.deleteFrom('routerl3agentbindings').where('router_id', '=', routerId).execute();
    await this.bindPorts(trx, routerId, '', changes);
    changes.removedFromAgent.push({ routerId, host: hosting.host });
    this.s.log.info({ event: 'l3.unschedule', router_id: routerId, agent_id: hosting.agentId, host: hosting.host }, `router ${routerId} removed from the L3 agent on ${hosting.host}`);
    return hosting;
  }

  /** Binds every port of the router to `host` ('' unbinds). */
  async bindPorts(trx: Trx, routerId: string, host: string, changes: L3Changes): Promise<void> {
    const ports = await trx.selectFrom('routerports').select('port_id').where('router_id', '=', routerId).execute();
    for (const p of ports) changes.portChanged(p.port_id, await this.ports.rebind(trx, p.port_id, host));
  }

  /**
   * When an agent asks for its routers: unscheduled routers come to it (Neutron's
   * auto_schedule_routers), and with allow_automatic_l3agent_failover, so do those of dead agents.
   */
  async autoSchedule(trx: Trx, agent: AgentTable, changes: L3Changes): Promise<void> {
    if (!bool(agent.admin_state_up) || !this.agents.isAlive(agent)) return;
    if (this.s.config.bool('DEFAULT', 'router_auto_schedule')) {
      // HA routers are scheduled to several agents when made HA, not one by one here
      const unhosted = await trx
        .selectFrom('routers')
        .select(['id', 'availability_zone_hints'])
        .where('ha', '=', 0)
        .where('id', 'not in', trx.selectFrom('routerl3agentbindings').select('router_id'))
        .execute();
      // the asking agent fetches them itself: no router_added_to_agent; a router hinted to
      // other zones waits for an agent of its zones
      for (const r of unhosted.filter((x) => this.inZones(agent, this.zones.schedulingZones(hintsOf(x))))) await this.bind(trx, r.id, agent, changes, false);
    }
    if (this.s.config.bool('DEFAULT', 'allow_automatic_l3agent_failover')) {
      const bound = await trx
        .selectFrom('routerl3agentbindings as b')
        .innerJoin('agents as a', 'a.id', 'b.l3_agent_id')
        .innerJoin('routers as r', 'r.id', 'b.router_id')
        .select(['b.router_id', 'a.id', 'a.host', 'a.heartbeat_timestamp'])
        .where('a.id', '!=', agent.id)
        // an HA router's standby takes over by VRRP: it is not moved
        .where('r.ha', '=', 0)
        .execute();
      for (const b of bound.filter((x) => !this.agents.isAlive(x))) {
        if (!this.inZones(agent, await this.zonesOf(trx, b.router_id))) continue;
        await trx.deleteFrom('routerl3agentbindings').where('router_id', '=', b.router_id).execute();
        changes.removedFromAgent.push({ routerId: b.router_id, host: b.host });
        await this.bind(trx, b.router_id, agent, changes, false);
        this.s.log.warn({ event: 'l3.failover', router_id: b.router_id, from_host: b.host, to_host: agent.host }, `router ${b.router_id} moved from dead L3 agent on ${b.host} to ${agent.host}`);
      }
    }
  }

  private inZones(agent: AgentTable, zones: string[]): boolean {
    return !zones.length || (agent.availability_zone !== null && zones.includes(agent.availability_zone));
  }

  /** Ports of the agent's routers whose binding is missing, elsewhere or failed: bound again (an L2 agent may have come up since). */
  async repairBindings(trx: Trx, agent: AgentTable, changes: L3Changes, only: string[] | null = null): Promise<void> {
    let q = trx
      .selectFrom('routerl3agentbindings as b')
      .innerJoin('routerports as rp', 'rp.router_id', 'b.router_id')
      .innerJoin('routers as r', 'r.id', 'b.router_id')
      .leftJoin('ml2_port_bindings as pb', 'pb.port_id', 'rp.port_id')
      .select('rp.port_id')
      .where('b.l3_agent_id', '=', agent.id)
      // an HA router's ports are bound to its active agent's host, not to every agent's
      .where('r.ha', '=', 0)
      .where((eb) => eb.or([eb('pb.host', 'is', null), eb('pb.host', '!=', agent.host), eb('pb.vif_type', '=', 'binding_failed')]));
    if (only !== null) q = q.where('b.router_id', 'in', only);
    const stale = await q.execute();
    for (const p of stale) changes.portChanged(p.port_id, await this.ports.rebind(trx, p.port_id, agent.host));
  }
}
