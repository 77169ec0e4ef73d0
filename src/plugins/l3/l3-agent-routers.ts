// l3_agent_scheduler: admins see and change which L3 agent hosts a router
// (/v2.0/routers/{id}/l3-agents, /v2.0/agents/{id}/l3-routers).
import { adminContext, type RequestContext } from '../../api/context.js';
import { AgentNotFound, InvalidL3Agent, RouterHostedByL3Agent, RouterNotFound, RouterNotHostedByL3Agent } from '../../api/errors.js';
import type { ApiObject } from '../../api/resource.js';
import { AGENT_TYPE_L3 } from '../../contract/agent-types.js';
import type { AgentStore } from '../agents/agent-store.js';
import type { Services } from '../services.js';
import { inTransaction } from '../../db/transaction.js';
import { bool } from '../../db/rows.js';
import { L3Changes, type L3Announcer } from './l3-changes.js';
import type { L3Scheduler } from './l3-scheduler.js';
import type { RouterPlugin } from './routers.js';
import type { HaRouters } from './ha/ha-routers.js';

export class L3AgentRouters {
  constructor(
    private readonly s: Services,
    private readonly agents: AgentStore,
    private readonly routers: RouterPlugin,
    private readonly scheduler: L3Scheduler,
    private readonly announcer: L3Announcer,
    private readonly ha: HaRouters,
  ) {}

  /** The agents hosting the router; an HA router's with the ha_state each reported (l3-ha). */
  async agentsHosting(ctx: RequestContext, routerId: string): Promise<ApiObject[]> {
    const router = await this.routers.find(this.s.db.kysely, ctx, routerId);
    if (bool(router.ha ?? 0)) {
      const states = await this.ha.agentStates(this.s.db.kysely, routerId);
      return Promise.all(states.map(async (a) => ({ ...(await this.agents.show(ctx, a.agentId)), ha_state: a.state })));
    }
    const hosts = await this.scheduler.hostsOf(this.s.db.kysely, routerId);
    return Promise.all(hosts.map((h) => this.agents.show(ctx, h.agentId)));
  }

  async routersOn(ctx: RequestContext, agentId: string): Promise<ApiObject[]> {
    await this.agents.show(ctx, agentId);
    const ids = (await this.s.db.kysely.selectFrom('routerl3agentbindings').select('router_id').where('l3_agent_id', '=', agentId).execute()).map((r) => r.router_id);
    if (!ids.length) return [];
    return this.routers.list(adminContext(ctx.projectId, ctx.requestId), { filters: new Map([['id', ids]]), fields: null, sorts: [], limit: null, marker: null, pageReverse: false });
  }

  async add(ctx: RequestContext, agentId: string, routerId: unknown): Promise<void> {
    if (typeof routerId !== 'string') throw RouterNotFound({ router_id: String(routerId) });
    const l3 = await inTransaction(this.s.db, async (trx) => {
      const l3 = new L3Changes();
      const agent = await trx.selectFrom('agents').selectAll().where('id', '=', agentId).executeTakeFirst();
      if (!agent) throw AgentNotFound({ id: agentId });
      if (agent.agent_type !== AGENT_TYPE_L3 || !bool(agent.admin_state_up)) throw InvalidL3Agent({ id: agentId });
      const router = await this.routers.find(trx, ctx, routerId, true);
      const hosting = await this.scheduler.hostingOf(trx, routerId);
      if (hosting?.agentId === agentId) return l3;
      if (bool(router.ha ?? 0)) throw RouterHostedByL3Agent({ router_id: routerId, agent_id: hosting?.agentId ?? '' });
      if (hosting) throw RouterHostedByL3Agent({ router_id: routerId, agent_id: hosting.agentId });
      await this.scheduler.bind(trx, routerId, agent, l3);
      return l3;
    });
    await this.announcer.announce(l3);
  }

  async remove(ctx: RequestContext, agentId: string, routerId: string): Promise<void> {
    const l3 = await inTransaction(this.s.db, async (trx) => {
      const l3 = new L3Changes();
      const agent = await trx.selectFrom('agents').select('id').where('id', '=', agentId).executeTakeFirst();
      if (!agent) throw AgentNotFound({ id: agentId });
      const router = await this.routers.find(trx, ctx, routerId, true);
      // an HA router leaves its agents only by becoming non-HA or going (docs/l3-ha.md)
      if (bool(router.ha ?? 0)) throw RouterNotHostedByL3Agent({ router_id: routerId, agent_id: agentId });
      const hosting = await this.scheduler.hostingOf(trx, routerId);
      if (hosting?.agentId !== agentId) throw RouterNotHostedByL3Agent({ router_id: routerId, agent_id: agentId });
      await this.scheduler.unbind(trx, routerId, l3);
      return l3;
    });
    await this.announcer.announce(l3);
  }
}
