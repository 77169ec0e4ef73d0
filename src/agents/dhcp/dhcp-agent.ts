// The DHCP agent (Neutron's DhcpAgent, made event-driven): a full sync on start, reconnect and
// revival (get_active_networks_info), then the server's casts on dhcp_agent.<host>, coalesced per
// network — a burst of port changes on a network is one get_network_info, one rewrite of the
// files that changed and one SIGHUP. Once dnsmasq has a port, the port's DHCP provisioning
// block is released (dhcp_ready_on_ports, batched). dnsmasq processes outlive the agent.
import type { Logger } from 'pino';
import { AGENT_TYPE_DHCP } from '../../contract/agent-types.js';
import { DEVICE_OWNER_DHCP } from '../../contract/device-owners.js';
import type { DhcpNetwork } from '../../contract/dhcp.js';
import * as topics from '../../contract/topics.js';
import type { Bus } from '../../rpc/bus.js';
import { AgentCore } from '../agent-core.js';
import { DriftAudit, type AuditFindings } from '../drift-audit.js';
import { AUDIT, TRACE_DHCP, type AuditArgs, type Drift } from '../../contract/trace.js';
import { EventQueue } from '../event-queue.js';
import { DhcpPluginApi } from './dhcp-plugin-api.js';
import { servedSubnets } from './dnsmasq-config.js';
import { NetworkDhcp, type DhcpHostSettings } from './network-dhcp.js';

export const DHCP_AGENT_BINARY = 'neutrino-dhcp-agent';

/** What happened to a network since its last handling. */
interface NetworkEvent {
  gone: boolean;
  /** ports named by the events (their provisioning waits for this agent) */
  ports: Set<string>;
}

export interface DhcpAgentOptions extends DhcpHostSettings {
  bus: Bus;
  log: Logger;
  reportInterval: number;
  /** [agent] availability_zone */
  availabilityZone?: string;
  /** networks converged at once during a full sync */
  syncConcurrency?: number;
  /** [agent] audit_interval: seconds between drift audits that repair what they find (0: none) */
  auditInterval?: number;
}

export class DhcpAgent {
  readonly core: AgentCore;
  readonly rpc: DhcpPluginApi;
  readonly networks: NetworkDhcp;
  private readonly queue: EventQueue<NetworkEvent>;
  /** networks served, as last converged */
  private readonly served = new Map<string, DhcpNetwork>();
  /** one change at a time per network: a full sync and an event batch must not both plug or start dnsmasq */
  private readonly busy = new Map<string, Promise<unknown>>();
  /** when (a counter) each network was last converged from fresh information */
  private readonly convergedAt = new Map<string, number>();
  private clock = 0;
  private readonly log: Logger;
  readonly audits: DriftAudit;

