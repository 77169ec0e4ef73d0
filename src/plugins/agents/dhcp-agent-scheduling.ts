// The dhcp_agent_scheduler extension: which DHCP agents serve which networks, changed by an
// admin (add/remove) or by failover (networks of agents that stopped reporting move to live
// ones, Neutron's allow_automatic_dhcp_failover). Each change notifies the agents concerned.
import type { RequestContext } from '../../api/context.js';
import { adminContext } from '../../api/context.js';
import { AgentNotFound, InvalidDHCPAgent, NetworkHostedByDHCPAgent, NetworkNotFound, NetworkNotHostedByDhcpAgent } from '../../api/errors.js';
import { ALLOW_ALL, type ApiObject, type ListQuery } from '../../api/resource.js';
import { AGENT_TYPE_DHCP } from '../../contract/agent-types.js';
import { DEVICE_OWNER_DHCP } from '../../contract/device-owners.js';
import type { AgentTable } from '../../db/schema.js';
import type { NetworkPlugin } from '../ml2/networks.js';
import type { PortPlugin } from '../ml2/ports.js';
import type { Services } from '../services.js';
import { inTransaction } from '../../db/transaction.js';
import type { AgentStore } from './agent-store.js';
import type { DhcpAgentNotifier } from './dhcp-notifier.js';
import type { DhcpScheduler } from './dhcp-scheduler.js';

