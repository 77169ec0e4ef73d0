// What the linuxbridge agent wants the kernel to look like for a batch of ports, and the
// `ip -batch` lines that get it there from what the kernel has now. Pure: no kernel access,
// so every decision (what to create, what to leave alone, what to delete) is unit-tested.
// Devices that are already right get no line at all: an agent restart changes nothing.
import { TAP_PREFIX } from '../../contract/device-names.js';
import type { DeviceDetails } from '../../contract/l2.js';
import type { Link } from '../../linux/links.js';
import { BRIDGE_PREFIX, VXLAN_PREFIX, bridgeName, vlanSubinterfaceName, vxlanName } from './names.js';

export interface LinuxBridgeSettings {
  /** physnet → interface ([linux_bridge] physical_interface_mappings) */
  interfaceMappings: Record<string, string>;
  /** physnet → existing bridge ([linux_bridge] bridge_mappings): that bridge is the network's */
  bridgeMappings: Record<string, string>;
  /** null when VXLAN is off ([vxlan] enable_vxlan, local_ip) */
  /** dev: the interface holding local_ip (null while no interface has it) */
  vxlan: { localIp: string; dev: string | null; dstport: number; learning: boolean } | null;
  /** the kernel can make 802.1Q subinterfaces */
  vlanSupported: boolean;
}

export type SegmentDevice =
  | { kind: 'vxlan'; name: string; vni: number; local: string; dev: string; dstport: number; learning: boolean }
  /** a mapped interface enslaved as it is (flat) */
  | { kind: 'physical'; name: string }
  | { kind: 'vlan'; name: string; parent: string; vid: number }
  /** local networks, and flat networks on a mapped bridge */
  | { kind: 'none' };

export interface NetworkWiring {
  networkId: string;
  bridge: string;
  /** false: an existing bridge of bridge_mappings, used as it is and never deleted */
  ownBridge: boolean;
  mtu: number | null;
  segment: SegmentDevice;
}

/** How a port's network is wired on this host, or why it cannot be. */
export function networkWiring(d: DeviceDetails, s: LinuxBridgeSettings): NetworkWiring | { error: string } {
  const networkId = d.network_id!;
  const mtu = d.mtu ?? null;
  const own = (segment: SegmentDevice): NetworkWiring => ({ networkId, bridge: bridgeName(networkId), ownBridge: true, mtu, segment });
  const physnet = d.physical_network ?? '';
  switch (d.network_type) {
    case 'local':
      return own({ kind: 'none' });
    case 'vxlan': {
      if (!s.vxlan) return { error: 'VXLAN is not enabled on this host ([vxlan] enable_vxlan and local_ip)' };
      const vni = d.segmentation_id;
      if (vni === null || vni === undefined) return { error: 'the VXLAN segment has no VNI' };
      if (!s.vxlan.dev) return { error: `[vxlan] local_ip ${s.vxlan.localIp} is not an address of any interface of this host` };
      return own({ kind: 'vxlan', name: vxlanName(vni), vni, local: s.vxlan.localIp, dev: s.vxlan.dev, dstport: s.vxlan.dstport, learning: s.vxlan.learning });
    }
    case 'flat': {
      const mapped = s.bridgeMappings[physnet];
      if (mapped) return { networkId, bridge: mapped, ownBridge: false, mtu, segment: { kind: 'none' } };
      const iface = s.interfaceMappings[physnet];
      if (!iface) return { error: `physical network ${physnet} is in neither [linux_bridge] physical_interface_mappings nor bridge_mappings` };
      return own({ kind: 'physical', name: iface });
    }
    case 'vlan': {
      const iface = s.interfaceMappings[physnet];
      if (!iface) return { error: `physical network ${physnet} is not in [linux_bridge] physical_interface_mappings` };
      if (!s.vlanSupported) return { error: `VLAN ${d.segmentation_id} on ${physnet} needs an 802.1Q subinterface of ${iface}, and this kernel cannot make one (no 8021q)` };
      const vid = d.segmentation_id!;
      return own({ kind: 'vlan', name: vlanSubinterfaceName(iface, vid), parent: iface, vid });
    }
    default:
      return { error: `network type ${d.network_type} is not served by the Linux bridge agent` };
  }
}

