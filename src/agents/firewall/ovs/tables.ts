// The OpenFlow tables, registers and cookies of the Open vSwitch firewall on br-int
// ([securitygroup] firewall_driver = openvswitch), laid out as Neutron's OVS firewall is:
//
//   table 0   (the L2 plan)  a port of this host → reg5 = its OpenFlow port, reg6 = its network's
//                            local VLAN (the conntrack zone); filtered → 71, unfiltered → 75.
//                            Everything else (patch ports) → 60 instead of NORMAL.
//   table 60  a frame for a filtered port's MAC on its local VLAN → pop the VLAN, reg5 = the
//             port, → 81 (ingress). Untagged frames for it from elsewhere: drop. Else NORMAL.
//   table 71  egress anti-spoofing: source MAC and IP (fixed IPs, allowed address pairs), ARP,
//             DHCP discovery, DAD; an instance is no DHCP server and no router → 72
//   table 72  neighbour discovery passes untracked (conntrack calls it invalid); stateful
//             ports' IP goes through ct(zone=reg6) → 73, stateless ports' straight to 73
//   table 73  egress rules: invalid dropped, replies and related accepted (stateful only),
//             Neutron's fixed rules, the groups' rules → 74; else drop
//   table 74  commit the connection (tracked packets) → 75
//   table 75  a frame for a filtered port of this host on the same network → 81; else NORMAL
//   table 81  ingress: ND and non-IP delivered; IP through ct(zone=reg6) unless tracked → 82
//   table 82  ingress rules as 73 → 83; else drop
//   table 83  commit (tracked), output to reg5
//
// A connection is re-checked against the rules on every packet of its original direction (the
// reply direction is accepted while the connection is established): taking a rule, a group or
// a remote group member away stops what it let in at once, in the same OpenFlow bundle.
import { COOKIE_BASE } from '../../openvswitch/flow-plan.js';

export const FW_SWITCH = 60;
export const FW_EGRESS_BASE = 71;
export const FW_EGRESS_CT = 72;
export const FW_EGRESS_RULES = 73;
export const FW_EGRESS_COMMIT = 74;
export const FW_EGRESS_OUT = 75;
export const FW_INGRESS_BASE = 81;
export const FW_INGRESS_RULES = 82;
export const FW_INGRESS_COMMIT = 83;

/** every table the firewall owns (table 0 is shared with the L2 plan) */
export const FIREWALL_TABLES = [FW_SWITCH, FW_EGRESS_BASE, FW_EGRESS_CT, FW_EGRESS_RULES, FW_EGRESS_COMMIT, FW_EGRESS_OUT, FW_INGRESS_BASE, FW_INGRESS_RULES, FW_INGRESS_COMMIT];

/** what table 0 does instead of NORMAL when the firewall is on */
export const SWITCH_ACTION = `goto_table:${FW_SWITCH}`;

/** the conntrack zone register, as ct() names it */
export const ZONE = 'NXM_NX_REG6[0..15]';

/** bits 32-47 of a firewall cookie: 2 (the L2 plan's are 0 and 1) */
const FIREWALL_COOKIE = COOKIE_BASE | (2n << 32n);
/** table defaults of the firewall */
export const FIREWALL_STATIC_COOKIE = FIREWALL_COOKIE;

/** The cookie of one port's firewall flows: stable across restarts. */
export function portCookie(portId: string): bigint {
  let h = 0x811c9dc5;
  for (const c of portId) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  // 0 is the static cookie
  return FIREWALL_COOKIE | BigInt(h || 1);
}

/** Whether a flow's cookie is one of the firewall's. */
export const isFirewallCookie = (cookie: bigint): boolean => (cookie >> 32n) << 32n === FIREWALL_COOKIE;