  constructor(private readonly o: DhcpAgentOptions) {
    this.log = o.log;
    this.audits = new DriftAudit({ host: () => o.host, agentType: AGENT_TYPE_DHCP, log: o.log, inspect: (repair) => this.inspect(repair) });
    this.rpc = new DhcpPluginApi(o.bus, o.host);
    this.networks = new NetworkDhcp(o, this.rpc, o.log);
    this.queue = new EventQueue((batch) => this.handle(batch), o.log, {
      merge: (older, newer) => ({ gone: newer.gone, ports: new Set([...older.ports, ...newer.ports]) }),
    });
    const net = (id: string | undefined, ports: string[] = [], gone = false) => {
      if (id) this.queue.push(id, { gone, ports: new Set(ports) });
    };
    type PortArg = { port?: { id?: string; network_id?: string } };
    this.core = new AgentCore({
      bus: o.bus,
      log: o.log,
      host: o.host,
      agentType: AGENT_TYPE_DHCP,
      binary: DHCP_AGENT_BINARY,
      topic: topics.DHCP_AGENT,
      reportInterval: o.reportInterval,
      availabilityZone: o.availabilityZone,
      configurations: () => ({
        dhcp_driver: 'dnsmasq',
        dhcp_lease_duration: o.leaseDuration,
        networks: this.served.size,
        subnets: [...this.served.values()].reduce((n, x) => n + x.subnets.length, 0),
        ports: [...this.served.values()].reduce((n, x) => n + x.ports.length, 0),
        audit: { ...this.audits.counters },
      }),
      resync: (why) => this.resync(why),
      listen: {
        [topics.DHCP_AGENT]: {
          network_create_end: (a: { network?: { id?: string } }) => net(a.network?.id),
          network_update_end: (a: { network?: { id?: string } }) => net(a.network?.id),
          network_delete_end: (a: { network_id?: string }) => net(a.network_id, [], true),
          subnet_create_end: (a: { subnet?: { network_id?: string } }) => net(a.subnet?.network_id),
          subnet_update_end: (a: { subnet?: { network_id?: string } }) => net(a.subnet?.network_id),
          subnet_delete_end: (a: { subnet_id?: string; network_id?: string }) => net(a.network_id ?? this.networkOfSubnet(a.subnet_id)),
          port_create_end: (a: PortArg) => net(a.port?.network_id, a.port?.id ? [a.port.id] : []),
          port_update_end: (a: PortArg) => net(a.port?.network_id, a.port?.id ? [a.port.id] : []),
          port_delete_end: (a: { port_id?: string; network_id?: string }) => net(a.network_id ?? this.networkOfPort(a.port_id)),
        },
        // `neutrino audit`: dnsmasq processes, host files and DHCP ports of the networks served here
        [TRACE_DHCP]: { [AUDIT]: (a: AuditArgs) => this.audits.run(a?.repair === true) },
      },
    });
  }

  private networkOfSubnet(id: string | undefined): string | undefined {
    for (const n of this.served.values()) if (n.subnets.some((s) => s.id === id)) return n.id;
    return undefined;
  }

  private networkOfPort(id: string | undefined): string | undefined {
    for (const n of this.served.values()) if (n.ports.some((p) => p.id === id)) return n.id;
    return undefined;
  }

  async start(): Promise<void> {
    await this.core.start();
    this.audits.every(this.o.auditInterval ?? 0);
  }

  /** Each served network against what this agent last converged it to; a network with drift is
   *  converged again (dnsmasq started, files rewritten and SIGHUP) and looked at once more. */
  private async inspect(repair: boolean): Promise<AuditFindings> {
    const checked = { networks: 0, files: 0, processes: 0, addresses: 0 };
    const drifts: Drift[] = [];
    await inParallel([...this.served.keys()], 8, async (id) => {
      // one change at a time per network: an event's convergence and the audit never overlap
      const found = await this.exclusive(id, async () => {
        const now = this.served.get(id);
        if (!now) return [];
        checked.networks++;
        const seen = await this.networks.inspect(now, checked).catch((err: Error) => [{ kind: 'dhcp_network', object: id, detail: `could not be read: ${err.message}`, repaired: false }]);
        if (!repair || !seen.length) return seen;
        try {
          await this.networks.converge(now);
          const still = new Set((await this.networks.inspect(now, { files: 0, processes: 0, addresses: 0 })).map((d) => `${d.kind} ${d.object}`));
          return seen.map((d) => ({ ...d, repaired: !still.has(`${d.kind} ${d.object}`) }));
        } catch (err) {
          this.log.error({ event: 'audit.repair_failed', network_id: id, err: (err as Error).message }, `could not repair DHCP of ${id}`);
          return seen;
        }
      });
      drifts.push(...found);
    });
    drifts.sort((a, b) => `${a.kind} ${a.object}`.localeCompare(`${b.kind} ${b.object}`));
    return { drifts, checked, not_audited: ['leases held by dnsmasq', 'networks this process has not served'] };
  }

