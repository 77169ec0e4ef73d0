// The kernel side of an L2 agent, kept in memory: the ML2 tier runs the real agent core and
// L2 agent logic over the real bus, and only the kernel is absent. A test "plugs" a device
// (as Nova's os-vif would) and reads back what the agent was told.
import type { L2Dataplane, DeviceChange } from '../../src/agents/l2/dataplane.js';
import type { DeviceDetails, FdbEntries } from '../../src/contract/l2.js';
import type { SecurityGroupInfo } from '../../src/contract/security-groups.js';

export class FakeDataplane implements L2Dataplane {
  readonly present = new Set<string>();
  readonly plugged = new Map<string, DeviceDetails>();
  readonly fdb: { op: 'add' | 'remove'; entries: FdbEntries; full?: boolean }[] = [];
  firewall: SecurityGroupInfo | null = null;
  private listener: ((c: DeviceChange) => void) | null = null;

  constructor(
    readonly agentType: string,
    readonly binary: string,
    private readonly config: Record<string, unknown>,
  ) {}

  configurations(): Record<string, unknown> {
    return this.config;
  }
  async devices(): Promise<Set<string>> {
    return new Set(this.present);
  }
  watch(onChange: (c: DeviceChange) => void): void {
    this.listener = onChange;
  }
  /** devices plug() refuses, as a kernel that can't wire them would */
  readonly unwirable = new Set<string>();
  async plug(devices: DeviceDetails[]): Promise<string[]> {
    for (const d of devices) if (!this.unwirable.has(d.device)) this.plugged.set(d.device, d);
    return devices.filter((d) => this.unwirable.has(d.device)).map((d) => d.device);
  }
  readonly removedDevices: string[] = [];
  async removed(devices: string[]): Promise<void> {
    this.removedDevices.push(...devices);
  }
  async cleanup(): Promise<void> {}
  async applyFirewall(info: SecurityGroupInfo): Promise<void> {
    this.firewall = info;
  }
  async fdbAdd(entries: FdbEntries, full = false): Promise<void> {
    this.fdb.push({ op: 'add', entries, full });
  }
  async fdbRemove(entries: FdbEntries): Promise<void> {
    this.fdb.push({ op: 'remove', entries });
  }
  tunnelIp(): string | null {
    return (this.config.tunneling_ip as string | null) ?? null;
  }
  async close(): Promise<void> {}

  /** A tap device for the port appears on the host. */
  addDevice(name: string): void {
    this.present.add(name);
    this.listener?.({ added: [name], removed: [] });
  }
  removeDevice(name: string): void {
    this.present.delete(name);
    this.plugged.delete(name);
    this.listener?.({ added: [], removed: [name] });
  }
}

/** Nova's tap name for a port (the contract's naming, re-exported for the tests). */
export { tapName } from '../../src/contract/device-names.js';
