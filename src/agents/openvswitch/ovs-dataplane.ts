// The kernel side of the Open vSwitch agent (Neutron's OVSNeutronAgent, event-driven): br-int
// with one local VLAN per network, br-tun with one VXLAN port per remote host that
// l2population names, and a patch to each physical bridge of bridge_mappings. Ports come from
// OVSDB (Interface rows with external_ids:iface-id, as os-vif plugs them), pushed by
// `ovsdb-client monitor`. Every change is one ovs-vsctl transaction plus, per bridge whose
// table differs, one atomic `ovs-ofctl --bundle replace-flows`; what is already right is
// left alone, so a restarted agent changes nothing and its flows keep their age.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import { AGENT_TYPE_OVS } from '../../contract/agent-types.js';
import { TAP_PREFIX } from '../../contract/device-names.js';
import { FLOODING_ENTRY, type DeviceDetails, type FdbEntries } from '../../contract/l2.js';
import type { SecurityGroupInfo } from '../../contract/security-groups.js';
import { interfaceOf } from '../../linux/links.js';
import { netnsExists } from '../../linux/netns.js';
import { detectDatapathType, flowsEqual, InterfaceMonitor, Ovs, type Flow, type InterfaceRow, type OvsState } from '../../linux/ovs.js';
import type { AuditReport, Drift, FdbTowardsCheck, KernelAnswer, KernelCheck, PortWiredCheck } from '../../contract/trace.js';
import type { DeviceChange, L2Dataplane } from '../l2/dataplane.js';
import { flowDrift } from './flow-drift.js';
import { OvsFirewall } from '../firewall/ovs/ovs-firewall.js';
import { SWITCH_ACTION } from '../firewall/ovs/tables.js';
import type { WiredFirewallPort } from '../firewall/ovs/flows.js';
import { mappings } from '../mappings.js';
import { freeLocalVlan, type LocalNetwork, type NetworkFdb, planFlows, recoverFdb } from './flow-plan.js';
import { DEAD_VLAN, intPatchName, PATCH_INT, PATCH_TUN, phyPatchName, TUNNEL_PORT_PREFIX, tunnelPortName } from './names.js';

export interface OvsDataplaneOptions {
  ovs: Ovs;
  /** [agent] host_namespace: where ovs-vswitchd and the host's interfaces live (null: here) */
  netns: string | null;
  log: Logger;
  integrationBridge: string;
  /** null: no tunnels ([agent] tunnel_types empty) */
  tunnelBridge: string | null;
  bridgeMappings: Record<string, string>;
  localIp: string | null;
  vxlanUdpPort: number;
  datapathType: 'system' | 'netdev';
  datapathReason: string;
  /** [securitygroup] firewall_driver = openvswitch (absent or null: noop) */
  firewall?: OvsFirewall | null;
  /** [agent] arp_responder: br-tun answers ARP for remote ports (l2population's IPs) */
  arpResponder?: boolean;
}

interface WiredPort {
  /** the Interface/Port name on br-int (the tap) */
  name: string;
  networkId: string;
  dead: boolean;
  /** what OVSDB has for it (read back at start, or written since): tag and other_config */
  written: string;
}

const writtenKey = (tag: number | null, oc: Record<string, string>, keys: string[]) => JSON.stringify([tag, keys.map((k) => oc[k] ?? '')]);
const PORT_KEYS = ['net_uuid', 'local_vlan', 'network_type', 'physical_network', 'segmentation_id'];

const SUPPORTED_TUNNEL_TYPES = ['vxlan'];

export class OvsDataplane implements L2Dataplane {
  readonly agentType = AGENT_TYPE_OVS;
  readonly binary = 'neutrino-openvswitch-agent';
  private readonly ovs: Ovs;
  private readonly log: Logger;
  private readonly monitor: InterfaceMonitor;
  /** port id → interface name, for interfaces with external_ids:iface-id */
  private readonly ifaces = new Map<string, string>();
  /** device (port id) → how it is wired */
  private readonly ports = new Map<string, WiredPort>();
  private readonly networks = new Map<string, LocalNetwork>();
  private fdb = new Map<string, NetworkFdb>();
  /** each bridge's table as last sent or read (null: read it before comparing) */
  private readonly applied = new Map<string, Flow[]>();
  private chain: Promise<unknown> = Promise.resolve();
  private configured: Record<string, unknown> = {};

  private constructor(private readonly o: OvsDataplaneOptions) {
    this.ovs = o.ovs;
    this.log = o.log;
    this.monitor = new InterfaceMonitor(o.ovs, o.log);
  }

