// What the firewall of one host should be, in domain terms, derived from what the server sent
// (security_group_info_for_devices): the filtered ports with the addresses they may send from,
// the rules of their groups and the members of the remote groups those rules name. It also
// hands out the small numbers the kernel side needs and keeps them stable while a thing lives:
// a port index per filtered port (skb mark), a number per rule (ct mark) and a conntrack zone
// per bridge.
import { createHash } from 'node:crypto';
import { tapName } from '../../contract/device-names.js';
import { DEVICE_OWNER_NETWORK_PREFIX } from '../../contract/device-owners.js';
import { PORT_PROTOCOLS, protocolNumber, type SecurityGroupInfo } from '../../contract/security-groups.js';
import { eui64Address, formatCidr, formatIp, parseCidr, type Cidr } from '../../common/ip-address.js';
import { bridgeName } from '../linuxbridge/names.js';

type DeviceInfo = SecurityGroupInfo['devices'][string] & { device_owner?: string | null };
type RuleInfo = SecurityGroupInfo['security_groups'][string][number] & { id?: string };

export type Family = 4 | 6;

export interface SgRule {
  /** the rule's id (or a digest of its content when the server sent none) */
  key: string;
  /** 1..65535, stored in the ct mark of the connections this rule let in */
  number: number;
  group: string;
  direction: 'ingress' | 'egress';
  family: Family;
  /** IP protocol number; null = any */
  protocol: number | null;
  /** destination port range (tcp, udp, sctp, dccp, udplite) */
  ports: [number, number] | null;
  /** icmp / icmpv6 type and code */
  icmp: { type: number; code: number | null } | null;
  /** normalized prefix of the remote side; null = anywhere */
  remotePrefix: string | null;
  remoteGroup: string | null;
}

export interface SecuredPort {
  id: string;
  tap: string;
  bridge: string;
  /** 1..65535: the skb mark bits that say a frame comes from / goes to this port */
  index: number;
  /** sorted, without duplicates */
  groups: string[];
  /** MAC → addresses and prefixes it may send from, without overlaps */
  sources: Map<string, { v4: string[]; v6: string[] }>;
  /** the port's own addresses (fixed IPs and allowed pairs), to close its connections */
  addresses: { v4: string[]; v6: string[] };
  /** its groups are stateless: every packet, both ways, is checked against their rules */
  stateless: boolean;
}

export interface FirewallModel {
  ports: Map<string, SecuredPort>;
  /** bridge → conntrack zone, for every bridge a known port is on */
  zones: Map<string, number>;
  /** the groups filtered ports use → their rules */
  groups: Map<string, SgRule[]>;
  /** remote groups (and address groups, addressGroupRemote) named by those rules → member addresses, without overlaps */
  members: Map<string, { v4: string[]; v6: string[] }>;
}

export const emptyModel = (): FirewallModel => ({ ports: new Map(), zones: new Map(), groups: new Map(), members: new Map() });

export const MAX_NUMBER = 0xffff;

/** A rule that could not be rendered (the API should have refused it). */
export interface SkippedRule {
  group: string;
  key: string;
  reason: string;
}

/**
 * The merged view of everything the server told this host, plus the numbers handed out.
 * Numbers of things that are gone are given back only by prune(), after the kernel and
 * conntrack have let go of them, so a number is never reused while old flows still carry it.
 */
export class FirewallState {
  private readonly devices = new Map<string, DeviceInfo>();
  private readonly rules = new Map<string, RuleInfo[]>();
  private readonly memberIps = new Map<string, { IPv4: string[]; IPv6: string[] }>();
  private readonly stateful = new Map<string, boolean>();
  readonly portIndexes = new Map<string, number>();
  readonly ruleNumbers = new Map<string, number>();
  readonly zones = new Map<string, number>();
  /** the last SecuredPort built from a device entry: unchanged ports are not recomputed */
  private readonly portCache = new Map<string, { from: DeviceInfo; index: number; port: SecuredPort }>();
  /** rule numbers read back from the kernel whose rules this process has not seen yet */
  readonly recoveredUnseen = new Set<string>();

