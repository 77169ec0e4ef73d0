// The L3 agent (Neutron's L3NATAgent, legacy mode, event-driven): the server's casts on topic
// l3_agent become router passes in a RouterQueue; a full sync on start, reconnect and revival
// asks for every router id of the host, fetches them in chunks and converges each router's
// namespace; namespaces of routers that are no longer here are removed.
import type { Logger } from 'pino';
import { AGENT_TYPE_L3 } from '../../contract/agent-types.js';
import { idOfServiceNamespace, serviceNamespacePrefix } from '../../contract/device-names.js';
import type { FloatingIpStatus, SyncRouter } from '../../contract/l3.js';
import { L3_AGENT } from '../../contract/topics.js';
import { AUDIT, CHECK_HOPS, TRACE_L3, type AuditArgs, type CheckHopsArgs, type Drift } from '../../contract/trace.js';
import { DriftAudit, type AuditFindings } from '../drift-audit.js';
import { listNamespaces } from '../../linux/netns.js';
import type { Bus } from '../../rpc/bus.js';
import { AgentCore } from '../agent-core.js';
import { L3PluginApi } from './l3-plugin-api.js';
import { l3Checks } from './kernel-checks.js';
import { RouterDataplane, type RouterAuditCount } from './router-dataplane.js';
import { RouterQueue } from './router-queue.js';
import { planRouter } from './router-plan.js';
import { METADATA_ROUTER_PROXY_PORT } from '../../contract/metadata.js';
import type { MetadataProxies } from '../metadata-proxy/metadata-proxies.js';
import type { L3AgentExtension } from './extensions/l3-extension.js';
import type { RouterAdvertisements } from './router-advertisements.js';
import type { VrrpRouters, VrrpState } from './ha/vrrp-routers.js';
import { deleteConntrack } from '../../linux/conntrack.js';
import type { InterfaceDriver } from '../service-ports/interface-driver.js';

export const L3_AGENT_BINARY = 'neutrino-l3-agent';

export interface L3AgentOptions {
  bus: Bus;
  log: Logger;
  host: string;
  /** '' = the real host */
  hostNamespace: string;
  reportInterval: number;
  /** [agent] availability_zone */
  availabilityZone?: string;
  /** routers processed at once (default 16: a cold full sync waits on namespace creation and nft commits more than on the CPU) */
  concurrency?: number;
  /** routers per sync_routers call in a full sync (Neutron's sync_routers_chunk_size, default 64) */
  syncChunkSize?: number;
  /** [DEFAULT] enable_metadata_proxy: a haproxy per router namespace, 169.254.169.254:80 redirected to it */
  metadataProxies?: MetadataProxies;
  /** [agent] extensions of the L3 agent, built (extensions/registry.ts) */
  extensions?: L3AgentExtension[];
  /** [agent] audit_interval: seconds between drift audits that repair what they find (0: none) */
  auditInterval?: number;
  /** radvd per router for IPv6 subnets with ipv6_ra_mode (router-advertisements.ts) */
  routerAdvertisements?: RouterAdvertisements;
  /** l3-ha: keepalived per HA router (ha/vrrp-routers.ts); absent: HA routers are refused */
  vrrp?: VrrpRouters;
  /** [DEFAULT] interface_driver (none: linuxbridge) */
  interfaceDriver?: InterfaceDriver;
}

interface RouterStats {
  gateway: boolean;
  interfaces: number;
  floatingIps: number;
  /** floating IP ids applied last, for DOWN when they go */
  fipIds: Set<string>;
}

export class L3Agent {
  readonly core: AgentCore;
  readonly rpc: L3PluginApi;
  readonly dataplane: RouterDataplane;
  private readonly queue: RouterQueue;
  private readonly routers = new Map<string, RouterStats>();
  private readonly log: Logger;
  private readonly extensions: L3AgentExtension[];
  readonly audits: DriftAudit;
  /** routers whose NAT table the audit found changed: the next pass replaces it whole */
  private readonly natSuspect = new Set<string>();
  /** l3-ha: HA routers this process last applied as master */
  private readonly haMasters = new Set<string>();