  /** From the agent's options ([ovs], [agent], [securitygroup]); refuses what is not built. */
  static async fromConfig(config: Config, log: Logger): Promise<OvsDataplane> {
    const tunnelTypes = config.list('agent', 'tunnel_types');
    const unsupported = tunnelTypes.filter((t) => !SUPPORTED_TUNNEL_TYPES.includes(t));
    if (unsupported.length) throw new Error(`[agent] tunnel_types: ${unsupported.join(', ')} not supported by this agent (only vxlan is built)`);
    if (config.bool('agent', 'arp_responder') && !config.bool('agent', 'l2_population'))
      throw new Error('[agent] arp_responder = true needs l2_population = true (the responder answers from the IPs l2population names)');
    if (tunnelTypes.length && !config.bool('agent', 'l2_population'))
      throw new Error('[agent] l2_population = false: this agent floods VXLAN traffic only to the hosts l2population names (no multicast, no learning); set it to true');
    const fw = config.str('securitygroup', 'firewall_driver');
    const filtering = config.bool('securitygroup', 'enable_security_group') && fw !== 'noop';
    if (filtering && fw !== 'openvswitch') {
      throw new Error(
        `[securitygroup] firewall_driver = ${fw}: the Open vSwitch agent filters ports with the openvswitch driver (OpenFlow and conntrack on br-int); the nftables one filters Linux bridge ports only. Set firewall_driver = openvswitch (or noop)`,
      );
    }
    const localIp = config.str('ovs', 'local_ip');
    if (tunnelTypes.length && !localIp) throw new Error('[agent] tunnel_types is set but [ovs] local_ip is empty: the tunnel endpoint address is needed');
    const detected = detectDatapathType();
    const asked = config.str('ovs', 'datapath_type');
    if (asked === 'system' && detected.type !== 'system') throw new Error(`[ovs] datapath_type = system, but ${detected.reason}; set datapath_type = netdev (or leave it empty)`);
    const datapathType = (asked || detected.type) as 'system' | 'netdev';
    return OvsDataplane.create({
      ovs: Ovs.fromConnection(config.str('ovs', 'ovsdb_connection')),
      netns: config.str('agent', 'host_namespace') || null,
      log,
      integrationBridge: config.str('ovs', 'integration_bridge'),
      tunnelBridge: tunnelTypes.length ? config.str('ovs', 'tunnel_bridge') : null,
      bridgeMappings: mappings(config.list('ovs', 'bridge_mappings'), '[ovs] bridge_mappings'),
      localIp: tunnelTypes.length ? localIp : null,
      vxlanUdpPort: config.int('agent', 'vxlan_udp_port'),
      datapathType,
      datapathReason: asked ? `[ovs] datapath_type = ${asked}` : detected.reason,
      firewall: filtering ? new OvsFirewall({ log }) : null,
      arpResponder: config.bool('agent', 'arp_responder') && tunnelTypes.length > 0,
    });
  }

  /** Makes br-int, br-tun and the patches, reads back what a previous run left, starts watching. */
  static async create(o: OvsDataplaneOptions): Promise<OvsDataplane> {
    if (!(await netnsExists(o.netns))) throw new Error(`[agent] host_namespace = ${o.netns}: no such network namespace`);
    const dp = new OvsDataplane(o);
    let state: OvsState;
    try {
      state = await o.ovs.state();
    } catch (e) {
      throw new Error(`cannot reach OVSDB at [ovs] ovsdb_connection = ${o.ovs.db}: ${(e as Error).message.split('\n')[0]} (are ovsdb-server and ovs-vswitchd running?)`);
    }
    for (const [physnet, bridge] of Object.entries(o.bridgeMappings)) {
      if (!state.bridges.has(bridge))
        throw new Error(`[ovs] bridge_mappings: bridge ${bridge} of physical network ${physnet} does not exist; create it first (ovs-vsctl add-br ${bridge} -- add-port ${bridge} <interface>)`);
    }
    await dp.ensureBridges(state);
    state = await o.ovs.state();
    if (o.firewall) {
      // a restart keeps the firewall's flows as they are until the server has answered
      o.firewall.adopt(await o.ovs.dumpFlows(o.integrationBridge));
      o.firewall.attach(async () => {
        await dp.serial(() => dp.applyFlows());
      });
    }
    dp.recoverPorts(state);
    await dp.recoverTunnels(state);
    let localIpDev: string | null = null;
    if (o.localIp) {
      localIpDev = await interfaceOf(o.netns, o.localIp);
      if (!localIpDev) {
        o.log.error({ event: 'ovs.local_ip_missing', local_ip: o.localIp }, `[ovs] local_ip ${o.localIp} is on no interface of this host: VXLAN traffic cannot leave it until it is`);
      } else if (o.datapathType === 'netdev' && !state.bridges.has(localIpDev)) {
        o.log.error(
          { event: 'ovs.local_ip_not_on_bridge', local_ip: o.localIp, dev: localIpDev },
          `[ovs] local_ip ${o.localIp} is on ${localIpDev}, which is not an OVS bridge: the userspace datapath sends tunnel traffic only through OVS bridges (put the interface into a bridge and the address on the bridge)`,
        );
      }
    }
    dp.configured = {
      host_namespace: o.netns ?? '',
      integration_bridge: o.integrationBridge,
      // where os-vif (the compute shim) plugs taps on this host
      ovsdb_connection: o.ovs.db,
      tunnel_bridge: o.tunnelBridge,
      bridge_mappings: o.bridgeMappings,
      tunnel_types: o.tunnelBridge ? ['vxlan'] : [],
      tunneling_ip: o.localIp,
      l2_population: true,
      arp_responder_enabled: !!o.arpResponder,
      datapath_type: o.datapathType,
      datapath_type_reason: o.datapathReason,
      // VLAN tags are pushed by OVS itself: no 802.1Q support is needed from the kernel
      vlan_supported: true,
      network_types: ['local', 'flat', 'vlan', ...(o.tunnelBridge ? ['vxlan'] : [])],
      firewall_driver: o.firewall ? 'openvswitch' : 'noop',
      ovs_hybrid_plug: false,
    };
    dp.monitor.onChange((added, removed) => dp.interfacesChanged(added, removed));
    await dp.monitor.start();
    for (const r of dp.monitor.current()) dp.noteInterface(r);
    await dp.serial(() => dp.applyFlows());
    o.log.info(
      { event: 'ovs.started', datapath_type: o.datapathType, reason: o.datapathReason, bridge_mappings: o.bridgeMappings, local_ip: o.localIp, recovered_networks: dp.networks.size },
      `Open vSwitch dataplane on ${o.ovs.db} (datapath ${o.datapathType}: ${o.datapathReason})`,
    );
    return dp;
  }

