// The L2 agent logic shared by linuxbridge and openvswitch (Neutron's CommonAgentLoop, made
// event-driven): devices appearing on the host and port fanouts from the server become
// events; a batch asks the server for the ports' details and security groups once (both at
// once), applies the filter, wires the devices, and reports them up (which makes the server
// turn them ACTIVE).
import type { Logger } from 'pino';
import { TAP_PREFIX } from '../../contract/device-names.js';
import type { DeviceDetails, FdbEntries } from '../../contract/l2.js';
import * as topics from '../../contract/topics.js';
import { AUDIT, CHECK_HOPS, TRACE_L2, type AuditArgs, type AuditReport, type CheckHopsArgs, type KernelAnswer } from '../../contract/trace.js';
import type { Bus } from '../../rpc/bus.js';
import { AgentCore } from '../agent-core.js';
import { DriftAudit } from '../drift-audit.js';
import { EventQueue } from '../event-queue.js';
import type { L2Dataplane } from './dataplane.js';
import type { L2AgentExtension } from './extensions/l2-extension.js';

type DeviceEvent = 'added' | 'removed' | 'updated' | 'firewall';

/** the queue key of "security groups changed": not a device */
const FIREWALL = '\0firewall';

export interface L2AgentOptions {
  bus: Bus;
  log: Logger;
  host: string;
  reportInterval: number;
  dataplane: L2Dataplane;
  /** [agent] audit_interval: seconds between drift audits that repair what they find (0: none) */
  auditInterval?: number;
  /** [agent] extensions of the L2 agent (qos) */
  extensions?: L2AgentExtension[];
}

export class L2Agent {
  readonly core: AgentCore;
  private readonly queue: EventQueue<DeviceEvent>;
  /** devices present on the host and known to be wired, by device name */
  private readonly wired = new Map<string, DeviceDetails>();
  private present = new Set<string>();
  private readonly retries = new Map<string, { delay: number; timer: NodeJS.Timeout }>();
  private readonly dp: L2Dataplane;
  private readonly log: Logger;
  private readonly audits: DriftAudit;

  constructor(private readonly o: L2AgentOptions) {
    this.dp = o.dataplane;
    this.log = o.log;
    this.audits = new DriftAudit({ host: () => o.host, agentType: this.dp.agentType, log: o.log, inspect: (repair) => this.dp.audit!(repair) });
    this.queue = new EventQueue((batch) => this.handle(batch), o.log, {
      // a device that came and went in one burst is gone; one that went and came back is new
      merge: (_older, newer) => newer,
    });
    this.core = new AgentCore({
      bus: o.bus,
      log: o.log,
      host: o.host,
      agentType: this.dp.agentType,
      binary: this.dp.binary,
      topic: 'N/A',
      reportInterval: o.reportInterval,
      configurations: () => ({
        ...this.dp.configurations(),
        ...((o.extensions ?? []).length ? { extensions: Object.fromEntries((o.extensions ?? []).map((e) => [e.name, e.configurations?.() ?? {}])) } : {}),
        devices: this.present.size,
        ...(this.dp.audit ? { audit: { ...this.audits.counters } } : {}),
      }),
      resync: () => this.resync(),
      listen: {
        [topics.PORT_UPDATE]: { port_update: (a: { port: { id: string; 'binding:host_id'?: string } }) => this.portUpdated(a.port) },
        [topics.PORT_DELETE]: { port_delete: (a: { port_id: string }) => this.portDeleted(a.port_id) },
        [topics.NETWORK_UPDATE]: { network_update: () => this.refreshAll() },
        [topics.NETWORK_DELETE]: { network_delete: () => this.refreshAll() },
        [topics.SECURITY_GROUP_UPDATE]: {
          security_groups_rule_updated: (a: { security_groups: string[] }) => this.groupsChanged(a.security_groups),
          security_groups_member_updated: (a: { security_groups: string[] }) => this.groupsChanged(a.security_groups),
        },
        [topics.L2POP_UPDATE]: {
          add_fdb_entries: (a: { fdb_entries: FdbEntries; refresh?: boolean }) => this.dp.fdbAdd(a.fdb_entries, a.refresh === true),
          remove_fdb_entries: (a: { fdb_entries: FdbEntries }) => this.dp.fdbRemove(a.fdb_entries),
        },
        [topics.TUNNEL_UPDATE]: { tunnel_update: () => undefined },
        [TRACE_L2]: { [CHECK_HOPS]: (a: CheckHopsArgs) => this.checkHops(a), [AUDIT]: (a: AuditArgs) => this.audit(a?.repair === true) },
        ...Object.assign({}, ...(o.extensions ?? []).map((e) => e.listen ?? {})),
      },
    });
    this.dp.watch((c) => {
      for (const d of c.added) this.queue.push(d, 'added');
      for (const d of c.removed) this.queue.push(d, 'removed');
    });
  }

