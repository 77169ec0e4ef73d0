// The kernel side of the Linux bridge agent (Neutron's LinuxBridgeManager, event-driven and
// batched): one brq bridge per network with its segment device (vxlan-<vni>, a mapped
// interface, or nothing for local networks), taps enslaved to it, l2population fdb entries
// on the vxlan devices, and the port firewall. Each batch reads the kernel once and changes
// it with one `ip -batch -`; whatever is already right is left alone.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import { AGENT_TYPE_LINUXBRIDGE } from '../../contract/agent-types.js';
import { TAP_PREFIX } from '../../contract/device-names.js';
import type { DeviceDetails, FdbEntries } from '../../contract/l2.js';
import type { SecurityGroupInfo } from '../../contract/security-groups.js';
import type { AuditReport, Drift, KernelAnswer, KernelCheck } from '../../contract/trace.js';
import { applyFdb, fdbAddLines, fdbRemoveLines, remoteFdb, staleFdbLines, type FdbRemote } from '../../linux/bridge-fdb.js';
import type { Capability } from '../../linux/kernel-features.js';
import { LinkMonitor } from '../../linux/link-monitor.js';
import { interfaceOf, ipBatch, listLinks, showLinks, type Link } from '../../linux/links.js';
import { moveOntoBridge } from '../../linux/flat-bridge.js';
import { netnsExists } from '../../linux/netns.js';
import { setSysctls } from '../../linux/sysctl.js';
import { readFirewallTables, type FirewallTables } from '../firewall/filter-check.js';
import { NoopFirewall } from '../firewall/noop-firewall.js';
import type { PortFirewall } from '../firewall/port-firewall.js';
import type { DeviceChange, L2Dataplane } from '../l2/dataplane.js';
import { mappings } from '../mappings.js';
import { linuxbridgeConfigurations } from './configurations.js';
import { bridgeMappingsOf, flatNetworkBridge, type FlatNetworkBridge } from './flat-network-bridge.js';
import { linuxBridgeChecks } from './kernel-checks.js';
import { bridgeName, vxlanName } from './names.js';
import { networkWiring, planBridgeRemoval, planCleanup, planWiring, type LinuxBridgeSettings, type RemovalPlan, type WantedNetwork } from './wiring-plan.js';

export interface LinuxBridgeDataplaneOptions {
  /** [agent] host_namespace: every device and command lives there (null: the real host) */
  netns: string | null;
  log: Logger;
  firewall: PortFirewall;
  interfaceMappings: Record<string, string>;
  bridgeMappings: Record<string, string>;
  /** null: VXLAN off */
  vxlan: { localIp: string; dstport: number; l2population: boolean } | null;
  vlanSupported: boolean;
  /** what report_state carries */
  configurations: Record<string, unknown>;
  /** nova-network's FlatDHCP bridge this agent makes, with flat_interface under it (flat-network-bridge.ts) */
  flatBridge?: FlatNetworkBridge | null;
}

const SHOW_BY_NAME_LIMIT = 64;

interface PortWiring {
  portId: string;
  networkId: string;
  bridge: string;
  ownBridge: boolean;
}

/** l2population entries of one network: tunnel endpoint → MACs behind it */
interface NetworkFdb {
  segmentId: number;
  remotes: Map<string, Set<string>>;
}