  /** Ports in info replace what was known of them; so do groups' rules and members. */
  merge(info: SecurityGroupInfo): void {
    for (const [portId, d] of Object.entries(info.devices ?? {})) this.devices.set(portId, { ...d, port_id: d.port_id ?? portId });
    for (const [g, rules] of Object.entries(info.security_groups ?? {})) this.rules.set(g, rules);
    for (const [g, m] of Object.entries(info.sg_member_ips ?? {})) this.memberIps.set(g, { IPv4: m.IPv4 ?? [], IPv6: m.IPv6 ?? [] });
    // an address group's prefixes are the members of a remote side of its own (addressGroupRemote)
    for (const [ag, m] of Object.entries(info.address_groups ?? {})) this.memberIps.set(addressGroupRemote(ag), { IPv4: m.IPv4 ?? [], IPv6: m.IPv6 ?? [] });
    for (const [g, stateful] of Object.entries(info.sg_stateful ?? {})) this.stateful.set(g, stateful);
  }

  /** info is all there is. */
  replace(info: SecurityGroupInfo): void {
    this.devices.clear();
    this.rules.clear();
    this.memberIps.clear();
    this.stateful.clear();
    this.merge(info);
  }

  /** Forgets ports, given by port id or by device name; returns the port ids forgotten. */
  forget(ids: string[]): string[] {
    const wanted = new Set(ids);
    const gone: string[] = [];
    for (const [portId, d] of this.devices) {
      if (wanted.has(portId) || wanted.has(d.device) || wanted.has(deviceName(d))) {
        this.devices.delete(portId);
        gone.push(portId);
      }
    }
    return gone;
  }

  /** Numbers read back from the kernel at start: reserved so they keep their meaning. */
  recover(rec: { ruleNumbers: Map<string, number>; zones: Map<string, number> }): void {
    const held = new Set(this.ruleNumbers.values());
    for (const [k, n] of rec.ruleNumbers) {
      if (this.ruleNumbers.has(k) || held.has(n) || !(n >= 1 && n <= MAX_NUMBER)) continue;
      held.add(n);
      this.ruleNumbers.set(k, n);
      this.recoveredUnseen.add(k);
    }
    for (const [b, z] of rec.zones) if (!this.zones.has(b)) this.zones.set(b, z);
  }

  /** The model of what is known now; hands out numbers to new ports, rules and bridges. */
  build(): { model: FirewallModel; skipped: SkippedRule[] } {
    const model = emptyModel();
    const skipped: SkippedRule[] = [];
    const usedIndexes = { used: new Set(this.portIndexes.values()), next: 1 };
    const usedNumbers = { used: new Set(this.ruleNumbers.values()), next: 1 };
    const usedZones = { used: new Set(this.zones.values()), next: 1 };

    for (const d of this.devices.values()) {
      const bridge = bridgeName(d.network_id);
      if (!model.zones.has(bridge)) model.zones.set(bridge, this.zones.get(bridge) ?? take(this.zones, bridge, usedZones));
      if (!isFiltered(d)) continue;
      const index = this.portIndexes.get(d.port_id) ?? take(this.portIndexes, d.port_id, usedIndexes);
      const cached = this.portCache.get(d.port_id);
      let port = cached && cached.from === d && cached.index === index ? cached.port : securedPort(d, index, bridge);
      // the API keeps a port's groups all stateful or all stateless
      const stateless = port.groups.length > 0 && port.groups.every((g) => this.stateful.get(g) === false);
      if (port.stateless !== stateless) port = { ...port, stateless };
      this.portCache.set(d.port_id, { from: d, index, port });
      model.ports.set(d.port_id, port);
    }

    for (const p of model.ports.values()) {
      for (const g of p.groups) {
        if (model.groups.has(g)) continue;
        const out: SgRule[] = [];
        const seen = new Set<string>();
        for (const r of this.rules.get(g) ?? []) {
          const key = ruleKey(g, r);
          if (seen.has(key)) continue; // the same rule twice adds nothing
          seen.add(key);
          const number = this.ruleNumbers.get(key) ?? take(this.ruleNumbers, key, usedNumbers);
          this.recoveredUnseen.delete(key);
          const rule = normalizeRule(g, key, number, r);
          if (typeof rule === 'string') skipped.push({ group: g, key, reason: rule });
          else out.push(rule);
        }
        model.groups.set(g, out);
      }
    }

    for (const rules of model.groups.values()) {
      for (const r of rules) {
        if (!r.remoteGroup || model.members.has(r.remoteGroup)) continue;
        const m = this.memberIps.get(r.remoteGroup);
        model.members.set(r.remoteGroup, { v4: collapse(m?.IPv4 ?? [], 4), v6: collapse(m?.IPv6 ?? [], 6) });
      }
    }
    return { model, skipped };
  }

