// The Open vSwitch firewall's flows on br-int, rendered from the firewall model (pure; see
// tables.ts for the layout). Every flow is spelt as ovs-ofctl prints it back under OpenFlow 1.3
// (registers and set_field values in hex, tcp6/udp6/icmp6 shorthands), so a table that is
// already right compares equal and a restarted agent replaces nothing. Remote groups and
// address groups are expanded into one flow per member prefix; port ranges into masked matches.
import type { Flow } from '../../../linux/ovs.js';
import type { FirewallModel, SecuredPort, SgRule } from '../model.js';
import { portRangeMatches } from './port-ranges.js';
import {
  FIREWALL_STATIC_COOKIE,
  FW_EGRESS_BASE,
  FW_EGRESS_COMMIT,
  FW_EGRESS_CT,
  FW_EGRESS_OUT,
  FW_EGRESS_RULES,
  FW_INGRESS_BASE,
  FW_INGRESS_COMMIT,
  FW_INGRESS_RULES,
  FW_SWITCH,
  portCookie,
  ZONE,
} from './tables.js';

/** A port wired on br-int, as the Open vSwitch agent knows it. */
export interface WiredFirewallPort {
  portId: string;
  ofport: number;
  /** its network's local VLAN: also the conntrack zone */
  lvid: number;
}

export interface SkippedOvsRule {
  group: string;
  key: string;
  reason: string;
}

const hex = (n: number): string => `0x${n.toString(16)}`;
const goto = (t: number): string => `goto_table:${t}`;
const PROTO4: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 132: 'sctp' };
const PROTO6: Record<number, string> = { 58: 'icmp6', 6: 'tcp6', 17: 'udp6', 132: 'sctp6' };
/** neighbour discovery and MLD an instance sends whatever its groups say (conntrack calls them invalid) */
const ND_EGRESS_TYPES = [130, 131, 132, 133, 135, 136, 143];
/** what it receives: MLD query, neighbour solicitation and advertisement (router adverts: from fe80::/10) */
const ND_INGRESS_TYPES = [130, 135, 136];

/** the l3 part of a match: "ip"/"ipv6" with a protocol shorthand where OVS has one */
function protoMatch(family: 4 | 6, protocol: number | null): string {
  if (protocol === null) return family === 4 ? 'ip' : 'ipv6';
  const short = (family === 4 ? PROTO4 : PROTO6)[protocol];
  return short ?? `${family === 4 ? 'ip' : 'ipv6'},nw_proto=${protocol}`;
}

/** an address match; the whole family matches without a field */
function addrMatch(family: 4 | 6, side: 'src' | 'dst', cidr: string): string | null {
  if (cidr === '0.0.0.0/0' || cidr === '::/0') return null;
  return `${family === 4 ? 'nw' : 'ipv6'}_${side}=${cidr}`;
}