export class LinuxBridgeDataplane implements L2Dataplane {
  readonly agentType = AGENT_TYPE_LINUXBRIDGE;
  readonly binary = 'neutrino-linuxbridge-agent';
  private readonly netns: string | null;
  private readonly log: Logger;
  private readonly firewall: PortFirewall;
  private readonly settings: LinuxBridgeSettings;
  private readonly monitor: LinkMonitor;
  /** port devices wired by this process, by device name */
  private readonly ports = new Map<string, PortWiring>();
  private readonly fdb = new Map<string, NetworkFdb>();
  /** vxlan devices known to exist, whose fdb entries are loaded */
  private readonly vxlanReady = new Set<string>();
  /** what the firewall was last told, merged (the full view a resync hands to firewall.sync) */
  private firewallInfo: SecurityGroupInfo = { devices: {}, security_groups: {}, sg_member_ips: {} };
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly o: LinuxBridgeDataplaneOptions,
    vxlanDev: string | null,
  ) {
    this.netns = o.netns || null;
    this.log = o.log;
    this.firewall = o.firewall;
    this.settings = {
      interfaceMappings: o.interfaceMappings,
      bridgeMappings: o.bridgeMappings,
      vxlan: o.vxlan ? { localIp: o.vxlan.localIp, dev: vxlanDev, dstport: o.vxlan.dstport, learning: false } : null,
      vlanSupported: o.vlanSupported,
    };
    this.monitor = new LinkMonitor({ netns: this.netns, log: o.log, match: (n) => n.startsWith(TAP_PREFIX) });
  }

  /** Checks the host namespace, sets the sysctls the firewall relies on and starts watching devices. */
  static async create(o: LinuxBridgeDataplaneOptions): Promise<LinuxBridgeDataplane> {
    const netns = o.netns || null;
    const where = netns ? `network namespace ${netns}` : 'the host namespace';
    if (!(await netnsExists(netns))) {
      throw new Error(
        `[agent] host_namespace = ${netns}: no such network namespace. Create it first (ip netns add ${netns}, with the host's interfaces in it), or set host_namespace to empty to use this machine's own network stack.`,
      );
    }
    // bridged IPv4/IPv6 must pass the IP hooks, where the firewall's stateful rules are
    await setSysctls(netns, { 'net.bridge.bridge-nf-call-iptables': 1, 'net.bridge.bridge-nf-call-ip6tables': 1 });
    let vxlanDev: string | null = null;
    if (o.vxlan) {
      vxlanDev = await interfaceOf(netns, o.vxlan.localIp);
      if (!vxlanDev) {
        // not fatal (the address may come later, e.g. while a lab host is built); VXLAN ports
        // stay unwired, each with this reason, until it is there
        o.log.error(
          { event: 'lb.local_ip_missing', local_ip: o.vxlan.localIp, netns },
          `[vxlan] local_ip = ${o.vxlan.localIp} is not an address of any interface in ${where}: VXLAN ports cannot be wired until it is (or set [vxlan] enable_vxlan = false)`,
        );
      }
      if (!o.vxlan.l2population) {
        o.log.warn({ event: 'lb.no_l2population' }, '[vxlan] l2_population = false: VXLAN flooding needs l2population here (multicast groups are not built), so VXLAN ports will reach no other host');
      }
    }
    if (o.flatBridge?.iface) {
      const moved = await moveOntoBridge(netns, o.flatBridge.bridge, o.flatBridge.iface);
      o.log.info(
        { event: 'lb.flat_bridge', bridge: o.flatBridge.bridge, flat_interface: o.flatBridge.iface, moved, netns },
        moved ? `${o.flatBridge.iface} and its addresses moved under ${o.flatBridge.bridge}` : `${o.flatBridge.iface} already under ${o.flatBridge.bridge}`,
      );
    }
    const dp = new LinuxBridgeDataplane(o, vxlanDev);
    await dp.monitor.start();
    o.log.info({ event: 'lb.started', netns, vxlan_dev: vxlanDev, interface_mappings: o.interfaceMappings, bridge_mappings: o.bridgeMappings }, `Linux bridge dataplane watching ${where}`);
    return dp;
  }

  /** Drift audit: ports wired by this process still in their bridges and up, the l2population
   *  fdb entries on the VXLAN devices, the port firewall's tables. repair: each drift is put
   *  right (one ip batch, one bridge batch, one nft transaction). */
  audit(repair: boolean): Promise<Omit<AuditReport, 'host' | 'agent_type' | 'ms'>> {
    return this.serial(async () => {
      const drifts: Drift[] = [];
      // the three reads are independent: the firewall audits its own tables meanwhile
      const firewallAudit = this.firewall.audit?.(repair);
      const kernelFdb = this.fdb.size ? remoteFdb(this.netns) : Promise.resolve(new Map<string, { mac: string; dst: string }[]>());
      // awaited below; a failure meanwhile must not count as unhandled
      firewallAudit?.catch(() => undefined);
      kernelFdb.catch(() => undefined);
      const ipLines: string[] = [];
      const ipDrifts: Drift[] = [];
      const wired = [...this.ports];
      const names = [...wired.map(([tap]) => tap), ...new Set(wired.map(([, p]) => p.bridge))];
      // many ports: one dump is cheaper than a lookup per name
      const links = names.length > SHOW_BY_NAME_LIMIT ? await listLinks(this.netns) : await showLinks(this.netns, names);
      for (const [tap, p] of wired) {
        const dev = links.get(tap);
        if (!dev) continue; // gone: the link monitor reports it as removed
        if (!links.has(p.bridge)) {
          drifts.push({ kind: 'bridge', object: p.bridge, detail: `bridge of port ${p.portId} is missing (the next resync makes it)`, repaired: false });
          continue;
        }
        if (dev.master !== p.bridge) {
          const d = { kind: 'bridge_port', object: tap, detail: `${tap} (port ${p.portId}) is ${dev.master ? `in ${dev.master}` : 'in no bridge'}, not in ${p.bridge}`, repaired: false };
          ipDrifts.push(d);
          ipLines.push(`link set dev ${tap} master ${p.bridge}`, `link set dev ${tap} up`);
        } else if (!dev.up) {
          ipDrifts.push({ kind: 'bridge_port', object: tap, detail: `${tap} (port ${p.portId}) is down`, repaired: false });
          ipLines.push(`link set dev ${tap} up`);
        }
      }
      if (repair && ipLines.length) {
        const failures = await ipBatch(this.netns, ipLines);
        for (const d of ipDrifts) d.repaired = !failures.some((f) => f.command.includes(` ${d.object} `));
      }
      drifts.push(...ipDrifts);

      const kernel = await kernelFdb;
      const fdbLines: string[] = [];
      const fdbDrifts: Drift[] = [];
      let fdbEntries = 0;
      for (const [networkId, net] of this.fdb) {
        const device = vxlanName(net.segmentId);
        if (!this.vxlanReady.has(device)) continue;
        const have = new Set((kernel.get(device) ?? []).map((e) => `${e.mac.toLowerCase()} ${e.dst}`));
        for (const r of this.remotes(networkId)) {
          for (const mac of r.macs) {
            fdbEntries++;
            if (have.has(`${mac.toLowerCase()} ${r.dst}`)) continue;
            fdbDrifts.push({ kind: 'vxlan_fdb', object: `${device} ${mac} dst ${r.dst}`, detail: `l2population entry of network ${networkId} is missing`, repaired: false });
            fdbLines.push(...fdbAddLines(device, [{ dst: r.dst, macs: [mac] }]));
          }
        }
      }
      if (repair && fdbLines.length) {
        const failures = await applyFdb(this.netns, fdbLines, this.log);
        for (const d of fdbDrifts) d.repaired = !failures.some((f) => f.command.includes(d.object.split(' ')[1]));
      }
      drifts.push(...fdbDrifts);

      const fw = (await firewallAudit) ?? { drifts: [], checked: {} };
      drifts.push(...fw.drifts);
      return {
        drifts,
        checked: { ports: wired.length, fdb_entries: fdbEntries, ...fw.checked },
        not_audited: ['segment devices (vxlan-/VLAN) beyond their fdb entries', 'ports this process has not wired'],
      };
    });
  }

  /** `neutrino trace`: what this host's kernel holds for each check (kernel-checks.ts). */
  checkKernel(checks: KernelCheck[]): Promise<KernelAnswer[]> {
    let tables: Promise<FirewallTables> | null = null;
    const ctx = {
      netns: this.netns,
      firewallTables: () => {
        tables ??= readFirewallTables(this.netns);
        return tables;
      },
      filtering: !(this.firewall instanceof NoopFirewall),
      bridgeOf: (portId: string, networkId: string) => [...this.ports.values()].find((p) => p.portId === portId)?.bridge ?? bridgeName(networkId),
    };
    return linuxBridgeChecks(ctx, checks);
  }

  /** From the agent's options ([agent], [linux_bridge], [vxlan], [securitygroup]). */
  static async fromConfig(config: Config, log: Logger, vlan: Capability, firewall?: PortFirewall): Promise<LinuxBridgeDataplane> {
    const netns = config.str('agent', 'host_namespace') || null;
    const localIp = config.str('vxlan', 'local_ip');
    if (!firewall) {
      // loaded on demand: the drivers (nft …) matter only to an agent that was not handed one
      const { createFirewall } = await import('../firewall/index.js');
      firewall = createFirewall(config.str('securitygroup', 'firewall_driver'), config.bool('securitygroup', 'enable_security_group'), { netns, log });
    }
    return LinuxBridgeDataplane.create({
      netns,
      log,
      firewall,
      interfaceMappings: mappings(config.list('linux_bridge', 'physical_interface_mappings'), '[linux_bridge] physical_interface_mappings'),
      bridgeMappings: bridgeMappingsOf(config),
      flatBridge: flatNetworkBridge(config),
      vxlan: config.bool('vxlan', 'enable_vxlan') && localIp ? { localIp, dstport: config.int('vxlan', 'udp_dstport'), l2population: config.bool('vxlan', 'l2_population') } : null,
      vlanSupported: vlan.supported,
      configurations: linuxbridgeConfigurations(config, vlan),
    });
  }

  configurations(): Record<string, unknown> {
    return this.o.configurations;
  }

  tunnelIp(): string | null {
    return this.settings.vxlan?.localIp ?? null;
  }

  devices(): Promise<Set<string>> {
    return this.monitor.list();
  }

  watch(onChange: (change: DeviceChange) => void): void {
    this.monitor.onChange(onChange);
  }

  /** One kernel change at a time: a plug must not read state a removal is changing. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  plug(devices: DeviceDetails[]): Promise<string[]> {
    if (!devices.length) return Promise.resolve([]);
    return this.serial(() => this.plugNow(devices));
  }

  /** Returns the devices left unwired (reported to the L2 agent, which retries them). */
  private async plugNow(devices: DeviceDetails[]): Promise<string[]> {
    const unwired = new Set<string>();
    const started = performance.now();
    const vx = this.settings.vxlan;
    if (vx && !vx.dev && devices.some((d) => d.network_type === 'vxlan')) {
      vx.dev = await interfaceOf(this.netns, vx.localIp);
      if (vx.dev) this.log.info({ event: 'lb.local_ip_found', local_ip: vx.localIp, dev: vx.dev }, `local_ip ${vx.localIp} is on ${vx.dev} now`);
    }
    const byNetwork = new Map<string, WantedNetwork & { down: Set<string> }>();
    for (const d of devices) {
      if (!d.network_id || !d.port_id) continue;
      const known = byNetwork.get(d.network_id);
      if (known) {
        known.taps.push(d.device);
        if (d.admin_state_up === false) known.down.add(d.device);
        continue;
      }
      const net = networkWiring(d, this.settings);
      if ('error' in net) {
        this.log.error(
          { event: 'lb.port_unwired', port_id: d.port_id, device: d.device, network_id: d.network_id, network_type: d.network_type, err: net.error },
          `port ${d.port_id} is left unwired: ${net.error}`,
        );
        unwired.add(d.device);
        continue;
      }
      byNetwork.set(d.network_id, { net, taps: [d.device], down: new Set(d.admin_state_up === false ? [d.device] : []) });
    }
    if (!byNetwork.size) return [...unwired];
    const wanted = [...byNetwork.values()];
    const links = await this.linksFor(wanted);
    const plan = planWiring(links, wanted);
    const failures = await ipBatch(
      this.netns,
      plan.lines.map((l) => l.line),
    );
    const failedNetworks = new Set<string>();
    for (const p of plan.problems) {
      failedNetworks.add(p.networkId);
      this.log.error({ event: 'lb.port_unwired', network_id: p.networkId, devices: p.taps, err: p.error }, `ports of network ${p.networkId} are left unwired: ${p.error}`);
    }
    for (const f of failures) {
      const owner = plan.lines[f.line];
      failedNetworks.add(owner?.networkId ?? '');
      for (const t of owner?.taps ?? []) unwired.add(t);
      this.log.error({ event: 'lb.plug_failed', network_id: owner?.networkId, devices: owner?.taps, command: f.command, err: f.error }, `ip ${f.command} failed: ${f.error}`);
    }
    for (const w of wanted) if (failedNetworks.has(w.net.networkId)) for (const t of w.taps) unwired.add(t);
    const ports = new Map(devices.map((d) => [d.device, d]));
    const fdbLines: string[] = [];
    for (const { net, taps } of wanted) {
      for (const tap of taps) {
        const d = ports.get(tap)!;
        this.ports.set(tap, { portId: d.port_id!, networkId: net.networkId, bridge: net.bridge, ownBridge: net.ownBridge });
      }
      const seg = net.segment;
      const fresh = seg.kind === 'vxlan' && (!this.vxlanReady.has(seg.name) || plan.createdVxlan.includes(seg.name));
      if (seg.kind === 'vxlan' && fresh && !failedNetworks.has(net.networkId)) {
        // the server may have told us the network's endpoints before its device existed (or
        // someone deleted the device and it was made again)
        this.vxlanReady.add(seg.name);
        fdbLines.push(...fdbAddLines(seg.name, this.remotes(net.networkId)));
      }
    }
    if (fdbLines.length) await applyFdb(this.netns, fdbLines, this.log);
    if (plan.lines.length) {
      this.log.info(
        {
          event: 'lb.plugged',
          devices: devices.map((d) => d.device),
          networks: wanted.map((w) => w.net.networkId),
          commands: plan.lines.length,
          created_vxlan: plan.createdVxlan,
          failed: failures.length,
          ms: Math.round(performance.now() - started),
        },
        `wired ${devices.length} device(s) with ${plan.lines.length} change(s)`,
      );
    } else {
      this.log.debug({ event: 'lb.already_wired', devices: devices.map((d) => d.device) }, 'devices already wired');
    }
    return [...unwired];
  }

  /** The kernel's view of what a batch touches: looked up by name when few, else one full dump. */
  private linksFor(wanted: WantedNetwork[]): Promise<Map<string, Link>> {
    const names: string[] = [];
    for (const { net, taps } of wanted) {
      names.push(net.bridge, ...taps);
      const seg = net.segment;
      if (seg.kind === 'vlan') names.push(seg.parent, seg.name);
      else if (seg.kind !== 'none') names.push(seg.name);
    }
    // a lookup costs about five times a device's share of a dump
    return names.length <= SHOW_BY_NAME_LIMIT ? showLinks(this.netns, names) : listLinks(this.netns);
  }

  removed(devices: string[]): Promise<void> {
    return this.serial(async () => {
      const gone = devices.map((d) => [d, this.ports.get(d)] as const).filter((x): x is readonly [string, PortWiring] => x[1] !== undefined);
      if (!gone.length) return;
      const portIds = gone.map(([, p]) => p.portId);
      for (const [d, p] of gone) {
        this.ports.delete(d);
        delete this.firewallInfo.devices[p.portId];
      }
      await this.firewall.remove(portIds);
      const bridges = [...new Set(gone.filter(([, p]) => p.ownBridge).map(([, p]) => p.bridge))];
      if (!bridges.length) return;
      const links = await listLinks(this.netns);
      await this.runRemoval(planBridgeRemoval(links, bridges, new Set(devices)), 'lb.bridge_removed');
    });
  }

  cleanup(presentPorts: DeviceDetails[]): Promise<void> {
    return this.serial(async () => {
      const keep = new Set<string>();
      const present = new Set<string>();
      for (const d of presentPorts) {
        present.add(d.device);
        if (!d.network_id) continue;
        const net = networkWiring(d, this.settings);
        if (!('error' in net)) keep.add(net.bridge);
      }
      const stalePorts: string[] = [];
      for (const [device, p] of this.ports) {
        if (present.has(device)) continue;
        this.ports.delete(device);
        stalePorts.push(p.portId);
      }
      const links = await listLinks(this.netns);
      await this.runRemoval(planCleanup(links, keep), 'lb.stale_removed');
      // the firewall was just given every present port: anything else it holds is stale
      const presentIds = new Set(presentPorts.map((d) => d.port_id).filter((x): x is string => !!x));
      const fw = this.firewallInfo;
      if ([...presentIds].every((id) => id in fw.devices)) {
        const devicesNow = Object.fromEntries(Object.entries(fw.devices).filter(([id]) => presentIds.has(id)));
        this.firewallInfo = { ...fw, devices: devicesNow };
        await this.firewall.sync(this.firewallInfo);
      } else if (stalePorts.length) {
        await this.firewall.remove(stalePorts);
      }
    });
  }

  private async runRemoval(plan: RemovalPlan, event: string): Promise<void> {
    if (!plan.lines.length) return;
    const failures = await ipBatch(this.netns, plan.lines);
    for (const f of failures) this.log.error({ event: 'lb.remove_failed', command: f.command, err: f.error }, `ip ${f.command} failed: ${f.error}`);
    for (const s of plan.segments) this.vxlanReady.delete(s);
    this.log.info(
      { event, bridges: plan.bridges, segments: plan.segments, released: plan.released, failed: failures.length },
      `removed ${plan.bridges.length} bridge(s) without ports and ${plan.segments.length} segment device(s)`,
    );
  }

  applyFirewall(info: SecurityGroupInfo): Promise<void> {
    return this.serial(async () => {
      const fw = this.firewallInfo;
      this.firewallInfo = {
        devices: { ...fw.devices, ...info.devices },
        security_groups: { ...fw.security_groups, ...info.security_groups },
        sg_member_ips: { ...fw.sg_member_ips, ...info.sg_member_ips },
        address_groups: { ...fw.address_groups, ...info.address_groups },
      };
      await this.firewall.update(info);
    });
  }

  /** The remembered remotes of a network, without this host's own endpoint. */
  private remotes(networkId: string): FdbRemote[] {
    const e = this.fdb.get(networkId);
    if (!e) return [];
    return [...e.remotes].filter(([dst]) => dst !== this.settings.vxlan?.localIp).map(([dst, macs]) => ({ dst, macs: [...macs] }));
  }

  /** full: the server's whole picture of these networks (after our full sync): what the
   *  kernel has beyond it and beyond what this process has been told went stale while the
   *  agent was away, and is removed. */
  fdbAdd(entries: FdbEntries, full = false): Promise<void> {
    return this.serial(async () => {
      const lines: string[] = [];
      const kernel = full ? await remoteFdb(this.netns) : null;
      for (const [networkId, e] of Object.entries(entries)) {
        if (e.network_type !== 'vxlan' || e.segment_id === null) continue;
        const known = this.fdb.get(networkId);
        // a refresh is merged with what this process already heard (an add that overtook the
        // refresh on the bus is newer than it): only what nobody told this process is stale
        const net = known && known.segmentId === e.segment_id ? known : { segmentId: e.segment_id, remotes: new Map<string, Set<string>>() };
        this.fdb.set(networkId, net);
        const added: FdbRemote[] = [];
        for (const [dst, pairs] of Object.entries(e.ports)) {
          if (dst === this.settings.vxlan?.localIp) continue;
          const macs = net.remotes.get(dst) ?? new Set<string>();
          net.remotes.set(dst, macs);
          for (const [mac] of pairs) macs.add(mac);
          added.push({ dst, macs: pairs.map(([mac]) => mac) });
        }
        const device = vxlanName(e.segment_id);
        if (kernel && this.vxlanReady.has(device)) lines.push(...staleFdbLines(device, kernel.get(device) ?? [], this.remotes(networkId)));
        if (this.vxlanReady.has(device)) lines.push(...fdbAddLines(device, added));
      }
      if (!lines.length) return;
      const failures = await applyFdb(this.netns, lines, this.log);
      this.log.info({ event: 'lb.fdb_added', networks: Object.keys(entries), entries: lines.length, failed: failures.length }, `added ${lines.length} fdb entries`);
    });
  }

  fdbRemove(entries: FdbEntries): Promise<void> {
    return this.serial(async () => {
      const lines: string[] = [];
      for (const [networkId, e] of Object.entries(entries)) {
        if (e.network_type !== 'vxlan' || e.segment_id === null) continue;
        const net = this.fdb.get(networkId);
        const removed: FdbRemote[] = [];
        for (const [dst, pairs] of Object.entries(e.ports)) {
          if (dst === this.settings.vxlan?.localIp) continue;
          const macs = net?.remotes.get(dst);
          for (const [mac] of pairs) macs?.delete(mac);
          if (macs && !macs.size) net!.remotes.delete(dst);
          removed.push({ dst, macs: pairs.map(([mac]) => mac) });
        }
        const device = vxlanName(e.segment_id);
        if (this.vxlanReady.has(device)) lines.push(...fdbRemoveLines(device, removed));
      }
      if (!lines.length) return;
      const failures = await applyFdb(this.netns, lines, this.log);
      this.log.info({ event: 'lb.fdb_removed', networks: Object.keys(entries), entries: lines.length, failed: failures.length }, `removed ${lines.length} fdb entries`);
    });
  }

  /** Stops watching; every device, fdb entry and firewall rule stays as it is. */
  async close(): Promise<void> {
    await this.monitor.close();
    await this.firewall.close();
  }
}