export interface PlannedLine {
  line: string;
  networkId: string;
  /** the port devices that stay unwired if this line fails */
  taps: string[];
}

export interface WiringPlan {
  lines: PlannedLine[];
  /** networks that cannot be wired, with the reason (nothing is emitted for them) */
  problems: { networkId: string; taps: string[]; error: string }[];
  /** vxlan devices this plan creates (their fdb entries must be loaded after) */
  createdVxlan: string[];
}

const mtuArg = (want: number | null, have: number | undefined): string => (want !== null && want !== have ? ` mtu ${want}` : '');

function vxlanMatches(l: Link, seg: Extract<SegmentDevice, { kind: 'vxlan' }>): boolean {
  const d = l.data;
  return (
    l.kind === 'vxlan' && d.id === seg.vni && (d.local ?? d.local6) === seg.local && d.port === seg.dstport && (d.link === undefined || d.link === seg.dev) && Boolean(d.learning) === seg.learning
  );
}

export interface WantedNetwork {
  net: NetworkWiring;
  taps: string[];
  /** taps of ports with admin_state_up = false: enslaved but kept down, as Neutron does */
  down?: Set<string>;
}

/** The lines that bring `links` to the wanted wiring of each network and its taps. */
export function planWiring(links: Map<string, Link>, wanted: WantedNetwork[]): WiringPlan {
  const plan: WiringPlan = { lines: [], problems: [], createdVxlan: [] };
  for (const { net, taps, down } of wanted) {
    const lines: string[] = [];
    const problem = (error: string) => plan.problems.push({ networkId: net.networkId, taps, error });
    const br = links.get(net.bridge);
    if (br && br.kind !== 'bridge') {
      problem(`${net.bridge} exists and is not a bridge (${br.kind ?? 'a plain device'})`);
      continue;
    }
    if (!net.ownBridge) {
      if (!br) {
        problem(`bridge ${net.bridge} of [linux_bridge] bridge_mappings does not exist`);
        continue;
      }
      if (!br.up) lines.push(`link set dev ${net.bridge} up`);
    } else if (!br) {
      lines.push(`link add name ${net.bridge}${mtuArg(net.mtu, undefined)} up type bridge stp_state 0 forward_delay 0`);
    } else {
      if (br.data.stp_state !== 0 || br.data.forward_delay !== 0) lines.push(`link set dev ${net.bridge} type bridge stp_state 0 forward_delay 0`);
      const mtu = mtuArg(net.mtu, br.mtu);
      if (mtu || !br.up) lines.push(`link set dev ${net.bridge}${mtu} up`);
    }

    const seg = net.segment;
    if (seg.kind === 'vxlan') {
      const vx = links.get(seg.name);
      const add = () => {
        lines.push(
          `link add ${seg.name}${mtuArg(net.mtu, undefined)} master ${net.bridge} up type vxlan id ${seg.vni} local ${seg.local} dev ${seg.dev} dstport ${seg.dstport} ${seg.learning ? 'learning' : 'nolearning'}`,
        );
        plan.createdVxlan.push(seg.name);
      };
      if (!vx) add();
      else if (!vxlanMatches(vx, seg)) {
        // made with other settings (local_ip or port changed): only a new device fits
        lines.push(`link del dev ${seg.name}`);
        add();
      } else {
        const mtu = mtuArg(net.mtu, vx.mtu);
        if (vx.master !== net.bridge || mtu || !vx.up) lines.push(`link set dev ${seg.name}${mtu} master ${net.bridge} up`);
      }
    } else if (seg.kind === 'physical') {
      const nic = links.get(seg.name);
      if (!nic) {
        problem(`interface ${seg.name} of [linux_bridge] physical_interface_mappings does not exist`);
        continue;
      }
      if (nic.master !== net.bridge || !nic.up) lines.push(`link set dev ${seg.name} master ${net.bridge} up`);
    } else if (seg.kind === 'vlan') {
      if (!links.has(seg.parent)) {
        problem(`interface ${seg.parent} of [linux_bridge] physical_interface_mappings does not exist`);
        continue;
      }
      const sub = links.get(seg.name);
      if (sub && (sub.kind !== 'vlan' || sub.data.id !== seg.vid)) {
        problem(`${seg.name} exists and is not VLAN ${seg.vid} of ${seg.parent}`);
        continue;
      }
      if (!sub) lines.push(`link add link ${seg.parent} name ${seg.name}${mtuArg(net.mtu, undefined)} master ${net.bridge} up type vlan id ${seg.vid}`);
      else {
        const mtu = mtuArg(net.mtu, sub.mtu);
        if (sub.master !== net.bridge || mtu || !sub.up) lines.push(`link set dev ${seg.name}${mtu} master ${net.bridge} up`);
      }
    }

    for (const tap of taps) {
      const t = links.get(tap);
      if (!t) continue; // gone already: the link monitor reports it
      const mtu = mtuArg(net.mtu, t.mtu);
      const up = !down?.has(tap);
      if (t.master !== net.bridge || mtu || t.up !== up) lines.push(`link set dev ${tap}${mtu} master ${net.bridge} ${up ? 'up' : 'down'}`);
    }
    for (const line of lines) plan.lines.push({ line, networkId: net.networkId, taps });
  }
  return plan;
}