  /** One transaction: br-int, br-tun, the patches; all --may-exist (nothing changes when they are there). */
  private async ensureBridges(state: OvsState): Promise<void> {
    const o = this.o;
    const cmds: string[][] = [];
    const bridge = (name: string) => {
      const b = state.bridges.get(name);
      if (!b) cmds.push(['--may-exist', 'add-br', name]);
      if (!b || b.datapathType !== o.datapathType || b.failMode !== 'secure') cmds.push(['set', 'Bridge', name, `datapath_type=${o.datapathType}`, 'fail_mode=secure']);
    };
    const patch = (br: string, name: string, peer: string) => {
      const i = state.interfaces.get(name);
      if (i && i.type === 'patch' && i.options.peer === peer && state.ports.get(name)?.bridge === br) return;
      cmds.push(['--may-exist', 'add-port', br, name], ['set', 'Interface', name, 'type=patch', `options:peer=${peer}`]);
    };
    bridge(o.integrationBridge);
    if (o.tunnelBridge) {
      bridge(o.tunnelBridge);
      patch(o.integrationBridge, PATCH_TUN, PATCH_INT);
      patch(o.tunnelBridge, PATCH_INT, PATCH_TUN);
    }
    for (const b of Object.values(o.bridgeMappings)) {
      const have = state.bridges.get(b)!;
      if (have.failMode !== 'secure') cmds.push(['set', 'Bridge', b, 'fail_mode=secure']);
      patch(o.integrationBridge, intPatchName(b), phyPatchName(b));
      patch(b, phyPatchName(b), intPatchName(b));
    }
    if (cmds.length) {
      await this.ovs.vsctl(cmds);
      this.log.info({ event: 'ovs.bridges_made', commands: cmds.length }, `bridges and patches set up (${cmds.length} ovs-vsctl commands)`);
    }
  }

  /** Local VLANs of networks from br-int's ports (other_config:net_uuid and tag, as this agent writes them). */
  private recoverPorts(state: OvsState): void {
    for (const p of state.ports.values()) {
      if (p.bridge !== this.o.integrationBridge) continue;
      const oc = p.otherConfig;
      const iface = state.interfaces.get(p.name);
      const portId = iface?.externalIds['iface-id'];
      if (!oc.net_uuid || !oc.local_vlan || !portId) continue;
      const lvid = Number(oc.local_vlan);
      if (!this.networks.has(oc.net_uuid)) {
        this.networks.set(oc.net_uuid, {
          networkId: oc.net_uuid,
          lvid,
          networkType: oc.network_type as LocalNetwork['networkType'],
          physnet: oc.physical_network || null,
          segmentationId: oc.segmentation_id ? Number(oc.segmentation_id) : null,
        });
      }
      this.ports.set(portId, { name: p.name, networkId: oc.net_uuid, dead: p.tag === DEAD_VLAN, written: writtenKey(p.tag, oc, PORT_KEYS) });
    }
  }

  /** l2population's picture before a restart, from br-tun's flows. */
  private async recoverTunnels(state: OvsState): Promise<void> {
    const tb = this.o.tunnelBridge;
    if (!tb || !this.networks.size) return;
    const flows = await this.ovs.dumpFlows(tb);
    const byLvid = new Map([...this.networks.values()].map((n) => [n.lvid, n.networkId]));
    const remoteOfPort = new Map<number, string>();
    for (const i of state.interfaces.values()) if (i.type === 'vxlan' && i.options.remote_ip && i.ofport) remoteOfPort.set(i.ofport, i.options.remote_ip);
    this.fdb = recoverFdb(flows, byLvid, remoteOfPort);
  }

  configurations(): Record<string, unknown> {
    return this.configured;
  }

  tunnelIp(): string | null {
    return this.o.localIp;
  }

  private noteInterface(r: InterfaceRow): string | null {
    const id = r.externalIds['iface-id'];
    if (!id) return null;
    this.ifaces.set(id, r.name);
    return id;
  }

  async devices(): Promise<Set<string>> {
    return new Set(this.ifaces.keys());
  }

  private onChange: ((c: DeviceChange) => void) | null = null;

  watch(onChange: (change: DeviceChange) => void): void {
    this.onChange = onChange;
  }