  async start(): Promise<void> {
    await this.core.start();
    if (this.dp.audit) this.audits.every(this.o.auditInterval ?? 0);
  }

  /** Compares the host with what this agent applied; repairs when asked (one log line per repair). */
  async audit(repair: boolean): Promise<AuditReport> {
    if (!this.dp.audit) {
      return { host: this.core.host, agent_type: this.dp.agentType, drifts: [], checked: {}, not_audited: [`the ${this.dp.agentType} has no drift audit yet`], ms: 0 };
    }
    return this.audits.run(repair);
  }

  /** Everything again: devices on the host against the server's view; stale state removed. */
  private async resync(): Promise<void> {
    const tunnelIp = this.dp.tunnelIp();
    if (tunnelIp) await this.core.rpc.tunnelSync(tunnelIp, 'vxlan');
    this.present = await this.dp.devices();
    for (const d of [...this.wired.keys()]) if (!this.present.has(d)) this.wired.delete(d);
    const details = await this.wire([...this.present], true);
    await this.dp.cleanup(details);
  }

  /** Gets details for devices, filters and wires those bound here, reports them up. */
  private async wire(devices: string[], refreshTunnels = false): Promise<DeviceDetails[]> {
    if (!devices.length) {
      return [];
    }
    // both questions need only the device names: ask them at once
    const [{ devices: details, failed_devices }, groups] = await Promise.all([this.core.rpc.devicesDetails(devices), this.core.rpc.securityGroupInfo(devices)]);
    const bound = details.filter((d) => d.port_id);
    if (bound.length) {
      // the filter goes in before the tap joins its bridge, so a new port is never unfiltered
      const ids = new Set(bound.map((d) => d.port_id!));
      await this.dp.applyFirewall({ ...groups, devices: Object.fromEntries(Object.entries(groups.devices).filter(([id]) => ids.has(id))) });
    }
    const unwired = new Set(await this.dp.plug(bound));
    const mine = bound.filter((d) => !unwired.has(d.device));
    for (const d of unwired) this.retryLater(d);
    for (const d of mine) this.forgetRetry(d.device);
    for (const d of mine) this.wired.set(d.device, d);
    for (const e of this.o.extensions ?? []) await e.handlePorts(mine);
    const up = mine.filter((d) => d.admin_state_up !== false).map((d) => d.device);
    const down = mine.filter((d) => d.admin_state_up === false).map((d) => d.device);
    if (up.length || down.length) {
      const r = await this.core.rpc.updateDeviceList(up, down, refreshTunnels);
      if (r.failed_devices_up.length || r.failed_devices_down.length) {
        this.log.warn(
          { event: 'agent.device_report_failed', failed_up: r.failed_devices_up, failed_down: r.failed_devices_down },
          'the server could not record some devices; they are retried at the next resync',
        );
      }
    }
    if (failed_devices.length) this.log.warn({ event: 'agent.device_details_failed', devices: failed_devices }, 'the server could not give details of some devices');
    return mine;
  }

