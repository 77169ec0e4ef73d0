// What an L2 agent needs to filter its ports (security_group_info_for_devices, built by
// src/plugins/ml2/rpc-callbacks.ts), and how a rule's protocol reads: the API validates rules
// and the agents' firewall renders them by the same table, so both agree on what "tcp" or "58" is.

export interface SecurityGroupInfo {
  devices: Record<
    string,
    {
      device: string;
      port_id: string;
      mac_address: string;
      fixed_ips: string[];
      allowed_address_pairs: { ip_address: string; mac_address: string }[];
      security_groups: string[];
      port_security_enabled: boolean;
      network_id: string;
    }
  >;
  security_groups: Record<
    string,
    {
      direction: string;
      ethertype: string;
      protocol: string | null;
      port_range_min: number | null;
      port_range_max: number | null;
      remote_ip_prefix: string | null;
      remote_group_id: string | null;
      /** address-group: the remote side is this address group's prefixes */
      remote_address_group_id?: string | null;
    }[]
  >;
  sg_member_ips: Record<string, { IPv4: string[]; IPv6: string[] }>;
  /** address group → its prefixes, for the rules that name it */
  address_groups?: Record<string, { IPv4: string[]; IPv6: string[] }>;
  /** group → whether its ports' traffic is tracked (stateful-security-group); absent: stateful */
  sg_stateful?: Record<string, boolean>;
}

/** IP protocol names a security group rule accepts, with their numbers. */
export const PROTOCOL_NUMBERS: Record<string, number> = {
  ah: 51,
  dccp: 33,
  egp: 8,
  esp: 50,
  gre: 47,
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ipip: 4,
  ipv6: 41,
  'ipv6-encap': 41,
  'ipv6-frag': 44,
  'ipv6-icmp': 58,
  icmpv6: 58,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  'ipv6-route': 43,
  ospf: 89,
  pgm: 113,
  rsvp: 46,
  sctp: 132,
  tcp: 6,
  udp: 17,
  udplite: 136,
  vrrp: 112,
};

/** Protocols whose rules may carry a port range. */
export const PORT_PROTOCOLS = new Set([6, 17, 33, 132, 136]);
export const ICMP_PROTOCOLS = new Set([1, 58]);
/** Protocols that only exist over IPv6: ipv6-encap, ipv6-route, ipv6-frag, ipv6-icmp, ipv6-nonxt, ipv6-opts. */
export const IPV6_ONLY_PROTOCOLS = new Set([41, 43, 44, 58, 59, 60]);

/** "tcp", "TCP", "6" → 6; "any"/null → null; unknown → undefined. */
export function protocolNumber(p: unknown): number | null | undefined {
  if (p === null || p === undefined) return null;
  if (typeof p === 'number') return Number.isInteger(p) && p >= 0 && p <= 255 ? p : undefined;
  if (typeof p !== 'string') return undefined;
  const t = p.trim().toLowerCase();
  if (t === 'any' || t === '') return null;
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return n <= 255 ? n : undefined;
  }
  return t in PROTOCOL_NUMBERS ? PROTOCOL_NUMBERS[t] : undefined;
}
