// The nftables ruleset of a host's port firewall, rendered from the model (pure).
//
// Bridged traffic needs two tables because of what this kernel can do: nft in the inet family
// sees the bridge, not the port, as iifname/oifname under br_netfilter, and the bridge family
// has no conntrack. So:
//  - table bridge neutrino-sg marks every frame with the ports it comes from (skb mark bits
//    0-15, in prerouting) and goes to (bits 16-31, in forward; a flooded frame is cloned per
//    output port first, so each copy gets its own), and drops spoofed MAC/IP/ARP and
//    DHCP-server / router-advertisement traffic from the instance. All of it is driven by
//    sets keyed by the tap name: a port adds elements, not rules.
//  - table inet neutrino-sg gives each bridge its own conntrack zone and filters by those
//    marks: the low bits pick the egress chain of the sender's set of security groups, the
//    high bits the ingress chain of the receiver's. Ports with the same groups share chains;
//    each group's rules live once in a chain of their own, remote groups are named sets.
// Egress and ingress are two base chains on the forward hook: an accept in one ends only that
// chain, so a packet between two filtered ports on one host must pass both.
import { createHash } from 'node:crypto';
import type { FirewallModel, SgRule } from './model.js';
import type { NftChain, NftSet, NftTable } from './nft-table.js';

export const TABLE = 'neutrino-sg';

const FROM_MASK = 0xffff;
const TO_MASK = 0xffff0000;

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const q = (s: string): string => `"${s}"`;

export const groupChain = (group: string, direction: 'ingress' | 'egress'): string => `sg-${group}-${direction === 'ingress' ? 'i' : 'e'}`;
export const remoteSet = (group: string, family: 4 | 6): string => `rg-${group}-${family}`;
/** the chain of a set of groups: ports in the same groups share it */
export const groupSetChain = (groups: string[], direction: 'ingress' | 'egress'): string => `gs-${groupSetDigest(groups)}-${direction === 'ingress' ? 'i' : 'e'}`;
const digests = new Map<string, string>();
function groupSetDigest(groups: string[]): string {
  const key = groups.join(',');
  let d = digests.get(key);
  if (d === undefined) {
    d = createHash('sha1').update(key).digest('hex').slice(0, 16);
    if (digests.size > 10_000) digests.clear();
    digests.set(key, d);
  }
  return d;
}
export const toPortChain = (index: number): string => `to-${index}`;

/** The comment that lets a restarted agent find its rule numbers again. */
export const ruleComment = (r: SgRule): string => `sgr ${r.key} ${r.number}`;
export const RULE_COMMENT = /^sgr (\S+) (\d+)$/;

function set(kind: 'set' | 'map', spec: string): NftSet {
  return { kind, spec, elements: new Map() };
}

export function renderBridgeTable(m: FirewallModel): NftTable {
  const sets = new Map<string, NftSet>([
    ['secured', set('set', 'type ifname;')],
    ['port_index', set('map', 'type ifname : mark;')],
    ['port_mac', set('set', 'type ifname . ether_addr;')],
    ['port_ipv4', set('set', 'type ifname . ether_addr . ipv4_addr; flags interval;')],
    ['port_ipv6', set('set', 'type ifname . ether_addr . ipv6_addr; flags interval;')],
    ['to_port', set('map', 'type ifname : verdict;')],
  ]);
  const el = (name: string) => sets.get(name)!.elements;
  const chains = new Map<string, NftChain>();
  chains.set('prerouting', {
    hook: 'type filter hook prerouting priority -200; policy accept;',
    rules: [
      // frames from unfiltered ports carry no sender bits
      `iifname != @secured meta mark set meta mark & ${hex(TO_MASK)} accept`,
      'meta mark set iifname map @port_index',
      'iifname . ether saddr != @port_mac drop',
      // tagged frames would bypass every IP check below
      'ether type { 8021q, 8021ad } drop',
      // ARP probes (RFC 5227) come from 0.0.0.0
      'arp saddr ip 0.0.0.0 iifname . arp saddr ether @port_mac accept',
      'iifname . arp saddr ether . arp saddr ip != @port_ipv4 drop',
      // DHCP discovery before the instance has an address
      'ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68 udp dport 67 accept',
      'iifname . ether saddr . ip saddr != @port_ipv4 drop',
      // duplicate address detection and MLD before the instance has an address
      'ip6 saddr :: ip6 daddr ff02::/16 icmpv6 type { nd-neighbor-solicit, mld-listener-report, mld2-listener-report } accept',
      'iifname . ether saddr . ip6 saddr != @port_ipv6 drop',
      // an instance is no DHCP server and no router
      'udp sport 67 udp dport 68 drop',
      'udp sport 547 udp dport 546 drop',
      'icmpv6 type nd-router-advert drop',
    ],
  });
  chains.set('forward', {
    hook: 'type filter hook forward priority -200; policy accept;',
    rules: [`meta mark set meta mark & ${hex(FROM_MASK)}`, 'oifname vmap @to_port'],
  });

  for (const p of m.ports.values()) {
    const tap = q(p.tap);
    el('secured').set(tap, null);
    el('port_index').set(tap, hex(p.index));
    for (const [mac, a] of p.sources) {
      el('port_mac').set(`${tap} . ${mac}`, null);
      for (const ip of a.v4) el('port_ipv4').set(`${tap} . ${mac} . ${ip}`, null);
      for (const ip of a.v6) el('port_ipv6').set(`${tap} . ${mac} . ${ip}`, null);
    }
    // the receiver bits are a constant per chain: nft cannot OR in a looked-up value
    chains.set(toPortChain(p.index), { rules: [`meta mark set meta mark | ${hex(p.index << 16)}`] });
    el('to_port').set(tap, `jump ${toPortChain(p.index)}`);
  }
  return { family: 'bridge', name: TABLE, sets, chains };
}