  constructor(private readonly o: L3AgentOptions) {
    this.log = o.log;
    this.extensions = o.extensions ?? [];
    this.audits = new DriftAudit({ host: () => o.host, agentType: AGENT_TYPE_L3, log: o.log, inspect: (repair) => this.inspect(repair) });
    this.rpc = new L3PluginApi(o.bus, o.host);
    this.dataplane = new RouterDataplane({ hostNamespace: o.hostNamespace, log: o.log, interfaceDriver: o.interfaceDriver });
    const chunk = o.syncChunkSize ?? 64;
    this.queue = new RouterQueue({
      concurrency: o.concurrency ?? 16,
      chunkSize: chunk,
      gatherMs: 2,
      fetch: (ids) => this.rpc.syncRouters(ids),
      process: (id, router) => this.processRouter(id, router),
      log: o.log,
    });
    this.core = new AgentCore({
      bus: o.bus,
      log: o.log,
      host: o.host,
      agentType: AGENT_TYPE_L3,
      binary: L3_AGENT_BINARY,
      topic: L3_AGENT,
      reportInterval: o.reportInterval,
      availabilityZone: o.availabilityZone,
      configurations: () => this.configurations(),
      resync: () => this.fullSync(),
      listen: {
        [L3_AGENT]: {
          routers_updated: (a: { routers?: string[] }) => this.updated(a.routers ?? []),
          router_deleted: (a: { router_id: string }) => void this.queue.push(a.router_id, null),
          router_added_to_agent: (a: { payload?: string[] }) => this.updated(a.payload ?? []),
          router_removed_from_agent: (a: { payload?: { router_id: string } }) => {
            if (a.payload?.router_id) void this.queue.push(a.payload.router_id, null);
          },
        },
        // `neutrino trace`: what this host's router namespaces hold (kernel-checks.ts)
        [TRACE_L3]: {
          [CHECK_HOPS]: (a: CheckHopsArgs) => l3Checks((id) => this.dataplane.namespaceOf(id), Array.isArray(a?.checks) ? a.checks : []),
          [AUDIT]: (a: AuditArgs) => this.audits.run(a?.repair === true),
        },
        ...Object.assign({}, ...this.extensions.map((e) => e.listen ?? {})),
      },
    });
  }

  configurations(): Record<string, unknown> {
    let gw = 0;
    let ifs = 0;
    let fips = 0;
    for (const r of this.routers.values()) {
      gw += r.gateway ? 1 : 0;
      ifs += r.interfaces;
      fips += r.floatingIps;
    }
    return {
      agent_mode: 'legacy',
      routers: this.routers.size,
      ex_gw_ports: gw,
      interfaces: ifs,
      floating_ips: fips,
      interface_driver: 'linuxbridge',
      handle_internal_only_routers: true,
      log_agent_heartbeats: false,
      host_namespace: this.o.hostNamespace,
      enable_metadata_proxy: this.o.metadataProxies !== undefined,
      extensions: this.extensions.map((e) => e.name),
      ...Object.fromEntries(this.extensions.filter((e) => e.configurations).map((e) => [e.name, e.configurations?.()])),
      audit: { ...this.audits.counters },
    };
  }

  async start(): Promise<void> {
    await this.core.start();
    this.audits.every(this.o.auditInterval ?? 0);
  }

  /** Each router this process applied against its namespace; a router with drift gets a pass
   *  through the queue (a fresh view from the server, its NAT table replaced whole when that
   *  differed) and is looked at once more. */
  private async inspect(repair: boolean): Promise<AuditFindings> {
    const checked: RouterAuditCount = { routers: 0, devices: 0, addresses: 0, routes: 0, nft_elements: 0, nft_chains: 0 };
    const drifts: Drift[] = [];
    let busy = 0;
    await Promise.all(
      this.dataplane.appliedRouters().map(async (id) => {
        // a router with a pass queued or under way is being converged: its state is in motion
        if (this.queue.has(id)) {
          busy++;
          return;
        }
        let found = await this.dataplane.inspect(id, checked).catch((err: Error) => [{ kind: 'qrouter', object: id, detail: `could not be read: ${err.message}`, repaired: false }]);
        if (repair && found.length) {
          if (found.some((d) => d.kind.startsWith('nft_'))) this.natSuspect.add(id);
          await this.queue.push(id);
          const scratch: RouterAuditCount = { routers: 0, devices: 0, addresses: 0, routes: 0, nft_elements: 0, nft_chains: 0 };
          const still = new Set((await this.dataplane.inspect(id, scratch).catch(() => found)).map((d) => `${d.kind} ${d.object} ${d.detail}`));
          found = found.map((d) => ({ ...d, repaired: !still.has(`${d.kind} ${d.object} ${d.detail}`) }));
        }
        drifts.push(...found);
      }),
    );
    drifts.sort((a, b) => `${a.kind} ${a.object}`.localeCompare(`${b.kind} ${b.object}`));
    const notAudited = ['conntrack entries', 'metadata proxies', 'routers this process has not applied'];
    if (busy) notAudited.push(`${busy} router(s) being processed now (the next audit looks at them)`);
    return { drifts, checked, not_audited: notAudited };
  }