  /** Gives back the numbers of what model no longer has (after the kernel let go of them). */
  prune(model: FirewallModel): void {
    for (const id of [...this.portIndexes.keys()]) if (!model.ports.has(id)) this.portIndexes.delete(id);
    for (const id of [...this.portCache.keys()]) if (!model.ports.has(id)) this.portCache.delete(id);
    for (const b of [...this.zones.keys()]) if (!model.zones.has(b)) this.zones.delete(b);
    const live = new Set<string>();
    for (const rules of model.groups.values()) for (const r of rules) live.add(r.key);
    for (const k of [...this.ruleNumbers.keys()]) if (!live.has(k) && !this.recoveredUnseen.has(k)) this.ruleNumbers.delete(k);
  }

  /** Recovered numbers whose rules are gone for good (call at a full sync); they are given back. */
  dropUnseen(): Map<string, number> {
    const out = new Map<string, number>();
    for (const k of this.recoveredUnseen) {
      const n = this.ruleNumbers.get(k);
      if (n !== undefined) out.set(k, n);
      this.ruleNumbers.delete(k);
    }
    this.recoveredUnseen.clear();
    return out;
  }

  /** Port ids known (filtered or not). */
  knownPorts(): string[] {
    return [...this.devices.keys()];
  }
}

/** Lowest number in 1..65535 nobody holds; recorded under key. Nothing is freed during a build, so the search resumes where the last one ended. */
function take(map: Map<string, number>, key: string, pool: { used: Set<number>; next: number }): number {
  for (let n = pool.next; n <= MAX_NUMBER; n++) {
    if (!pool.used.has(n)) {
      pool.used.add(n);
      pool.next = n + 1;
      map.set(key, n);
      return n;
    }
  }
  throw new Error(`no free number left for ${key} (all ${MAX_NUMBER} in use)`);
}

/** Neutron leaves ports without port security, and the network's own ports, unfiltered. */
function isFiltered(d: DeviceInfo): boolean {
  if (d.port_security_enabled === false) return false;
  return !(d.device_owner ?? '').startsWith(DEVICE_OWNER_NETWORK_PREFIX);
}

/** The tap device of a port: the device the agent named, or the linuxbridge name. */
export function deviceName(d: { device: string; port_id: string }): string {
  return /^[A-Za-z0-9_.:-]{1,15}$/.test(d.device ?? '') ? d.device : tapName(d.port_id);
}

const LLA_PREFIX = parseCidr('fe80::/64')!;

function securedPort(d: DeviceInfo, index: number, bridge: string): SecuredPort {
  const portMac = d.mac_address.toLowerCase();
  const raw = new Map<string, { v4: string[]; v6: string[] }>();
  const own = { v4: [] as string[], v6: [] as string[] };
  const add = (mac: string, addr: string) => {
    const p = parseAddress(addr);
    if (!p) return;
    const { c, text } = p;
    const entry = raw.get(mac) ?? { v4: [], v6: [] };
    raw.set(mac, entry);
    (c.version === 4 ? entry.v4 : entry.v6).push(text);
    (c.version === 4 ? own.v4 : own.v6).push(text);
  };
  raw.set(portMac, { v4: [], v6: [] });
  for (const ip of d.fixed_ips ?? []) add(portMac, ip);
  for (const pair of d.allowed_address_pairs ?? []) add((pair.mac_address || portMac).toLowerCase(), pair.ip_address);
  // Neutron lets a port without fixed IPs send from any address of its MAC
  if (!(d.fixed_ips ?? []).length) {
    raw.get(portMac)!.v4.push('0.0.0.0/0');
    raw.get(portMac)!.v6.push('::/0');
  }
  const sources = new Map<string, { v4: string[]; v6: string[] }>();
  for (const [mac, a] of raw) {
    // every MAC may use its link-local address (neighbour discovery, router solicitation)
    const lla = formatIp(6, eui64Address(LLA_PREFIX, mac));
    sources.set(mac, { v4: collapse(a.v4, 4), v6: collapse([...a.v6, lla], 6) });
  }
  return {
    id: d.port_id,
    tap: deviceName(d),
    bridge,
    index,
    groups: [...new Set(d.security_groups ?? [])].sort(),
    sources,
    addresses: { v4: [...new Set(own.v4)], v6: [...new Set(own.v6)] },
    stateless: false,
  };
}

const cidrText = (c: Cidr): string => (c.prefixlen === (c.version === 4 ? 32 : 128) ? formatIp(c.version, c.network) : formatCidr(c));

// Parsing addresses is most of the work of a build; the same ones come back every time.
const parsed = new Map<string, { c: Cidr; text: string } | null>();
function parseAddress(a: string): { c: Cidr; text: string } | null {
  let p = parsed.get(a);
  if (p === undefined) {
    const c = parseCidr(a);
    p = c ? { c, text: cidrText(c) } : null;
    if (parsed.size > 200_000) parsed.clear();
    parsed.set(a, p);
  }
  return p;
}

