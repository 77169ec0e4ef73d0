// What changed, for the dashboard's event streams: the callback registry's after_* events of
// the resources the page draws, carried as bare (resource, id) hints on a bus fanout so that
// every API worker and every server behind the load balancer hears the changes made by the
// others (api_workers > 1). A hint carries no attributes: each stream reads the object again
// as its own caller (src/dashboard/event-stream.ts), so policy is applied where it is shown.
// Agent liveness has no event (an agent dies by going quiet): each process reads the agents
// table while a stream is open and reports the rows whose liveness changed.
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Db } from '../db/connection.js';
import type { CallbackRegistry } from '../plugins/callbacks/registry.js';
import type { Bus, Consumer } from '../rpc/bus.js';

/** The fanout topic every server process consumes. */
export const DASHBOARD_TOPIC = 'neutrino-dashboard';
const METHOD = 'resources_changed';

/** What the page draws, by the collection path the API serves it at. */
export const COLLECTIONS = {
  network: 'networks',
  subnet: 'subnets',
  port: 'ports',
  router: 'routers',
  floatingip: 'floatingips',
  agent: 'agents',
} as const;
export type DrawnResource = keyof typeof COLLECTIONS;

export interface ChangeHint {
  resource: DrawnResource;
  id: string;
}

export type ChangeListener = (hints: ChangeHint[]) => void;

export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();
  private consumer: Consumer | null = null;
  private outgoing: ChangeHint[] = [];
  private flushScheduled = false;
  private agentTimer: NodeJS.Timeout | null = null;
  /** agent id → "host alive" as last seen, while a stream is open */
  private agentSeen: Map<string, string> | null = null;

  constructor(
    private readonly s: { bus: Bus; db: Db; config: Config; log: Logger; callbacks: CallbackRegistry },
    private readonly agentPollMs = 2000,
  ) {}

  /** Subscribes to the registry and consumes the fanout. */
  async start(): Promise<void> {
    const cb = this.s.callbacks;
    const name = 'dashboard-feed';
    const hint = (resource: DrawnResource, ids: string[]) => this.publish(ids.map((id) => ({ resource, id })));
    cb.subscribe(
      'network',
      'after_create',
      (p) =>
        hint(
          'network',
          p.networks.map((n) => n.id),
        ),
      { name },
    );
    cb.subscribe('network', 'after_update', (p) => hint('network', [p.network.id]), { name });
    cb.subscribe('network', 'after_delete', (p) => hint('network', [p.networkId]), { name });
    cb.subscribe(
      'subnet',
      'after_create',
      (p) =>
        hint(
          'subnet',
          p.subnets.map((x) => x.row.id),
        ),
      { name },
    );
    cb.subscribe('subnet', 'after_update', (p) => hint('subnet', [p.after.id]), { name });
    cb.subscribe('subnet', 'after_delete', (p) => hint('subnet', [p.subnetId]), { name });
    cb.subscribe(
      'port',
      'after_create',
      (p) =>
        hint(
          'port',
          p.ports.map((x) => String(x.id)),
        ),
      { name },
    );
    cb.subscribe(
      'port',
      'after_update',
      (p) =>
        hint(
          'port',
          p.ports.map((x) => String(x.id)),
        ),
      { name },
    );
    cb.subscribe('port', 'after_status_change', (p) => hint('port', [p.portId]), { name });
    cb.subscribe('port', 'after_delete', (p) => hint('port', [p.portId]), { name });
    for (const e of ['after_create', 'after_update', 'after_delete'] as const) {
      cb.subscribe('router', e, (p) => hint('router', p.ids), { name });
      cb.subscribe('floatingip', e, (p) => hint('floatingip', p.ids), { name });
    }
    this.consumer = await this.s.bus.consume(DASHBOARD_TOPIC, { [METHOD]: (a: { hints: ChangeHint[] }) => this.deliver(a.hints) }, { fanout: true, shared: false });
  }

  async stop(): Promise<void> {
    this.stopAgentPoll();
    this.listeners.clear();
    await this.consumer?.stop();
    this.consumer = null;
  }

  /** A stream opened: it hears every hint until it calls the returned function. */
  listen(l: ChangeListener): () => void {
    this.listeners.add(l);
    if (this.listeners.size === 1) this.startAgentPoll();
    return () => {
      this.listeners.delete(l);
      if (this.listeners.size === 0) this.stopAgentPoll();
    };
  }

  /**
   * Not awaited by the publisher: a bus that is down must not fail the API request. The hints
   * of one turn of the event loop go as one message, so a busy write path pays one publish per
   * turn rather than one per change.
   */
  private publish(hints: ChangeHint[]): void {
    if (!hints.length) return;
    this.outgoing.push(...hints);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const batch = this.outgoing;
      this.outgoing = [];
      this.s.bus.fanout(DASHBOARD_TOPIC, METHOD, { hints: batch }).catch((err: Error) => {
        this.s.log.warn({ event: 'dashboard.publish_failed', err: err.message, hints: batch.length }, 'could not publish changes to the dashboard streams');
      });
    });
  }

  private deliver(hints: ChangeHint[]): void {
    if (!Array.isArray(hints)) return;
    const valid = hints.filter((h) => h && typeof h.id === 'string' && Object.hasOwn(COLLECTIONS, h.resource));
    for (const l of this.listeners) l(valid);
  }

  private startAgentPoll(): void {
    this.agentSeen = null;
    const poll = () => {
      this.pollAgents()
        .catch((err: Error) => this.s.log.warn({ event: 'dashboard.agent_poll_failed', err: err.message }, 'could not read the agents for the dashboard'))
        .finally(() => {
          if (this.listeners.size) this.agentTimer = setTimeout(poll, this.agentPollMs);
        });
    };
    poll();
  }

  private stopAgentPoll(): void {
    if (this.agentTimer) clearTimeout(this.agentTimer);
    this.agentTimer = null;
  }

  private async pollAgents(): Promise<void> {
    const rows = await this.s.db.kysely.selectFrom('agents').select(['id', 'host', 'heartbeat_timestamp', 'admin_state_up']).execute();
    const downMs = this.s.config.int('DEFAULT', 'agent_down_time') * 1000;
    const now = Date.now();
    const next = new Map<string, string>();
    for (const r of rows) {
      const heartbeat = Date.parse(`${String(r.heartbeat_timestamp).replace(' ', 'T')}Z`);
      next.set(r.id, `${r.host} ${now - heartbeat <= downMs} ${r.admin_state_up}`);
    }
    const before = this.agentSeen;
    this.agentSeen = next;
    if (!before) return;
    const changed = [...next].filter(([id, v]) => before.get(id) !== v).map(([id]) => id);
    const gone = [...before.keys()].filter((id) => !next.has(id));
    // local listeners only: every process polls for its own streams
    this.deliver([...changed, ...gone].map((id) => ({ resource: 'agent', id })));
  }
}
