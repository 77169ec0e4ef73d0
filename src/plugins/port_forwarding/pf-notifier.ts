// After commit: the L3 agents hosting the routers hear that their forwardings changed (their
// port_forwarding extension fetches them and changes its nft map in one transaction), and a
// router whose set of forwarded floating IPs changed gets routers_updated, so its agent adds
// or removes the address on qg-. Fire and forget, as every server → agent cast: a lost cast is
// repaired by the agent's next full sync.
import type { Logger } from 'pino';
import { PORT_FORWARDING_AGENT, PORT_FORWARDINGS_UPDATED } from '../../contract/port-forwarding.js';
import { onHost } from '../../contract/topics.js';
import type { Db } from '../../db/connection.js';
import type { Bus } from '../../rpc/bus.js';
import { L3Notifier } from '../l3/l3-notifier.js';

export class PortForwardingNotifier {
  private readonly l3: L3Notifier;

  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly log: Logger,
  ) {
    this.l3 = new L3Notifier(bus, log);
  }

  /** `routers`: whose forwardings changed; `addressesChanged`: whose forwarded floating IPs changed. */
  async changed(routers: string[], addressesChanged: string[]): Promise<void> {
    const ids = [...new Set([...routers, ...addressesChanged])];
    if (!ids.length) return;
    const hosts = await this.db.kysely
      .selectFrom('routerl3agentbindings as b')
      .innerJoin('agents as a', 'a.id', 'b.l3_agent_id')
      .select(['b.router_id', 'a.host'])
      .where('b.router_id', 'in', ids)
      .execute();
    const byHost = new Map<string, string[]>();
    for (const h of hosts) byHost.set(h.host, [...(byHost.get(h.host) ?? []), h.router_id]);
    for (const [host, mine] of byHost) {
      const pf = mine.filter((r) => routers.includes(r));
      if (pf.length) {
        const topic = onHost(PORT_FORWARDING_AGENT, host);
        this.bus.cast(topic, PORT_FORWARDINGS_UPDATED, { routers: pf }).then(
          () => this.log.debug({ event: 'rpc.notify', topic, method: PORT_FORWARDINGS_UPDATED, routers: pf }, `sent ${PORT_FORWARDINGS_UPDATED} to ${host}`),
          (err: Error) => this.log.warn({ event: 'rpc.notify_failed', topic, method: PORT_FORWARDINGS_UPDATED, err: err.message }, `could not send ${PORT_FORWARDINGS_UPDATED} to ${host}`),
        );
      }
      this.l3.routersUpdated(
        host,
        mine.filter((r) => addressesChanged.includes(r)),
      );
    }
  }
}
