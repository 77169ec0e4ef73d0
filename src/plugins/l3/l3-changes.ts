// What one L3 transaction changed that agents must hear of: collected inside the transaction
// (a retried transaction starts a fresh collection) and announced once it committed — ports
// first, so the L2 agents wire what the L3 agent is about to plug.
import type { Db } from '../../db/connection.js';
import type { PortEvent } from '../ml2/mech/mechanism-driver.js';
import type { ServicePortOps } from '../ml2/service-ports.js';
import type { L3Notifier } from './l3-notifier.js';

export class L3Changes {
  /** routers whose agent should fetch them again */
  readonly routersUpdated = new Set<string>();
  readonly routersDeleted: { routerId: string; host: string }[] = [];
  readonly addedToAgent: { routerId: string; host: string }[] = [];
  readonly removedFromAgent: { routerId: string; host: string }[] = [];
  /** ports made or rebound, with their state before (null: new) */
  readonly portsChanged = new Map<string, PortEvent | null>();
  readonly portsRemoved: { before: PortEvent | null; portId: string; networkId: string }[] = [];

  portChanged(portId: string, before: PortEvent | null): void {
    // the first state seen in the transaction is the one agents knew
    if (!this.portsChanged.has(portId)) this.portsChanged.set(portId, before);
  }
}

export class L3Announcer {
  constructor(
    private readonly db: Db,
    private readonly ports: ServicePortOps,
    private readonly notifier: L3Notifier,
  ) {}

  async announce(c: L3Changes): Promise<void> {
    const removed = new Set(c.portsRemoved.map((p) => p.portId));
    for (const p of c.portsRemoved) await this.ports.announceRemoved(p.before, p.portId, p.networkId);
    const changed = [...c.portsChanged.keys()].filter((id) => !removed.has(id));
    await this.ports.announce(changed, c.portsChanged);

    for (const r of c.removedFromAgent) this.notifier.routerRemovedFromAgent(r.host, r.routerId);
    const deleted = new Set(c.routersDeleted.map((r) => r.routerId));
    for (const r of c.routersDeleted) this.notifier.routerDeleted(r.host, r.routerId);
    const added = new Set<string>();
    for (const [host, ids] of byHost(c.addedToAgent)) {
      this.notifier.routerAddedToAgent(host, ids);
      ids.forEach((id) => added.add(id));
    }
    const updated = [...c.routersUpdated].filter((id) => !deleted.has(id) && !added.has(id));
    if (!updated.length) return;
    const hosts = await this.db.kysely
      .selectFrom('routerl3agentbindings as b')
      .innerJoin('agents as a', 'a.id', 'b.l3_agent_id')
      .select(['b.router_id', 'a.host'])
      .where('b.router_id', 'in', updated)
      .execute();
    for (const [host, ids] of byHost(hosts.map((h) => ({ routerId: h.router_id, host: h.host })))) this.notifier.routersUpdated(host, ids);
  }
}

function byHost(rows: { routerId: string; host: string }[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const r of rows) m.set(r.host, [...(m.get(r.host) ?? []), r.routerId]);
  return m;
}