  private interfacesChanged(added: InterfaceRow[], removed: InterfaceRow[]): void {
    const change: DeviceChange = { added: [], removed: [] };
    for (const r of removed) {
      const id = r.externalIds['iface-id'] ?? [...this.ifaces].find(([, n]) => n === r.name)?.[0];
      if (id && this.ifaces.get(id) === r.name) {
        this.ifaces.delete(id);
        change.removed.push(id);
      }
    }
    for (const r of added) {
      const before = r.externalIds['iface-id'] ? this.ifaces.get(r.externalIds['iface-id']) : undefined;
      const id = this.noteInterface(r);
      // an ofport or other column changing on a known port is no news
      if (id && before !== r.name) change.added.push(id);
    }
    if (change.added.length || change.removed.length) this.onChange?.(change);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Why this agent cannot wire the port's segment, or null. */
  private unwirable(d: DeviceDetails): string | null {
    switch (d.network_type) {
      case 'local':
        return null;
      case 'vxlan':
        if (!this.o.tunnelBridge) return 'VXLAN is not enabled on this host ([agent] tunnel_types)';
        return d.segmentation_id === null || d.segmentation_id === undefined ? 'the VXLAN segment has no VNI' : null;
      case 'flat':
      case 'vlan':
        if (!this.o.bridgeMappings[d.physical_network ?? '']) return `physical network ${d.physical_network} is not in [ovs] bridge_mappings`;
        return d.network_type === 'vlan' && !d.segmentation_id ? 'the VLAN segment has no VLAN id' : null;
      default:
        return `network type ${d.network_type} is not served by the Open vSwitch agent`;
    }
  }

  private deviceToPortId(device: string): string | null {
    if (this.ifaces.has(device)) return device;
    if (device.startsWith(TAP_PREFIX)) for (const id of this.ifaces.keys()) if (id.startsWith(device.slice(TAP_PREFIX.length))) return id;
    return null;
  }

  plug(devices: DeviceDetails[]): Promise<string[]> {
    if (!devices.length) return Promise.resolve([]);
    return this.serial(async () => {
      try {
        // what this process knows of OVSDB is enough: no read (one ovs-vsctl at most)
        return await this.plugNow(devices, null);
      } catch (e) {
        // a port gone or moved meanwhile: read everything and check each port
        this.log.warn({ event: 'ovs.plug_retry', err: (e as Error).message.split('\n')[0] }, 'wiring without a read failed; reading OVSDB and trying again');
        return this.plugNow(devices, await this.ovs.state());
      }
    });
  }

  /** state null: trust what this process knows (the monitor's interfaces, what it wrote). */
  private async plugNow(devices: DeviceDetails[], state: OvsState | null): Promise<string[]> {
    const started = performance.now();
    const unwired: string[] = [];
    const tState = performance.now();
    const cmds: string[][] = [];
    for (const d of devices) {
      if (!d.port_id || !d.network_id) continue;
      const portId = this.deviceToPortId(d.device) ?? d.port_id;
      const name = this.ifaces.get(portId);
      const port = name && state ? state.ports.get(name) : undefined;
      if (!name || (state && !port)) {
        unwired.push(d.device);
        continue;
      }
      const why = this.unwirable(d);
      if (why) {
        this.log.error({ event: 'ovs.port_unwired', port_id: d.port_id, network_id: d.network_id, network_type: d.network_type, err: why }, `port ${d.port_id} is left unwired: ${why}`);
        unwired.push(d.device);
        continue;
      }
      if (port && port.bridge !== this.o.integrationBridge) {
        this.log.error({ event: 'ovs.port_unwired', port_id: d.port_id, iface: name, bridge: port.bridge }, `port ${d.port_id}: ${name} is on ${port.bridge}, not on ${this.o.integrationBridge}`);
        unwired.push(d.device);
        continue;
      }
      let net = this.networks.get(d.network_id);
      const seg = { networkType: d.network_type as LocalNetwork['networkType'], physnet: d.physical_network ?? null, segmentationId: d.segmentation_id ?? null };
      if (net && (net.networkType !== seg.networkType || net.physnet !== seg.physnet || net.segmentationId !== seg.segmentationId)) net = { ...net, ...seg };
      if (!net) {
        const lvid = freeLocalVlan([...this.networks.values()].map((n) => n.lvid));
        if (lvid === null) {
          unwired.push(d.device);
          this.log.error({ event: 'ovs.no_local_vlan', network_id: d.network_id }, 'all 4094 local VLANs of br-int are in use');
          continue;
        }
        net = { networkId: d.network_id, lvid, ...seg };
      }
      this.networks.set(d.network_id, net);
      const dead = d.admin_state_up === false;
      const tag = dead ? DEAD_VLAN : net.lvid;
      const want: Record<string, string> = {
        net_uuid: net.networkId,
        local_vlan: String(net.lvid),
        network_type: net.networkType,
        physical_network: net.physnet ?? '',
        segmentation_id: net.segmentationId === null ? '' : String(net.segmentationId),
      };
      const written = writtenKey(tag, want, PORT_KEYS);
      const have = port ? writtenKey(port.tag, port.otherConfig, PORT_KEYS) : this.ports.get(portId)?.name === name ? this.ports.get(portId)?.written : undefined;
      if (have !== written) cmds.push(['set', 'Port', name, `tag=${tag}`, ...Object.entries(want).map(([k, v]) => `other_config:${k}=${JSON.stringify(v)}`)]);
      this.ports.set(portId, { name, networkId: net.networkId, dead, written });
    }
    // committed to OVSDB, not waiting for ovs-vswitchd to apply it: that wait grows with the
    // number of ports on the userspace datapath (0.3–0.8 s with 500), and until it applies the
    // port keeps the dead VLAN it was plugged with (isolated, never a trunk)
    // with a firewall, a port's filter is in br-int before its tag puts it on its network
    const filteredFirst = this.o.firewall && cmds.length ? await this.applyFlows(state ?? undefined) : 0;
    if (cmds.length) await this.ovs.vsctl(cmds, { noWait: true });
    const tPorts = performance.now();
    // tags and other_config do not change OpenFlow port numbers: a state read above serves
    const flows = filteredFirst + (await this.applyFlows(state ?? undefined));
    if (cmds.length || flows) {
      this.log.info(
        {
          event: 'ovs.plugged',
          devices: devices.map((d) => d.device),
          port_changes: cmds.length,
          bridges_changed: flows,
          ms: Math.round(performance.now() - started),
          read_ms: Math.round(tState - started),
          ports_ms: Math.round(tPorts - tState),
        },
        `wired ${devices.length - unwired.length} port(s): ${cmds.length} port change(s), ${flows} flow table(s) replaced`,
      );
    }
    return unwired;
  }

  /** Networks without a port here give their local VLAN back. */
  private releaseEmptyNetworks(): void {
    const used = new Set([...this.ports.values()].map((p) => p.networkId));
    for (const id of [...this.networks.keys()]) {
      if (!used.has(id)) {
        this.networks.delete(id);
        this.fdb.delete(id);
      }
    }
  }

  removed(devices: string[]): Promise<void> {
    return this.serial(async () => {
      let any = false;
      const ids = devices.map((d) => this.deviceToPortId(d) ?? d);
      for (const id of ids) any = this.ports.delete(id) || any;
      any = (this.o.firewall?.forget(ids) ?? false) || any;
      if (!any) return;
      this.releaseEmptyNetworks();
      await this.applyFlows();
    });
  }

  cleanup(presentPorts: DeviceDetails[]): Promise<void> {
    return this.serial(async () => {
      const keep = new Set(presentPorts.map((d) => this.deviceToPortId(d.device) ?? d.port_id));
      for (const id of [...this.ports.keys()]) if (!keep.has(id)) this.ports.delete(id);
      this.o.firewall?.retain(new Set([...keep].filter((x): x is string => !!x)));
      this.releaseEmptyNetworks();
      // compare with what the bridges really have, not with what this process last sent
      this.applied.clear();
      this.planKey = '';
      await this.applyFlows();
      await this.removeUnusedTunnels();
    });
  }

  /** what the last plan was made from: the same inputs give the same tables (nothing to do) */
  private planKey = '';

  /** Plans every bridge's table and replaces those that differ; returns how many were replaced. */
  private async applyFlows(state?: OvsState): Promise<number> {
    const o = this.o;
    const key = JSON.stringify([
      [...this.networks.values()].sort((a, b) => a.lvid - b.lvid),
      [...this.ports.values()]
        .filter((p) => p.dead)
        .map((p) => p.name)
        .sort(),
      [...this.fdb].map(([id, f]) => [id, [...f.flood].sort(), [...f.macs].sort(), [...(f.arp ?? [])].sort()]).sort(),
      // the firewall's flows follow its model and every live port
      o.firewall ? [o.firewall.key(), [...this.ports].filter(([, p]) => !p.dead).map(([id, p]) => [id, p.name, p.networkId])] : null,
    ]);
    if (key === this.planKey) return 0;
    const s = state ?? (await this.ovs.state());
    const ofport = (name: string) => {
      const x = s.interfaces.get(name)?.ofport;
      return typeof x === 'number' && x > 0 ? x : undefined;
    };
    const tunnels: Record<string, number> = {};
    if (o.tunnelBridge) {
      for (const name of s.bridges.get(o.tunnelBridge)?.ports ?? []) {
        const i = s.interfaces.get(name);
        const p = ofport(name);
        if (i?.type === 'vxlan' && i.options.remote_ip && p !== undefined) tunnels[i.options.remote_ip] = p;
      }
    }
    const intPhys: Record<string, number> = {};
    const physInt: Record<string, number> = {};
    for (const b of Object.values(o.bridgeMappings)) {
      const a = ofport(intPatchName(b));
      const c = ofport(phyPatchName(b));
      if (a !== undefined) intPhys[b] = a;
      if (c !== undefined) physInt[b] = c;
    }
    const dead = [...this.ports.values()]
      .filter((p) => p.dead)
      .map((p) => ofport(p.name))
      .filter((x): x is number => x !== undefined);
    const plan = planFlows({
      integrationBridge: o.integrationBridge,
      tunnelBridge: o.tunnelBridge,
      bridgeMappings: o.bridgeMappings,
      networks: [...this.networks.values()],
      fdb: this.fdb,
      arpResponder: o.arpResponder,
      ofports: { patchTun: ofport(PATCH_TUN), patchInt: ofport(PATCH_INT), intPhys, physInt, tunnels, dead },
      firewall: o.firewall ? { switchAction: SWITCH_ACTION, flows: o.firewall.flows(this.wiredForFirewall(ofport)) } : undefined,
    });
    let replaced = 0;
    for (const [bridge, flows] of plan) {
      let have = this.applied.get(bridge);
      if (!have) have = await this.ovs.dumpFlows(bridge);
      if (flowsEqual(have, flows)) {
        this.applied.set(bridge, have);
        continue;
      }
      await this.ovs.replaceFlows(bridge, flows);
      this.applied.set(bridge, flows);
      replaced++;
    }
    this.planKey = key;
    return replaced;
  }

  /** Live ports of br-int with their OpenFlow port and local VLAN, for the firewall. */
  private wiredForFirewall(ofport: (name: string) => number | undefined): WiredFirewallPort[] {
    const out: WiredFirewallPort[] = [];
    for (const [portId, p] of this.ports) {
      const port = ofport(p.name);
      const net = this.networks.get(p.networkId);
      if (p.dead || port === undefined || !net) continue;
      out.push({ portId, ofport: port, lvid: net.lvid });
    }
    return out;
  }

  /** VXLAN ports for endpoints the fdb names and br-tun lacks (one transaction). */
  private async ensureTunnels(): Promise<void> {
    const o = this.o;
    if (!o.tunnelBridge || !o.localIp) return;
    const wanted = new Set<string>();
    for (const f of this.fdb.values()) for (const ip of [...f.flood, ...f.macs.values()]) wanted.add(ip);
    wanted.delete(o.localIp);
    const state = await this.ovs.state();
    const cmds: string[][] = [];
    for (const ip of wanted) {
      const name = tunnelPortName(ip);
      const i = state.interfaces.get(name);
      if (i && i.type === 'vxlan' && i.options.remote_ip === ip && i.options.local_ip === o.localIp) continue;
      cmds.push(
        ['--may-exist', 'add-port', o.tunnelBridge, name],
        [
          'set',
          'Interface',
          name,
          'type=vxlan',
          `options:remote_ip=${ip}`,
          `options:local_ip=${o.localIp}`,
          'options:in_key=flow',
          'options:out_key=flow',
          ...(o.vxlanUdpPort !== 4789 ? [`options:dst_port=${o.vxlanUdpPort}`] : []),
        ],
      );
    }
    if (cmds.length) {
      await this.ovs.vsctl(cmds);
      this.log.info({ event: 'ovs.tunnels_added', count: cmds.length / 2 }, `${cmds.length / 2} VXLAN port(s) added to ${o.tunnelBridge}`);
    }
  }

  /** VXLAN ports no network's fdb names any more (after their flows went). */
  private async removeUnusedTunnels(): Promise<void> {
    const tb = this.o.tunnelBridge;
    if (!tb) return;
    const wanted = new Set<string>();
    for (const f of this.fdb.values()) for (const ip of [...f.flood, ...f.macs.values()]) wanted.add(tunnelPortName(ip));
    const state = await this.ovs.state();
    const stale = (state.bridges.get(tb)?.ports ?? []).filter((p) => p.startsWith(TUNNEL_PORT_PREFIX) && !wanted.has(p));
    if (!stale.length) return;
    await this.ovs.vsctl(stale.map((p) => ['--if-exists', 'del-port', tb, p]));
    this.applied.delete(tb);
    this.log.info({ event: 'ovs.tunnels_removed', ports: stale }, `${stale.length} unused VXLAN port(s) removed`);
  }

  applyFirewall(info: SecurityGroupInfo): Promise<void> {
    // firewall_driver = noop: nothing to do
    return this.o.firewall?.update(info) ?? Promise.resolve();
  }

  fdbAdd(entries: FdbEntries, full = false): Promise<void> {
    return this.serial(async () => {
      let changed = false;
      for (const [networkId, e] of Object.entries(entries)) {
        if (e.network_type !== 'vxlan') continue;
        // a refresh is the server's whole picture of the network
        const net = full ? { flood: new Set<string>(), macs: new Map<string, string>() } : (this.fdb.get(networkId) ?? { flood: new Set<string>(), macs: new Map<string, string>() });
        for (const [ip, pairs] of Object.entries(e.ports)) {
          if (ip === this.o.localIp) continue;
          for (const [mac, portIp] of pairs) {
            if (mac === FLOODING_ENTRY[0]) net.flood.add(ip);
            else {
              net.macs.set(mac.toLowerCase(), ip);
              if (this.o.arpResponder && portIp) (net.arp ??= new Map()).set(portIp, mac.toLowerCase());
            }
          }
        }
        this.fdb.set(networkId, net);
        changed = true;
      }
      if (!changed) return;
      await this.ensureTunnels();
      const n = await this.applyFlows();
      if (full) await this.removeUnusedTunnels();
      this.log.info({ event: 'ovs.fdb_added', networks: Object.keys(entries), full, tables_replaced: n }, `l2population entries for ${Object.keys(entries).length} network(s)`);
    });
  }

  fdbRemove(entries: FdbEntries): Promise<void> {
    return this.serial(async () => {
      for (const [networkId, e] of Object.entries(entries)) {
        const net = this.fdb.get(networkId);
        if (!net) continue;
        for (const [ip, pairs] of Object.entries(e.ports)) {
          for (const [mac, portIp] of pairs) {
            if (mac === FLOODING_ENTRY[0]) net.flood.delete(ip);
            else if (net.macs.get(mac.toLowerCase()) === ip) net.macs.delete(mac.toLowerCase());
            if (portIp && net.arp?.get(portIp) === mac.toLowerCase()) net.arp.delete(portIp);
          }
        }
      }
      await this.applyFlows();
      await this.removeUnusedTunnels();
      this.log.info({ event: 'ovs.fdb_removed', networks: Object.keys(entries) }, `l2population entries removed for ${Object.keys(entries).length} network(s)`);
    });
  }

  /**
   * Drift audit: each port this process wired is on br-int with the tag and other_config it
   * wrote, each tunnel endpoint l2population names has its VXLAN port on br-tun, and every
   * bridge's flow table is what this process last sent (flows compared by table, priority and
   * match, then cookie and actions). repair: ports' columns set again (one ovs-vsctl), missing
   * tunnels added, each bridge that differs gets its table back in one bundle. A port deleted
   * from br-int is not put back: the compute side (os-vif) plugs it.
   */
  audit(repair: boolean): Promise<Omit<AuditReport, 'host' | 'agent_type' | 'ms'>> {
    return this.serial(async () => {
      const o = this.o;
      const drifts: Drift[] = [];
      const state = await this.ovs.state();
      const portCmds: string[][] = [];
      const portDrifts: Drift[] = [];
      for (const [portId, p] of this.ports) {
        const have = state.ports.get(p.name);
        if (!have || have.bridge !== o.integrationBridge) {
          drifts.push({
            kind: 'ovs_port',
            object: p.name,
            detail: `port ${portId} is ${have?.bridge ? `on ${have.bridge}` : 'on no bridge'}, not on ${o.integrationBridge} (os-vif plugs it again)`,
            repaired: false,
          });
          continue;
        }
        const got = writtenKey(have.tag, have.otherConfig, PORT_KEYS);
        if (got === p.written) continue;
        const [tag, values] = JSON.parse(p.written) as [number | null, string[]];
        portDrifts.push({
          kind: 'ovs_port',
          object: p.name,
          detail: `tag ${have.tag ?? 'none'} / other_config ${JSON.stringify(JSON.parse(got)[1])} where tag ${tag} / ${JSON.stringify(values)} were written`,
          repaired: false,
        });
        portCmds.push(['set', 'Port', p.name, `tag=${tag}`, ...PORT_KEYS.map((k, i) => `other_config:${k}=${JSON.stringify(values[i] ?? '')}`)]);
      }
      if (repair && portCmds.length) {
        await this.ovs.vsctl(portCmds);
        for (const d of portDrifts) d.repaired = true;
      }
      drifts.push(...portDrifts);

      const tunnelDrifts: Drift[] = [];
      let tunnels = 0;
      if (o.tunnelBridge && o.localIp) {
        const wanted = new Set<string>();
        for (const f of this.fdb.values()) for (const ip of [...f.flood, ...f.macs.values()]) wanted.add(ip);
        wanted.delete(o.localIp);
        for (const ip of wanted) {
          tunnels++;
          const name = tunnelPortName(ip);
          const i = state.interfaces.get(name);
          if (i && i.type === 'vxlan' && i.options.remote_ip === ip && state.ports.get(name)?.bridge === o.tunnelBridge) continue;
          tunnelDrifts.push({ kind: 'ovs_tunnel', object: `${o.tunnelBridge} ${name}`, detail: `the VXLAN port to ${ip} is missing or changed`, repaired: false });
        }
        if (repair && tunnelDrifts.length) {
          await this.ensureTunnels();
          // new OpenFlow port numbers: the tables are planned again
          this.planKey = '';
          this.applied.clear();
          await this.applyFlows();
          for (const d of tunnelDrifts) d.repaired = true;
        }
      }
      drifts.push(...tunnelDrifts);

      let flows = 0;
      const bridges = [...this.applied];
      const dumps = await Promise.all(bridges.map(([bridge]) => this.ovs.dumpFlows(bridge)));
      for (const [i, [bridge, wanted]] of bridges.entries()) {
        flows += wanted.length;
        const found = flowDrift(bridge, wanted, dumps[i]);
        if (repair && found.length) {
          await this.ovs.replaceFlows(bridge, wanted);
          for (const d of found) d.repaired = true;
        }
        drifts.push(...found);
      }
      return {
        drifts,
        checked: { ports: this.ports.size, tunnels, bridges: bridges.length, flows },
        not_audited: [...(o.firewall ? [] : ['port firewall (this agent runs the noop driver)']), 'ports this process has not wired'],
      };
    });
  }

  /** `neutrino trace`: br-int membership and local VLAN of a port; the tunnel a MAC leaves by,
   *  as `ovs-appctl ofproto/trace` follows a frame from a local port of the network. */
  async checkKernel(checks: KernelCheck[]): Promise<KernelAnswer[]> {
    let state: Promise<OvsState> | null = null;
    const read = () => {
      state ??= this.ovs.state();
      return state;
    };
    return Promise.all(
      checks.map(async (c): Promise<KernelAnswer> => {
        try {
          if (c.kind === 'port_wired') return await this.portWired(await read(), c);
          if (c.kind === 'fdb_towards') return await this.frameTowards(await read(), c);
          if (c.kind === 'port_filter') {
            const fw = this.o.firewall;
            if (!fw) return { agrees: false, detail: 'this host runs no port firewall (the Open vSwitch agent has the noop driver): nothing is filtered' };
            const name = this.ifaces.get(c.port_id);
            const ofport = name ? (await read()).interfaces.get(name)?.ofport : undefined;
            return fw.checkPort(c, typeof ofport === 'number' && ofport > 0 ? ofport : undefined, await this.ovs.dumpFlows(this.o.integrationBridge));
          }
          return { agrees: null, detail: `an L2 agent does not check ${c.kind}` };
        } catch (e) {
          return { agrees: null, detail: `could not read Open vSwitch: ${(e as Error).message.split('\n')[0]}` };
        }
      }),
    );
  }

  private async portWired(state: OvsState, c: PortWiredCheck): Promise<KernelAnswer> {
    const name = this.ifaces.get(c.port_id);
    if (!name) return { agrees: false, detail: `no interface of ${this.o.integrationBridge} has external_ids:iface-id=${c.port_id}` };
    const port = state.ports.get(name);
    const iface = state.interfaces.get(name);
    const net = this.networks.get(c.network_id);
    if (port?.bridge !== this.o.integrationBridge) return { agrees: false, detail: `${name} is ${port?.bridge ? `on ${port.bridge}` : 'on no bridge'}, not on ${this.o.integrationBridge}` };
    if (!iface || typeof iface.ofport !== 'number' || iface.ofport <= 0) return { agrees: false, detail: `${name} has no OpenFlow port (${iface?.error ?? 'not opened'})` };
    if (port.tag === DEAD_VLAN) return { agrees: false, detail: `${name} is on ${this.o.integrationBridge} with the dead VLAN ${DEAD_VLAN} (administratively down)` };
    if (!net || port.tag !== net.lvid) return { agrees: false, detail: `${name} has tag ${port.tag ?? 'none'}, the network's local VLAN is ${net?.lvid ?? 'not known here'}` };
    return { agrees: true, detail: `${name} is on ${this.o.integrationBridge}, ofport ${iface.ofport}, local VLAN ${net.lvid}` };
  }

  private async frameTowards(state: OvsState, c: FdbTowardsCheck): Promise<KernelAnswer> {
    const local = [...this.ports].find(([, p]) => p.networkId === c.network_id && !p.dead);
    const ofport = local ? state.interfaces.get(local[1].name)?.ofport : undefined;
    if (!local || typeof ofport !== 'number' || ofport <= 0) return { agrees: null, detail: `no port of network ${c.network_id} on this host to trace a frame from` };
    const src = state.interfaces.get(local[1].name)?.externalIds['attached-mac'] ?? 'fa:16:3e:00:00:01';
    const flow = `in_port=${ofport},dl_src=${src},dl_dst=${c.mac.toLowerCase()}`;
    const out = await this.ovs.traceFlow(this.o.integrationBridge, flow);
    const actions = /Datapath actions: (.*)/.exec(out)?.[1]?.trim() ?? '';
    // the kernel datapath prints set(tunnel(tun_id=…,dst=…)), the userspace one tnl_push(…ipv4(…dst=…)…vxlan(…vni=…))
    const dsts = [
      ...[...actions.matchAll(/tunnel\(tun_id=(0x[0-9a-f]+)[^)]*?dst=([0-9a-f.:]+)/g)].map((m) => ({ vni: Number.parseInt(m[1], 16), dst: m[2] })),
      ...[...actions.matchAll(/tnl_push\(.*?ipv[46]\(src=[^,]+,dst=([0-9a-f.:]+).*?vxlan\([^)]*?vni=(0x[0-9a-f]+)\)/g)].map((m) => ({ vni: Number.parseInt(m[2], 16), dst: m[1] })),
    ];
    const to = dsts.filter((d) => d.vni === c.vni).map((d) => d.dst);
    const text = `ofproto/trace ${this.o.integrationBridge} ${flow}: ${actions || 'no datapath actions'}`;
    if (!to.includes(c.remote_ip)) return { agrees: false, detail: `${text} — the frame does not leave towards ${c.remote_ip} (vni ${c.vni})` };
    // the l2population flow of the MAC is a table line of the trace that matches it
    const mac = c.mac.toLowerCase();
    const unicast = out.split('\n').some((l) => /^\s*\d+\.\s/.test(l) && l.includes(`dl_dst=${mac}`));
    if (to.length > 1 || !unicast) return { agrees: false, detail: `${text} — flooded to ${to.join(', ')}: no l2population flow sends ${mac} to ${c.remote_ip}` };
    return { agrees: true, detail: `${text} — out by VXLAN to ${c.remote_ip} (vni ${c.vni})` };
  }

  /** Stops watching; bridges, ports and flows stay as they are (traffic keeps flowing). */
  async close(): Promise<void> {
    await this.monitor.close();
  }
}