/** Addresses and prefixes of one family, deduplicated, with those inside another dropped (interval sets refuse overlaps). */
export function collapse(addrs: string[], family: Family): string[] {
  const full = family === 4 ? 32 : 128;
  const hosts = new Map<string, Cidr>();
  const nets: { c: Cidr; text: string }[] = [];
  for (const a of addrs) {
    const p = parseAddress(a);
    if (!p || p.c.version !== family) continue;
    if (p.c.prefixlen === full) hosts.set(p.text, p.c);
    else nets.push(p);
  }
  if (!nets.length) return [...hosts.keys()];
  nets.sort((a, b) => a.c.prefixlen - b.c.prefixlen);
  const kept: { c: Cidr; text: string }[] = [];
  for (const n of nets) if (!kept.some((k) => inside(k.c, n.c))) kept.push(n);
  const out = kept.map((k) => k.text);
  for (const [text, c] of hosts) if (!kept.some((k) => inside(k.c, c))) out.push(text);
  return out;
}

/** c lies within p */
export function inside(p: Cidr, c: Cidr): boolean {
  if (p.version !== c.version || c.prefixlen < p.prefixlen) return false;
  const bits = BigInt((p.version === 4 ? 32 : 128) - p.prefixlen);
  return c.network >> bits === p.network >> bits;
}

function ruleKey(group: string, r: RuleInfo): string {
  if (r.id && /^[A-Za-z0-9-]{1,64}$/.test(r.id)) return r.id;
  const content = JSON.stringify([group, r.direction, r.ethertype, r.protocol, r.port_range_min, r.port_range_max, r.remote_ip_prefix, r.remote_group_id, r.remote_address_group_id ?? null]);
  return `h${createHash('sha1').update(content).digest('hex').slice(0, 16)}`;
}

/** A server rule as the kernel needs it, or why it cannot be. */
export function normalizeRule(group: string, key: string, number: number, r: RuleInfo): SgRule | string {
  const direction = r.direction === 'egress' ? 'egress' : r.direction === 'ingress' ? 'ingress' : null;
  if (!direction) return `direction ${r.direction} is not ingress or egress`;
  const family: Family | null = r.ethertype === 'IPv6' ? 6 : r.ethertype === 'IPv4' || !r.ethertype ? 4 : null;
  if (!family) return `ethertype ${r.ethertype} is not IPv4 or IPv6`;
  let protocol = protocolNumber(r.protocol);
  if (protocol === undefined) return `protocol ${String(r.protocol)} is not known`;
  if (protocol === 0) protocol = null; // as with iptables, 0 means every protocol
  // "icmp" on an IPv6 rule means ICMPv6, as in Neutron
  if (family === 6 && protocol === 1) protocol = 58;
  let ports: SgRule['ports'] = null;
  let icmp: SgRule['icmp'] = null;
  const min = r.port_range_min ?? null;
  const max = r.port_range_max ?? null;
  if (protocol !== null && PORT_PROTOCOLS.has(protocol) && min !== null) {
    const hi = max ?? min;
    if (!(min >= 0 && hi <= 65535 && min <= hi)) return `port range ${min}-${hi} is not valid`;
    if (!(min === 0 && hi === 65535)) ports = [min, hi];
  } else if ((protocol === 1 || protocol === 58) && min !== null) {
    if (!(min >= 0 && min <= 255) || (max !== null && !(max >= 0 && max <= 255))) return `icmp type/code ${min}/${max} is not valid`;
    icmp = { type: min, code: max };
  }
  let remotePrefix: string | null = null;
  if (r.remote_ip_prefix) {
    const c = parseCidr(r.remote_ip_prefix);
    if (!c) return `remote_ip_prefix ${r.remote_ip_prefix} is not a prefix`;
    if (c.version !== family) return `remote_ip_prefix ${r.remote_ip_prefix} is not ${r.ethertype}`;
    if (c.prefixlen > 0) remotePrefix = cidrText(c);
  }
  const remoteGroup = r.remote_group_id ?? (r.remote_address_group_id ? addressGroupRemote(r.remote_address_group_id) : null);
  return { key, number, group, direction, family, protocol, ports, icmp, remotePrefix, remoteGroup };
}

/**
 * The remote side of rules that name an address group: its prefixes fill an interval set as a
 * remote group's members do. The prefix keeps it apart from group ids (UUIDs).
 */
export const addressGroupRemote = (addressGroupId: string): string => `ag-${addressGroupId}`;