export interface RemovalPlan {
  lines: string[];
  bridges: string[];
  /** vxlan/vlan devices deleted with their bridge */
  segments: string[];
  /** mapped interfaces left in place, only released from the bridge */
  released: string[];
}

const isTap = (name: string) => name.startsWith(TAP_PREFIX);

/** Ports of each bridge, from one listing. */
function portsByBridge(links: Map<string, Link>): Map<string, Link[]> {
  const out = new Map<string, Link[]>();
  for (const l of links.values()) {
    if (!l.master) continue;
    const list = out.get(l.master) ?? [];
    list.push(l);
    out.set(l.master, list);
  }
  return out;
}

function removeBridges(links: Map<string, Link>, bridges: string[], gone: Set<string>, plan: RemovalPlan): void {
  const ports = portsByBridge(links);
  for (const name of bridges) {
    const br = links.get(name);
    if (!br || br.kind !== 'bridge' || plan.bridges.includes(name)) continue;
    const slaves = (ports.get(name) ?? []).filter((p) => !gone.has(p.name));
    // any tap is a port of this network on this host (instances, DHCP, routers): keep the bridge
    if (slaves.some((p) => isTap(p.name))) continue;
    for (const p of slaves) {
      if (p.kind === 'vxlan' || p.kind === 'vlan') {
        plan.lines.push(`link del dev ${p.name}`);
        plan.segments.push(p.name);
      } else {
        plan.released.push(p.name);
      }
    }
    plan.lines.push(`link del dev ${name}`);
    plan.bridges.push(name);
  }
}

/** Deletes those of `bridges` that have no tap left (ignoring `gone` devices), with their vxlan/vlan devices. */
export function planBridgeRemoval(links: Map<string, Link>, bridges: string[], gone: Set<string> = new Set()): RemovalPlan {
  const plan: RemovalPlan = { lines: [], bridges: [], segments: [], released: [] };
  removeBridges(links, bridges, gone, plan);
  return plan;
}

/**
 * Resync: brq bridges without taps that are not a present network's, and vxlan devices not
 * on a present network's bridge, are stale. Bridges in `keep` are never touched.
 */
export function planCleanup(links: Map<string, Link>, keep: Set<string>): RemovalPlan {
  const plan: RemovalPlan = { lines: [], bridges: [], segments: [], released: [] };
  const stale = [...links.values()].filter((l) => l.kind === 'bridge' && l.name.startsWith(BRIDGE_PREFIX) && !keep.has(l.name)).map((l) => l.name);
  removeBridges(links, stale, new Set(), plan);
  for (const l of links.values()) {
    if (l.kind !== 'vxlan' || !l.name.startsWith(VXLAN_PREFIX) || plan.segments.includes(l.name)) continue;
    // a vxlan device on a bridge kept because it still has taps belongs to that bridge
    if (l.master && links.get(l.master)?.kind === 'bridge' && !plan.bridges.includes(l.master) && (keep.has(l.master) || l.master.startsWith(BRIDGE_PREFIX))) continue;
    plan.lines.push(`link del dev ${l.name}`);
    plan.segments.push(l.name);
  }
  return plan;
}