export function planFirewallFlows(model: FirewallModel, wired: WiredFirewallPort[]): { flows: Flow[]; skipped: SkippedOvsRule[] } {
  const flows = new Map<string, Flow>();
  const skipped = new Map<string, SkippedOvsRule>();
  const add = (cookie: bigint, table: number, priority: number, match: string[], actions: string) => {
    const m = match.filter(Boolean).join(',');
    const key = `${table}/${priority}/${m}`;
    if (!flows.has(key)) flows.set(key, { cookie, table, priority, match: m, actions });
  };
  const S = FIREWALL_STATIC_COOKIE;
  // table defaults
  add(S, FW_SWITCH, 0, [], 'NORMAL');
  for (const t of [FW_EGRESS_BASE, FW_EGRESS_CT, FW_EGRESS_RULES, FW_INGRESS_BASE, FW_INGRESS_RULES]) add(S, t, 0, [], 'drop');
  for (const l3 of ['ip', 'ipv6']) add(S, FW_EGRESS_COMMIT, 1, ['ct_state=+trk', l3], `ct(commit,zone=${ZONE}),${goto(FW_EGRESS_OUT)}`);
  add(S, FW_EGRESS_COMMIT, 0, [], goto(FW_EGRESS_OUT));
  add(S, FW_EGRESS_OUT, 0, [], 'NORMAL');
  for (const l3 of ['ip', 'ipv6']) add(S, FW_INGRESS_COMMIT, 1, ['ct_state=+trk', l3], `ct(commit,zone=${ZONE}),output:NXM_NX_REG5[]`);
  add(S, FW_INGRESS_COMMIT, 0, [], 'output:NXM_NX_REG5[]');

  for (const w of [...wired].sort((a, b) => a.ofport - b.ofport)) {
    const port = model.ports.get(w.portId);
    const c = portCookie(w.portId);
    const inPort = `in_port=${w.ofport}`;
    const reg5 = `reg5=${hex(w.ofport)}`;
    const setRegs = `set_field:${hex(w.lvid)}->reg6,set_field:${hex(w.ofport)}->reg5`;
    if (!port) {
      // unfiltered (port security off, the network's own ports): straight to the switching stage,
      // where what it sends to a filtered port still meets that port's ingress rules
      add(c, 0, 1, [inPort], `${setRegs},${goto(FW_EGRESS_OUT)}`);
      continue;
    }
    add(c, 0, 1, [inPort], `${setRegs},${goto(FW_EGRESS_BASE)}`);
    const macs = [...port.sources.keys()].sort();
    for (const mac of macs) {
      // frames for the port from a patch port, tagged with the network's local VLAN
      add(c, FW_SWITCH, 100, [`dl_vlan=${w.lvid}`, `dl_dst=${mac}`], `pop_vlan,set_field:${hex(w.ofport)}->reg5,set_field:${hex(w.lvid)}->reg6,${goto(FW_INGRESS_BASE)}`);
      // from a port the firewall does not know: never around the port's ingress rules
      add(c, FW_SWITCH, 50, [`dl_dst=${mac}`], 'drop');
      // from ports of this host, after their egress
      add(c, FW_EGRESS_OUT, 100, [`reg6=${hex(w.lvid)}`, `dl_dst=${mac}`], `set_field:${hex(w.ofport)}->reg5,${goto(FW_INGRESS_BASE)}`);
    }
    egressBase(add, c, port, inPort);
    egressCt(add, c, port, reg5);
    ingressBase(add, c, port, w.ofport, reg5);
    for (const direction of ['egress', 'ingress'] as const) {
      const table = direction === 'egress' ? FW_EGRESS_RULES : FW_INGRESS_RULES;
      const next = goto(direction === 'egress' ? FW_EGRESS_COMMIT : FW_INGRESS_COMMIT);
      if (!port.stateless) {
        add(c, table, 100, ['ct_state=+inv+trk', reg5], 'drop');
        add(c, table, 90, ['ct_state=+est+rpl+trk', reg5], next);
        add(c, table, 90, ['ct_state=+rel+trk', reg5], next);
      }
      for (const m of fixedRules(direction)) add(c, table, 70, [m, reg5], next);
      for (const g of port.groups) {
        for (const r of model.groups.get(g) ?? []) {
          if (r.direction !== direction) continue;
          const rendered = ruleMatches(r, model);
          if (typeof rendered === 'string') {
            skipped.set(r.key, { group: g, key: r.key, reason: rendered });
            continue;
          }
          for (const m of rendered) add(c, table, 50, [m, reg5], next);
        }
      }
    }
  }
  return { flows: [...flows.values()], skipped: [...skipped.values()] };
}

type Add = (cookie: bigint, table: number, priority: number, match: string[], actions: string) => void;

function egressBase(add: Add, c: bigint, port: SecuredPort, inPort: string): void {
  const T = FW_EGRESS_BASE;
  const next = goto(FW_EGRESS_CT);
  // tagged frames would bypass every check below
  add(c, T, 100, [inPort, 'vlan_tci=0x1000/0x1000'], 'drop');
  // an instance is no DHCP server and no router
  add(c, T, 95, ['udp', inPort, 'tp_src=67', 'tp_dst=68'], 'drop');
  add(c, T, 95, ['udp6', inPort, 'tp_src=547', 'tp_dst=546'], 'drop');
  add(c, T, 95, ['icmp6', inPort, 'icmp_type=134'], 'drop');
  for (const [mac, a] of [...port.sources].sort((x, y) => x[0].localeCompare(y[0]))) {
    const src = `dl_src=${mac}`;
    // ARP probes (RFC 5227) and ARP from the addresses the port may use
    add(c, T, 90, ['arp', inPort, src, 'arp_spa=0.0.0.0', `arp_sha=${mac}`], goto(FW_EGRESS_OUT));
    for (const ip of a.v4) add(c, T, 90, ['arp', inPort, src, ip === '0.0.0.0/0' ? '' : `arp_spa=${ip}`, `arp_sha=${mac}`], goto(FW_EGRESS_OUT));
    // DHCP discovery before the instance has an address; duplicate address detection and MLD
    add(c, T, 90, ['udp', inPort, src, 'nw_src=0.0.0.0', 'nw_dst=255.255.255.255', 'tp_src=68', 'tp_dst=67'], goto(FW_EGRESS_OUT));
    for (const t of [131, 135, 143]) add(c, T, 90, ['icmp6', inPort, src, 'ipv6_src=::', 'ipv6_dst=ff02::/16', `icmp_type=${t}`], goto(FW_EGRESS_OUT));
    for (const ip of a.v4) add(c, T, 80, ['ip', inPort, src, addrMatch(4, 'src', ip) ?? ''], next);
    for (const ip of a.v6) add(c, T, 80, ['ipv6', inPort, src, addrMatch(6, 'src', ip) ?? ''], next);
    // other protocols (not IP, not ARP) from the port's own MACs
    add(c, T, 60, [inPort, src], goto(FW_EGRESS_OUT));
  }
  // IP and ARP from any other address, anything from another MAC
  for (const l3 of ['ip', 'ipv6', 'arp']) add(c, T, 70, [l3, inPort], 'drop');
  add(c, T, 50, [inPort], 'drop');
}