export function renderInetTable(m: FirewallModel): NftTable {
  const sets = new Map<string, NftSet>([
    ['zones', set('map', 'typeof iifname : ct zone;')],
    ['egress', set('map', 'type mark : verdict;')],
    ['ingress', set('map', 'type mark : verdict;')],
    // ports in stateless groups: looked up before conntrack's verdict, so every packet meets the rules
    ['egress_stateless', set('map', 'type mark : verdict;')],
    ['ingress_stateless', set('map', 'type mark : verdict;')],
  ]);
  const chains = new Map<string, NftChain>();
  chains.set('raw', {
    hook: 'type filter hook prerouting priority raw; policy accept;',
    // under br_netfilter iifname is the bridge: one zone per network keeps overlapping addresses apart
    rules: ['ct zone set iifname map @zones'],
  });
  const egress = [`meta mark & ${hex(FROM_MASK)} vmap @egress_stateless`, 'ct state established,related accept', `meta mark & ${hex(FROM_MASK)} vmap @egress`];
  chains.set('egress', { hook: 'type filter hook forward priority filter; policy accept;', rules: egress });
  // what an instance sends to the host itself never reaches forward
  chains.set('egress_local', { hook: 'type filter hook input priority filter; policy accept;', rules: egress });
  chains.set('ingress', {
    hook: 'type filter hook forward priority filter + 1; policy accept;',
    rules: [`meta mark & ${hex(TO_MASK)} vmap @ingress_stateless`, 'ct state established,related accept', `meta mark & ${hex(TO_MASK)} vmap @ingress`],
  });
  // what every filtered port may do whatever its groups say (Neutron's fixed rules)
  chains.set('fixed-e', {
    rules: ['meta nfproto ipv4 udp sport 68 udp dport 67 accept', 'meta nfproto ipv6 udp sport 546 udp dport 547 accept', 'meta l4proto ipv6-icmp accept'],
  });
  chains.set('fixed-i', {
    rules: [
      'meta nfproto ipv4 udp sport 67 udp dport 68 accept',
      'meta nfproto ipv6 udp sport 547 udp dport 546 accept',
      'icmpv6 type { mld-listener-query, nd-neighbor-solicit, nd-neighbor-advert } accept',
      'ip6 saddr fe80::/10 icmpv6 type nd-router-advert accept',
    ],
  });

  for (const [b, zone] of m.zones) sets.get('zones')!.elements.set(q(b), String(zone));

  for (const [g, rules] of m.groups) {
    for (const direction of ['ingress', 'egress'] as const) {
      chains.set(groupChain(g, direction), { rules: rules.filter((r) => r.direction === direction).map(renderRule) });
    }
  }
  for (const [g, members] of m.members) {
    for (const family of [4, 6] as const) {
      const s = set('set', `type ${family === 4 ? 'ipv4_addr' : 'ipv6_addr'}; flags interval;`);
      for (const ip of family === 4 ? members.v4 : members.v6) s.elements.set(ip, null);
      sets.set(remoteSet(g, family), s);
    }
  }

  for (const p of m.ports.values()) {
    for (const direction of ['ingress', 'egress'] as const) {
      const name = groupSetChain(p.groups, direction);
      if (!chains.has(name)) {
        // without conntrack's verdict (stateless) there is no invalid state to drop
        const tracked = p.stateless ? [] : ['ct state invalid drop'];
        chains.set(name, {
          rules: [...tracked, `jump fixed-${direction === 'ingress' ? 'i' : 'e'}`, ...p.groups.map((g) => `jump ${groupChain(g, direction)}`), 'drop'],
        });
      }
      const key = direction === 'ingress' ? hex(p.index << 16) : hex(p.index);
      sets.get(p.stateless ? `${direction}_stateless` : direction)!.elements.set(key, `goto ${name}`);
    }
  }
  return { family: 'inet', name: TABLE, sets, chains };
}

/** One security group rule as one nft rule (it only ever sees the first packet of a flow). */
export function renderRule(r: SgRule): string {
  const parts: string[] = [`meta nfproto ipv${r.family}`];
  if (r.protocol !== null) parts.push(`meta l4proto ${r.protocol}`);
  if (r.ports) parts.push(`th dport ${r.ports[0] === r.ports[1] ? r.ports[0] : `${r.ports[0]}-${r.ports[1]}`}`);
  if (r.icmp) {
    const proto = r.protocol === 58 ? 'icmpv6' : 'icmp';
    parts.push(`${proto} type ${r.icmp.type}`);
    if (r.icmp.code !== null) parts.push(`${proto} code ${r.icmp.code}`);
  }
  // the remote side is the source of what comes in and the destination of what goes out
  const addr = `${r.family === 4 ? 'ip' : 'ip6'} ${r.direction === 'ingress' ? 'saddr' : 'daddr'}`;
  if (r.remotePrefix) parts.push(`${addr} ${r.remotePrefix}`);
  if (r.remoteGroup) parts.push(`${addr} @${remoteSet(r.remoteGroup, r.family)}`);
  // which rule let the flow in, kept in the flow's ct mark so that removing the rule can end it
  const mark = r.direction === 'ingress' ? `ct mark & ${hex(FROM_MASK)} | ${hex(r.number << 16)}` : `ct mark & ${hex(TO_MASK)} | ${hex(r.number)}`;
  parts.push(`ct mark set ${mark}`, 'accept', `comment ${q(ruleComment(r))}`);
  return parts.join(' ');
}

export function renderTables(m: FirewallModel): { bridge: NftTable; inet: NftTable } {
  return { bridge: renderBridgeTable(m), inet: renderInetTable(m) };
}
