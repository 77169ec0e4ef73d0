// Server → L3 agents' fwaas_v2 extension casts on firewall_agent.<host>, after commit: the
// routers whose bound groups changed, per host that hosts them. Fire and forget, as the L3
// notifier: a lost cast is repaired by the agent's next pass over the router.
import type { Logger } from 'pino';
import { FIREWALL_AGENT, FIREWALL_GROUPS_UPDATED } from '../../contract/fwaas.js';
import { onHost } from '../../contract/topics.js';
import type { Db } from '../../db/connection.js';
import type { Bus } from '../../rpc/bus.js';
import type { FwaasChanges } from './fwaas-changes.js';

export class FwaasNotifier {
  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly log: Logger,
  ) {}

  async send(changes: FwaasChanges): Promise<void> {
    const trx = this.db.kysely;
    const routers = new Set(changes.routers);
    const groups = [...changes.groups];
    if (groups.length) {
      const rows = await trx
        .selectFrom('firewall_group_port_associations_v2 as a')
        .innerJoin('routerports as rp', 'rp.port_id', 'a.port_id')
        .select('rp.router_id')
        .where('a.firewall_group_id', 'in', groups)
        .execute();
      for (const r of rows) routers.add(r.router_id);
    }
    if (!routers.size) return;
    const hosted = await trx
      .selectFrom('routerl3agentbindings as b')
      .innerJoin('agents as a', 'a.id', 'b.l3_agent_id')
      .select(['b.router_id', 'a.host'])
      .where('b.router_id', 'in', [...routers])
      .execute();
    const byHost = new Map<string, string[]>();
    for (const h of hosted) byHost.set(h.host, [...(byHost.get(h.host) ?? []), h.router_id]);
    for (const [host, routerIds] of byHost) {
      const topic = onHost(FIREWALL_AGENT, host);
      this.bus.cast(topic, FIREWALL_GROUPS_UPDATED, { router_ids: routerIds }).then(
        () => this.log.debug({ event: 'rpc.notify', topic, method: FIREWALL_GROUPS_UPDATED, router_ids: routerIds }, `sent ${FIREWALL_GROUPS_UPDATED} to ${host}`),
        (err: Error) => this.log.warn({ event: 'rpc.notify_failed', topic, err: err.message }, `could not send ${FIREWALL_GROUPS_UPDATED} to ${host}; its next router pass catches up`),
      );
    }
  }
}