  /** l3-ha: keepalived changed state here: the server hears it, the router gets a pass (NAT, extensions and RAs follow the master). */
  haStateChanged(id: string, state: VrrpState): void {
    const ha = state === 'master' ? 'active' : 'standby';
    void this.rpc
      .updateHaRoutersStates({ [id]: ha })
      .catch((err: Error) => this.log.warn({ event: 'l3_ha.report_failed', router_id: id, err: err.message }, 'could not report the HA state; the next pass reports it'));
    void this.queue.push(id);
  }

  private updated(ids: string[]): void {
    for (const id of ids) void this.queue.push(id);
  }

  /** Every router of the host, fetched in chunks; stale namespaces and routers go. */
  async fullSync(): Promise<void> {
    const ids = await this.rpc.getRouterIds();
    const wanted = new Set(ids);
    const passes: Promise<void>[] = [];
    const gone = new Set<string>();
    for (const ns of listNamespaces(serviceNamespacePrefix('qrouter', this.o.hostNamespace))) {
      const id = idOfServiceNamespace('qrouter', ns, this.o.hostNamespace);
      if (id && !wanted.has(id) && !id.includes('.')) gone.add(id);
    }
    for (const id of this.routers.keys()) if (!wanted.has(id)) gone.add(id);
    for (const id of this.o.metadataProxies?.known() ?? []) if (!wanted.has(id)) gone.add(id);
    for (const id of this.o.routerAdvertisements?.known() ?? []) if (!wanted.has(id)) gone.add(id);
    for (const id of this.o.vrrp?.known() ?? []) if (!wanted.has(id)) gone.add(id);
    for (const id of gone) passes.push(this.queue.push(id, null));
    const chunk = this.o.syncChunkSize ?? 64;
    for (let i = 0; i < ids.length; i += chunk) {
      const part = ids.slice(i, i + chunk);
      const routers = await this.rpc.syncRouters(part);
      const got = new Map(routers.map((r) => [r.id, r]));
      for (const id of part) passes.push(this.queue.push(id, got.get(id) ?? null));
    }
    await Promise.all(passes);
    for (const e of this.extensions) await e.synced?.(ids);
  }

  /** Routers to redo, asked for by an extension (its service plugin's cast). */
  routersUpdated(ids: string[]): void {
    this.updated(ids);
  }

