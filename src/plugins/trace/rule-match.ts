// Which security group rule lets a traced packet through (pure): the rules as the API stores
// them, read the way the agents' firewall renders them (src/agents/firewall/ruleset.ts): one
// rule matches on family, protocol, destination port range (or ICMP type/code) and the remote
// side — a prefix, the addresses of a remote group's members, or an address group's prefixes.
import { cidrContains, parseCidr, parseIp } from '../../common/ip-address.js';
import { ICMP_PROTOCOLS, PORT_PROTOCOLS, protocolNumber } from '../../contract/security-groups.js';
import type { SecurityGroupRuleTable } from '../../db/schema.js';

/** A rule as stored: the columns a match reads. */
export type StoredRule = Pick<
  SecurityGroupRuleTable,
  'id' | 'security_group_id' | 'direction' | 'ethertype' | 'protocol' | 'port_range_min' | 'port_range_max' | 'remote_ip_prefix' | 'remote_group_id' | 'remote_address_group_id'
>;

/** The Membership key of an address group's prefixes (apart from group ids, which are UUIDs). */
export const addressGroupKey = (id: string): string => `ag-${id}`;

export interface Packet {
  version: 4 | 6;
  /** IP protocol number */
  protocol: number;
  /** tcp/udp: destination port; icmp: type */
  dport: number | null;
  /** icmp: code */
  code: number | null;
}

/** Whether `ip` is in the member addresses (or prefixes, from allowed address pairs) of a group. */
export type Membership = (group: string, ip: string) => boolean;

/** The first rule of `rules` (one direction already chosen) that matches; the remote address is
 *  the packet's source for ingress and its destination for egress. */
export function matchingRule(rules: StoredRule[], packet: Packet, remote: string, members: Membership): StoredRule | null {
  const remoteIp = parseIp(remote);
  for (const r of rules) {
    if (r.ethertype !== `IPv${packet.version}`) continue;
    let proto = protocolNumber(r.protocol);
    // as the firewall renders it (and Neutron reads it): icmp in an IPv6 rule is ICMPv6
    if (packet.version === 6 && proto === 1) proto = 58;
    if (proto !== null && proto !== undefined && proto !== packet.protocol) continue;
    if (proto === undefined) continue;
    if (proto !== null && PORT_PROTOCOLS.has(proto) && r.port_range_min !== null) {
      const max = r.port_range_max ?? r.port_range_min;
      if (packet.dport === null || packet.dport < r.port_range_min || packet.dport > max) continue;
    }
    if (proto !== null && ICMP_PROTOCOLS.has(proto) && r.port_range_min !== null) {
      if (packet.dport !== r.port_range_min) continue;
      if (r.port_range_max !== null && packet.code !== r.port_range_max) continue;
    }
    if (r.remote_ip_prefix) {
      const c = parseCidr(r.remote_ip_prefix);
      if (!c || !remoteIp || c.version !== remoteIp.version || !cidrContains(c, remoteIp)) continue;
    }
    if (r.remote_group_id && !members(r.remote_group_id, remote)) continue;
    if (r.remote_address_group_id && !members(addressGroupKey(r.remote_address_group_id), remote)) continue;
    return r;
  }
  return null;
}

/** A rule as one line: "ingress IPv4 tcp 22 from 10.0.0.0/24". */
export function describeRule(r: StoredRule, groupName: (id: string) => string): string {
  const proto = r.protocol ?? 'any';
  let ports = '';
  if (r.port_range_min !== null) {
    const n = protocolNumber(r.protocol);
    if (n !== null && n !== undefined && ICMP_PROTOCOLS.has(n)) ports = ` type ${r.port_range_min}${r.port_range_max !== null ? ` code ${r.port_range_max}` : ''}`;
    else ports = r.port_range_max !== null && r.port_range_max !== r.port_range_min ? ` ${r.port_range_min}-${r.port_range_max}` : ` ${r.port_range_min}`;
  }
  const side = r.direction === 'ingress' ? 'from' : 'to';
  const remote = r.remote_group_id
    ? ` ${side} members of group ${groupName(r.remote_group_id)}`
    : r.remote_address_group_id
      ? ` ${side} address group ${r.remote_address_group_id}`
      : r.remote_ip_prefix
        ? ` ${side} ${r.remote_ip_prefix}`
        : ` ${side} anywhere`;
  return `${r.direction} ${r.ethertype} ${proto}${ports}${remote}`;
}

/** Whether ip is one of the addresses or prefixes given (fixed IPs, allowed address pairs). */
export function addressIn(ip: string, addresses: string[]): string | null {
  const a = parseIp(ip);
  if (!a) return null;
  for (const text of addresses) {
    if (text.includes('/')) {
      const c = parseCidr(text);
      if (c && c.version === a.version && cidrContains(c, a)) return text;
    } else {
      const b = parseIp(text);
      if (b && b.version === a.version && b.value === a.value) return text;
    }
  }
  return null;
}