export class DhcpAgentScheduling {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly s: Services,
    private readonly agents: AgentStore,
    private readonly scheduler: DhcpScheduler,
    private readonly notifier: DhcpAgentNotifier,
    private readonly networks: NetworkPlugin,
    private readonly ports: PortPlugin,
  ) {}

  private async agent(id: string): Promise<AgentTable> {
    const a = await this.s.db.kysely.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
    if (!a) throw AgentNotFound({ id });
    return a;
  }

  /** GET /v2.0/networks/{id}/dhcp-agents */
  async agentsHosting(ctx: RequestContext, networkId: string): Promise<ApiObject[]> {
    await this.networks.show(ctx, networkId, ['id']);
    const ids = await this.s.db.kysely.selectFrom('networkdhcpagentbindings').select('dhcp_agent_id').where('network_id', '=', networkId).execute();
    return ids.length ? this.agents.list(ctx, byIds(ids.map((r) => r.dhcp_agent_id))) : [];
  }

  /** GET /v2.0/agents/{id}/dhcp-networks */
  async networksOn(ctx: RequestContext, agentId: string): Promise<ApiObject[]> {
    await this.agent(agentId);
    const ids = await this.s.db.kysely.selectFrom('networkdhcpagentbindings').select('network_id').where('dhcp_agent_id', '=', agentId).execute();
    // one list of them all (a fixed number of queries), not a show per network
    return ids.length ? this.networks.list(ctx, byIds(ids.map((r) => r.network_id))) : [];
  }

  /** POST /v2.0/agents/{id}/dhcp-networks {network_id} */
  async add(ctx: RequestContext, agentId: string, networkId: string): Promise<void> {
    const agent = await inTransaction(this.s.db, async (trx) => {
      const a = await trx.selectFrom('agents').selectAll().where('id', '=', agentId).executeTakeFirst();
      if (!a) throw AgentNotFound({ id: agentId });
      if (a.agent_type !== AGENT_TYPE_DHCP || a.admin_state_up !== 1) throw InvalidDHCPAgent({ id: agentId });
      const net = await trx.selectFrom('networks').select('id').where('id', '=', networkId).executeTakeFirst();
      if (!net) throw NetworkNotFound({ id: networkId });
      const bound = await trx.selectFrom('networkdhcpagentbindings').select('dhcp_agent_id').where('network_id', '=', networkId).where('dhcp_agent_id', '=', agentId).executeTakeFirst();
      if (bound) throw NetworkHostedByDHCPAgent({ network_id: networkId, agent_id: agentId });
      await trx.insertInto('networkdhcpagentbindings').values({ network_id: networkId, dhcp_agent_id: agentId }).execute();
      return a;
    });
    this.s.log.info(
      { event: 'dhcp.network_add', network_id: networkId, agent_id: agentId, host: agent.host, request_id: ctx.requestId },
      `network ${networkId} added to the DHCP agent on ${agent.host}`,
    );
    this.notifier.networkAdded(networkId, [agent.host]);
  }

  /** DELETE /v2.0/agents/{id}/dhcp-networks/{network_id}: the agent stops serving it; its DHCP port goes. */
  async remove(ctx: RequestContext, agentId: string, networkId: string): Promise<void> {
    const agent = await inTransaction(this.s.db, async (trx) => {
      const a = await trx.selectFrom('agents').selectAll().where('id', '=', agentId).executeTakeFirst();
      if (!a) throw AgentNotFound({ id: agentId });
      if (a.agent_type !== AGENT_TYPE_DHCP) throw InvalidDHCPAgent({ id: agentId });
      const r = await trx.deleteFrom('networkdhcpagentbindings').where('network_id', '=', networkId).where('dhcp_agent_id', '=', agentId).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw NetworkNotHostedByDhcpAgent({ network_id: networkId, agent_id: agentId });
      return a;
    });
    this.s.log.info(
      { event: 'dhcp.network_remove', network_id: networkId, agent_id: agentId, host: agent.host, request_id: ctx.requestId },
      `network ${networkId} removed from the DHCP agent on ${agent.host}`,
    );
    this.notifier.networkRemoved(networkId, [agent.host]);
    await this.deleteDhcpPorts(networkId, agent.host);
  }

  private async deleteDhcpPorts(networkId: string, host: string): Promise<void> {
    const ports = await this.s.db.kysely
      .selectFrom('ports as p')
      .innerJoin('ml2_port_bindings as b', 'b.port_id', 'p.id')
      .select(['p.id', 'p.project_id'])
      .where('p.network_id', '=', networkId)
      .where('p.device_owner', '=', DEVICE_OWNER_DHCP)
      .where('b.host', '=', host)
      .execute();
    for (const p of ports) await this.ports.delete(adminContext(p.project_id, 'dhcp-failover'), p.id, null, ALLOW_ALL).catch(() => undefined);
  }

  /**
   * Networks of DHCP agents that stopped reporting go to live agents. Nothing moves when no
   * DHCP agent is alive at all: then the server, not the agents, is the likelier culprit.
   */
  async failover(): Promise<{ network_id: string; from: string; to: string | null }[]> {
    const k = this.s.db.kysely;
    const all = await k.selectFrom('agents').selectAll().where('agent_type', '=', AGENT_TYPE_DHCP).execute();
    const now = Date.now();
    const dead = all.filter((a) => !this.agents.isAlive(a, now));
    if (!dead.length || dead.length === all.length) return [];
    const moved: { network_id: string; from: string; to: string | null }[] = [];
    const deadBindings = await k
      .selectFrom('networkdhcpagentbindings')
      .selectAll()
      .where(
        'dhcp_agent_id',
        'in',
        dead.map((a) => a.id),
      )
      .execute();
    for (const b of deadBindings) {
      const from = dead.find((a) => a.id === b.dhcp_agent_id)!;
      const to = await inTransaction(this.s.db, async (trx) => {
        const r = await trx.deleteFrom('networkdhcpagentbindings').where('network_id', '=', b.network_id).where('dhcp_agent_id', '=', b.dhcp_agent_id).executeTakeFirst();
        if (Number(r.numDeletedRows) === 0) return undefined; // another server moved it
        const hosting = (await trx.selectFrom('networkdhcpagentbindings').select('dhcp_agent_id').where('network_id', '=', b.network_id).execute()).map((x) => x.dhcp_agent_id);
        const want = this.s.config.int('DEFAULT', 'dhcp_agents_per_network') - hosting.length;
        const [chosen] = await this.scheduler.choose(trx, Math.min(want, 1), [...hosting, ...dead.map((a) => a.id)], () => this.scheduler.zonesOf(trx, b.network_id));
        if (chosen) await trx.insertInto('networkdhcpagentbindings').values({ network_id: b.network_id, dhcp_agent_id: chosen.id }).execute();
        return chosen ?? null;
      });
      if (to === undefined) continue;
      this.s.log.warn(
        { event: 'dhcp.failover', network_id: b.network_id, from_agent: from.id, from_host: from.host, to_agent: to?.id ?? null, to_host: to?.host ?? null },
        `network ${b.network_id} moved off the dead DHCP agent on ${from.host}${to ? ` to ${to.host}` : ' (no live agent to take it)'}`,
      );
      this.notifier.networkRemoved(b.network_id, [from.host]);
      await this.deleteDhcpPorts(b.network_id, from.host);
      if (to) this.notifier.networkAdded(b.network_id, [to.host]);
      moved.push({ network_id: b.network_id, from: from.host, to: to?.host ?? null });
    }
    return moved;
  }

  /** Runs failover every agent_down_time/2 seconds (allow_automatic_dhcp_failover). */
  startFailover(): void {
    if (!this.s.config.bool('DEFAULT', 'allow_automatic_dhcp_failover') || this.timer) return;
    const every = (this.s.config.int('DEFAULT', 'agent_down_time') * 1000) / 2;
    this.timer = setInterval(() => {
      this.failover().catch((err: Error) => this.s.log.error({ event: 'dhcp.failover_failed', err: err.message }, 'DHCP failover check failed'));
    }, every);
    this.timer.unref?.();
  }

  stopFailover(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** A list query for exactly these ids, by id. */
function byIds(ids: string[]): ListQuery {
  return { filters: new Map([['id', ids]]), fields: null, sorts: [{ key: 'id', dir: 'asc' }], limit: null, marker: null, pageReverse: false };
}