  private async processRouter(id: string, router: SyncRouter | null): Promise<void> {
    const t0 = performance.now();
    if (!router || router.admin_state_up === false) {
      // Neutron's server leaves admin-down routers out of sync_routers: the agent removes them
      const known = this.routers.get(id);
      this.routers.delete(id);
      // the proxy first: a process left in the namespace would keep it alive
      await this.o.metadataProxies?.remove(id);
      await this.o.routerAdvertisements?.remove(id);
      await this.o.vrrp?.remove(id);
      this.haMasters.delete(id);
      for (const e of this.extensions) await e.routerDeleted(id, this.dataplane.namespaceOf(id));
      const removed = await this.dataplane.remove(id);
      if (known?.fipIds.size) await this.reportStatuses(id, Object.fromEntries([...known.fipIds].map((f) => [f, 'DOWN' as const])));
      if (removed || known) this.log.info({ event: 'l3.router_removed', router_id: id, ms: ms(t0) }, `router ${id} removed`);
      return;
    }
    if (router.ha && !this.o.vrrp) throw new Error(`router ${id} is HA, but this agent has no keepalived (apt-get install keepalived)`);
    const master = router.ha ? this.o.vrrp!.stateOf(id) === 'master' : true;
    const plan = planRouter(router, { master });
    if (this.o.metadataProxies) plan.nat.metadataPort = METADATA_ROUTER_PROXY_PORT;
    const prev = this.routers.get(id);
    const fipIds = new Set(plan.floatingIps.map((f) => f.id));
    const statuses: Record<string, FloatingIpStatus> = {};
    for (const f of plan.floatingIps) if (f.status !== 'ACTIVE') statuses[f.id] = 'ACTIVE';
    // an HA router's floating IPs are the master's to report
    const reports = master;
    // floating IPs of the router the server no longer lists on it (disassociated) and that this
    // agent had applied: DOWN (an unassociated one is left out of _floatingips)
    if (reports) for (const f of router._floatingips) if (!fipIds.has(f.id) && f.status !== 'DOWN') statuses[f.id] = 'DOWN';
    if (reports) for (const f of prev?.fipIds ?? []) if (!fipIds.has(f) && !(f in statuses)) statuses[f] = 'DOWN';
    let result;
    try {
      // the statuses go out as soon as the NAT rules are in, not after the clean-up
      const replaceNat = this.natSuspect.delete(id);
      result = await this.dataplane.apply(
        plan,
        async () => {
          if (Object.keys(statuses).length) await this.reportStatuses(id, statuses);
        },
        { replaceNat },
      );
    } catch (err) {
      const failed = Object.fromEntries(plan.floatingIps.map((f) => [f.id, 'ERROR' as const]));
      if (plan.floatingIps.length) await this.reportStatuses(id, failed);
      throw err;
    }
    const ns = this.dataplane.namespaceOf(id);
    if (plan.ha) {
      // keepalived after the devices exist (it refuses a config naming a missing one)
      const k = await this.o.vrrp!.ensure({ routerId: id, vrid: plan.ha.vrid, haDev: plan.ha.haDev, addresses: plan.ha.addresses, routes: plan.ha.routes }, ns);
      if (k !== 'kept') result.changes++;
      if (master && !this.haMasters.has(id)) {
        // new master: flows tracked while it was standby (un-NATed) go, so they take the NAT
        await deleteConntrack(ns, [{ family: 'ipv4' }]).catch(() => undefined);
        this.haMasters.add(id);
      }
      if (!master) this.haMasters.delete(id);
    }
    const proxy = await this.o.metadataProxies?.ensure(id, ns, `0.0.0.0:${METADATA_ROUTER_PROXY_PORT}`);
    if (proxy && proxy !== 'kept') result.changes++;
    // RAs and the extensions (QoS, metering, VPN, port forwarding …) run where the router is
    // master (every legacy router is); a standby's extensions are told the router left
    const ra = master ? await this.o.routerAdvertisements?.ensure(router, ns) : (await this.o.routerAdvertisements?.remove(id)) ? 'stopped' : 'none';
    if (ra && ra !== 'kept' && ra !== 'none') result.changes++;
    for (const e of this.extensions) {
      if (master) await e.routerUpdated({ router, namespace: ns });
      else await e.routerDeleted(id, ns);
    }
    this.routers.set(id, { gateway: !!router.gw_port, interfaces: router._interfaces.length, floatingIps: fipIds.size, fipIds });
    this.log.info(
      { event: 'l3.router_processed', router_id: id, changes: result.changes, ...result.timings, announced: result.announced, forgotten: result.forgotten, ms: ms(t0) },
      `router ${id}: ${result.changes} change(s)`,
    );
  }

  private async reportStatuses(id: string, statuses: Record<string, FloatingIpStatus>): Promise<void> {
    try {
      await this.rpc.updateFloatingIpStatuses(id, statuses);
    } catch (err) {
      this.log.warn({ event: 'l3.fip_status_failed', router_id: id, err: (err as Error).message }, 'could not report floating IP statuses; the next pass reports them again');
    }
  }

  /** Resolves when no router pass is waiting or running (tests, benches). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  async stop(): Promise<void> {
    await this.audits.stop();
    await this.queue.close();
    await this.core.stop();
    for (const e of this.extensions) await e.stop?.();
    // keepalived keeps running: a restarted agent adopts it (the router stays master)
    this.o.vrrp?.close();
    await this.dataplane.close();
  }
}

const ms = (t0: number): number => Math.round((performance.now() - t0) * 10) / 10;