function egressCt(add: Add, c: bigint, port: SecuredPort, reg5: string): void {
  const T = FW_EGRESS_CT;
  for (const t of ND_EGRESS_TYPES) add(c, T, 90, ['icmp6', reg5, `icmp_type=${t}`], goto(FW_EGRESS_OUT));
  for (const l3 of ['ip', 'ipv6']) add(c, T, 50, [l3, reg5], port.stateless ? goto(FW_EGRESS_RULES) : `ct(table=${FW_EGRESS_RULES},zone=${ZONE})`);
}

function ingressBase(add: Add, c: bigint, port: SecuredPort, ofport: number, reg5: string): void {
  const T = FW_INGRESS_BASE;
  const out = `output:${ofport}`;
  for (const t of ND_INGRESS_TYPES) add(c, T, 100, ['icmp6', reg5, `icmp_type=${t}`], out);
  add(c, T, 100, ['icmp6', reg5, 'ipv6_src=fe80::/10', 'icmp_type=134'], out);
  for (const l3 of ['ip', 'ipv6']) {
    if (port.stateless) add(c, T, 90, [l3, reg5], goto(FW_INGRESS_RULES));
    else {
      add(c, T, 90, ['ct_state=-trk', l3, reg5], `ct(table=${FW_INGRESS_RULES},zone=${ZONE})`);
      // tracked already: the sender is a port of this host on the same network (its egress ran ct)
      add(c, T, 80, [l3, reg5], goto(FW_INGRESS_RULES));
    }
  }
  // ARP and other protocols that are not IP
  add(c, T, 50, [reg5], out);
}

/** Neutron's fixed rules: DHCP and ICMPv6 whatever the groups say */
function fixedRules(direction: 'ingress' | 'egress'): string[] {
  if (direction === 'egress') return ['udp,tp_src=68,tp_dst=67', 'udp6,tp_src=546,tp_dst=547', 'icmp6'];
  return ['udp,tp_src=67,tp_dst=68', 'udp6,tp_src=547,tp_dst=546'];
}

/** The matches of one rule (without the port), or why it cannot be rendered. */
export function ruleMatches(r: SgRule, model: FirewallModel): string[] | string {
  const base = [protoMatch(r.family, r.protocol)];
  if (r.icmp) {
    base.push(`icmp_type=${r.icmp.type}`);
    if (r.icmp.code !== null) base.push(`icmp_code=${r.icmp.code}`);
  }
  let ports: string[] = [''];
  if (r.ports) {
    if (r.protocol === null || !(r.family === 4 ? ['tcp', 'udp', 'sctp'] : ['tcp6', 'udp6', 'sctp6']).includes(base[0]))
      return `OpenFlow matches ports of tcp, udp and sctp only (protocol ${r.protocol})`;
    ports = portRangeMatches(r.ports[0], r.ports[1]);
  }
  // the remote side is the source of what comes in and the destination of what goes out
  const side = r.direction === 'ingress' ? 'src' : 'dst';
  let remotes: (string | null)[] = [null];
  if (r.remotePrefix) remotes = [addrMatch(r.family, side, r.remotePrefix)];
  if (r.remoteGroup) {
    const m = model.members.get(r.remoteGroup);
    remotes = (r.family === 4 ? (m?.v4 ?? []) : (m?.v6 ?? [])).map((a) => addrMatch(r.family, side, a));
    // a remote prefix and a remote group on one rule: the API refuses it, the group wins here
  }
  const out: string[] = [];
  for (const remote of remotes) for (const p of ports) out.push([...base, remote ?? '', p].filter(Boolean).join(','));
  return out;
}