  private exclusive<T>(networkId: string, work: () => Promise<T>): Promise<T> {
    const prev = this.busy.get(networkId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(work);
    this.busy.set(networkId, next);
    void next
      .catch(() => undefined)
      .finally(() => {
        if (this.busy.get(networkId) === next) this.busy.delete(networkId);
      });
    return next;
  }

  /** Everything again: the server's networks for this host converged, the rest removed. */
  private async resync(why: string): Promise<void> {
    const t0 = Date.now();
    const asked = ++this.clock;
    const nets = (await this.rpc.activeNetworks()).filter((n) => servedSubnets(n).length > 0);
    const wanted = new Set(nets.map((n) => n.id));
    let started = 0;
    let reloaded = 0;
    const ready: string[] = [];
    await inParallel(nets, this.o.syncConcurrency ?? 8, async (n) => {
      try {
        // an event handled since the question was asked saw fresher facts than this snapshot
        const r = await this.exclusive(n.id, async () => ((this.convergedAt.get(n.id) ?? 0) > asked ? null : this.networks.converge(n)));
        if (!r) return;
        this.convergedAt.set(n.id, ++this.clock);
        this.served.set(n.id, n);
        if (r.started) started++;
        if (r.reloaded) reloaded++;
        ready.push(...this.waitingPorts(n));
      } catch (err) {
        this.log.error({ event: 'dhcp.network_failed', network_id: n.id, err: (err as Error).message }, `could not serve DHCP for ${n.id}`);
      }
    });
    // a network an event brought since the question was asked is not stale
    const stale = new Set([...this.networks.present(), ...this.served.keys()].filter((id) => !wanted.has(id) && (this.convergedAt.get(id) ?? 0) <= asked));
    for (const id of stale) {
      await this.exclusive(id, async () => {
        if ((this.convergedAt.get(id) ?? 0) > asked) return;
        this.served.delete(id);
        await this.networks.teardown(id, true);
      });
    }
    if (ready.length) await this.rpc.dhcpReadyOnPorts(ready);
    this.log.info(
      { event: 'dhcp.sync', why, networks: nets.length, ports: nets.reduce((n, x) => n + x.ports.length, 0), started, reloaded, removed: stale.size, ready: ready.length, ms: Date.now() - t0 },
      `DHCP full sync: ${nets.length} network(s), ${started} dnsmasq started, ${reloaded} reloaded, ${stale.size} removed`,
    );
  }

  /** Bound ports not yet ACTIVE: they may wait for this agent's word. */
  private waitingPorts(n: DhcpNetwork): string[] {
    return n.ports.filter((p) => p.device_owner !== DEVICE_OWNER_DHCP && p.status !== 'ACTIVE' && p['binding:host_id']).map((p) => p.id);
  }

  private async handle(batch: Map<string, NetworkEvent>): Promise<void> {
    const ready: string[] = [];
    await inParallel([...batch], 8, ([id, ev]) =>
      this.exclusive(id, async () => {
        try {
          const fresh = ++this.clock;
          const n = ev.gone ? null : await this.rpc.networkInfo(id);
          if (!n || !n.admin_state_up || servedSubnets(n).length === 0) {
            if (this.served.delete(id) || this.networks.present().has(id)) await this.networks.teardown(id, n !== null);
            this.convergedAt.set(id, fresh);
            return;
          }
          await this.networks.converge(n);
          this.convergedAt.set(id, fresh);
          this.served.set(id, n);
          const known = new Set(n.ports.map((p) => p.id));
          for (const p of ev.ports) if (known.has(p)) ready.push(p);
        } catch (err) {
          this.log.error({ event: 'dhcp.network_failed', network_id: id, err: (err as Error).message }, `could not update DHCP for ${id}; the next full sync retries`);
        }
      }),
    );
    if (ready.length) await this.rpc.dhcpReadyOnPorts(ready);
  }

  /** Resolves when no event is waiting (tests, benchmarks). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops listening; dnsmasq processes keep serving leases (as Neutron's), adopted at the next start. */
  async stop(): Promise<void> {
    await this.audits.stop();
    this.queue.close();
    await this.core.stop();
  }
}

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(workers);
}
