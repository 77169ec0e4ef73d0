// The kernel side of an L2 agent (what linuxbridge and openvswitch each implement): which
// port devices exist on the host, wiring them into their networks, and the tunnel/FDB and
// firewall state the server tells it about. The shared L2 agent logic drives it.
import type { DeviceDetails, FdbEntries } from '../../contract/l2.js';
import type { SecurityGroupInfo } from '../../contract/security-groups.js';
import type { AuditReport, KernelAnswer, KernelCheck } from '../../contract/trace.js';

export interface DeviceChange {
  added: string[];
  removed: string[];
}

export interface L2Dataplane {
  /** agent_type as the server knows it, e.g. "Linux bridge agent" */
  readonly agentType: string;
  readonly binary: string;
  /** what report_state carries: mappings, tunnel types, tunneling_ip, capabilities */
  configurations(): Record<string, unknown>;
  /** port devices present on the host now */
  devices(): Promise<Set<string>>;
  /** calls back when port devices appear or go (event-driven, never a timer) */
  watch(onChange: (change: DeviceChange) => void): void;
  /** wires devices into their networks (idempotent: already wired devices are left as they are);
   *  resolves to the devices it could not wire (they are not reported up, and are retried) */
  plug(devices: DeviceDetails[]): Promise<string[]>;
  /** devices that vanished from the host: drop their firewall rules, empty bridges … */
  removed(devices: string[]): Promise<void>;
  /** at resync: presentPorts are every port wired here; removes anything stale it owns */
  cleanup(presentPorts: DeviceDetails[]): Promise<void>;
  /** applies security groups and anti-spoofing for the given ports */
  applyFirewall(info: SecurityGroupInfo): Promise<void>;
  /** full: entries are everything about their networks (a refresh); anything else there is stale */
  fdbAdd(entries: FdbEntries, full?: boolean): Promise<void>;
  fdbRemove(entries: FdbEntries): Promise<void>;
  /** `neutrino trace`: what the kernel holds for each check, in order (absent: the driver cannot tell) */
  checkKernel?(checks: KernelCheck[]): Promise<KernelAnswer[]>;
  /** `neutrino audit`: what differs from what this process applied; repair puts it right (absent: not built for the driver) */
  audit?(repair: boolean): Promise<Omit<AuditReport, 'host' | 'agent_type' | 'ms'>>;
  /** the tunnel endpoint this host uses, if it serves tunnels */
  tunnelIp(): string | null;
  close(): Promise<void>;
}
