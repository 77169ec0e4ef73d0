// What every agent shares: it says who it is (report_state every report_interval), listens
// to its topics, and resyncs everything — on start, after the bus reconnects, and when the
// server says it had been considered dead — because a missed fanout is otherwise lost.
import type { Logger } from 'pino';
import type { Bus, Consumer, Endpoints } from '../rpc/bus.js';
import { PluginApi } from './plugin-api.js';

export interface AgentIdentity {
  agentType: string;
  binary: string;
  /** the topic the agent serves (Neutron's: N/A for L2 agents, dhcp_agent, l3_agent) */
  topic: string;
  host: string;
}

export interface AgentCoreOptions extends AgentIdentity {
  bus: Bus;
  log: Logger;
  /** seconds between heartbeats; 0: none after the first */
  reportInterval: number;
  /** [agent] availability_zone: DHCP and L3 agents report one (Neutron's AZ extension); L2 agents none */
  availabilityZone?: string;
  configurations: () => Record<string, unknown>;
  /** converge everything to the server's view (must be idempotent) */
  resync: (why: string) => Promise<void>;
  /** topics → handlers, consumed as fanout plus `<topic>.<host>` */
  listen: Record<string, Endpoints>;
}

/** Starts an agent; one that fails half-way is stopped again before the error goes on. */
export async function startOrUndo<T extends { start(): Promise<void>; stop(): Promise<void> }>(agent: T): Promise<T> {
  try {
    await agent.start();
  } catch (e) {
    await agent.stop().catch(() => undefined);
    throw e;
  }
  return agent;
}

export class AgentCore {
  readonly rpc: PluginApi;
  private consumers: Consumer[] = [];
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private startFlag = true;
  private stopped = false;
  private resyncing: Promise<void> | null = null;
  private resyncAgain: string | null = null;

  constructor(private readonly o: AgentCoreOptions) {
    this.rpc = new PluginApi(o.bus, o.host, `${o.agentType}@${o.host}`);
  }

  get host(): string {
    return this.o.host;
  }

  async start(): Promise<void> {
    for (const [topic, endpoints] of Object.entries(this.o.listen)) {
      this.consumers.push(await this.o.bus.consume(topic, endpoints, { host: this.o.host, fanout: true, shared: false }));
    }
    this.unsubscribe = this.o.bus.onReconnect(() => void this.resync('bus reconnected'));
    await this.report();
    await this.resync('agent started');
    if (this.o.reportInterval > 0) {
      this.timer = setInterval(() => void this.report(), this.o.reportInterval * 1000);
      this.timer.unref?.();
    }
    this.o.log.info({ event: 'agent.start', agent_type: this.o.agentType, host: this.o.host }, `${this.o.agentType} on ${this.o.host} started`);
  }

  /** Heartbeat; a server that had us for dead makes us resync. */
  async report(): Promise<void> {
    if (this.stopped) return;
    try {
      const status = await this.rpc.reportState({
        agent_type: this.o.agentType,
        binary: this.o.binary,
        topic: this.o.topic,
        host: this.o.host,
        configurations: this.o.configurations(),
        ...(this.o.availabilityZone ? { availability_zone: this.o.availabilityZone } : {}),
        start_flag: this.startFlag,
      });
      this.startFlag = false;
      if (status === 'revived') void this.resync('the server had considered this agent dead');
    } catch (err) {
      this.o.log.warn({ event: 'agent.report_failed', host: this.o.host, err: (err as Error).message }, 'report_state failed; will try again at the next interval');
    }
  }

  /** One resync at a time; asks made meanwhile collapse into one more pass. */
  resync(why: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.resyncing) {
      this.resyncAgain = why;
      return this.resyncing;
    }
    this.resyncing = (async () => {
      let reason: string | null = why;
      while (reason !== null && !this.stopped) {
        this.resyncAgain = null;
        const t0 = Date.now();
        try {
          await this.o.resync(reason);
          this.o.log.info({ event: 'agent.resync', host: this.o.host, why: reason, ms: Date.now() - t0 }, `full sync done (${reason})`);
        } catch (err) {
          this.o.log.error({ event: 'agent.resync_failed', host: this.o.host, why: reason, err: (err as Error).message }, 'full sync failed; it is retried at the next heartbeat or reconnect');
        }
        reason = this.resyncAgain;
      }
    })().finally(() => {
      this.resyncing = null;
    });
    return this.resyncing;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    for (const c of this.consumers.splice(0)) await c.stop().catch(() => undefined);
    await this.resyncing?.catch(() => undefined);
    this.o.log.info({ event: 'agent.stop', agent_type: this.o.agentType, host: this.o.host }, `${this.o.agentType} on ${this.o.host} stopped`);
  }
}