  /** A device the kernel side could not wire is tried again, backing off from 1 s to 60 s
   *  (an event-driven agent has no polling loop that would pick it up again). */
  private retryLater(device: string): void {
    const prev = this.retries.get(device);
    if (prev) clearTimeout(prev.timer);
    const delay = prev ? Math.min(prev.delay * 2, 60_000) : 1000;
    const timer = setTimeout(() => {
      if (this.present.has(device)) this.queue.push(device, 'updated');
    }, delay);
    timer.unref?.();
    this.retries.set(device, { delay, timer });
    this.log.warn({ event: 'agent.device_unwired', device, retry_in_ms: delay }, `device ${device} could not be wired; trying again in ${delay / 1000} s`);
  }

  private forgetRetry(device: string): void {
    const r = this.retries.get(device);
    if (r) {
      clearTimeout(r.timer);
      this.retries.delete(device);
    }
  }

  private async handle(batch: Map<string, DeviceEvent>): Promise<void> {
    const toWire: string[] = [];
    const gone: string[] = [];
    const vanished: string[] = [];
    let refreshFirewall = false;
    for (const [device, ev] of batch) {
      if (device === FIREWALL) {
        refreshFirewall = true;
      } else if (ev === 'removed') {
        this.present.delete(device);
        this.forgetRetry(device);
        vanished.push(device);
        if (this.wired.delete(device)) gone.push(device);
      } else {
        this.present.add(device);
        toWire.push(device);
      }
    }
    if (vanished.length) await this.dp.removed(vanished);
    if (vanished.length) for (const e of this.o.extensions ?? []) await e.deletePorts(vanished);
    if (toWire.length) await this.wire(toWire);
    if (gone.length) {
      await this.core.rpc.updateDeviceList([], gone);
      this.log.info({ event: 'agent.devices_down', devices: gone }, `${gone.length} device(s) gone`);
    }
    if (refreshFirewall) await this.refreshFirewall();
  }

  /** Rules or members of groups changed: nothing needs rewiring, only the filter. Ports with the
   *  same groups have the same rules and remote groups, so one port of each distinct set of
   *  groups is enough to ask about — the cost follows the number of group sets, not of ports
   *  (Neutron refreshes every port's filter). */
  private async refreshFirewall(): Promise<void> {
    const representatives = new Map<string, string>();
    for (const [device, d] of this.wired) {
      if (d.port_security_enabled === false) continue;
      const key = [...(d.security_groups ?? [])].sort().join(',');
      if (!representatives.has(key)) representatives.set(key, device);
    }
    if (!representatives.size) return;
    await this.dp.applyFirewall(await this.core.rpc.securityGroupInfo([...representatives.values()]));
  }

  /** The device of a port on this host, if it is present. */
  private deviceOf(portId: string): string | undefined {
    for (const d of this.present) if (d === portId || (d.startsWith(TAP_PREFIX) && portId.startsWith(d.slice(TAP_PREFIX.length)))) return d;
    return undefined;
  }

  private portUpdated(port: { id: string }): void {
    const device = this.deviceOf(port.id);
    if (device) this.queue.push(device, 'updated');
  }

  private portDeleted(portId: string): void {
    const device = this.deviceOf(portId);
    if (device) this.wired.delete(device);
  }

  private groupsChanged(_groups: string[]): void {
    // a group's rules or members matter to its own ports and to every port whose rules name
    // it as a remote group: one filter refresh (bursts coalesce into one)
    this.queue.push(FIREWALL, 'firewall');
  }

  private refreshAll(): void {
    for (const d of this.wired.keys()) this.queue.push(d, 'updated');
  }

  /** `neutrino trace` asks what this host's kernel holds for some hops. */
  private async checkHops(a: CheckHopsArgs): Promise<KernelAnswer[]> {
    const checks = Array.isArray(a?.checks) ? a.checks : [];
    if (!this.dp.checkKernel) return checks.map(() => ({ agrees: null, detail: `the ${this.dp.agentType} does not check its kernel for traces yet` }));
    return this.dp.checkKernel(checks);
  }

  /** Resolves when no event is waiting (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  async stop(): Promise<void> {
    await this.audits.stop();
    for (const d of [...this.retries.keys()]) this.forgetRetry(d);
    this.queue.close();
    await this.core.stop();
    for (const e of this.o.extensions ?? []) await e.stop?.();
    await this.dp.close();
  }
}
