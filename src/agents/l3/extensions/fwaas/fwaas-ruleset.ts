// The nftables table of a router's firewall groups (pure): what neutron-fwaas's iptables driver
// builds, in one inet table of the qrouter namespace. Per bound interface (qr-…):
//   forward:  oifname qr-X jump in-X      (ingress policy: traffic the router sends into the network)
//             iifname qr-X jump eg-X      (egress policy: traffic that comes from the network)
//             oifname qr-X drop; iifname qr-X drop
//   in-X/eg-X: ct state invalid drop; ct state established,related accept; new TCP without SYN
//              drop; the policy's rules
// A group without a policy one way keeps its chain that way (replies pass, nothing new);
// an admin-down group has no chains (everything through its ports is dropped).
//
// Every allow rule stamps the connections it lets in with a conntrack mark that names the rule
// at its place in its chain (port, direction, the rules up to it). A change that drops, edits or
// moves a rule changes or removes its mark: the agent then ends the connections carrying the
// marks that are gone (flows a change forbids), and leaves the others alone.
import { DEVICE_NAME_ID_LENGTH, ROUTER_INTERFACE_PREFIX, servicePortDevice } from '../../../../contract/device-names.js';
import type { FwaasGroup, FwaasRule } from '../../../../contract/fwaas.js';
import { emptyTable, type NftTable } from '../../../firewall/nft-table.js';

export const FWAAS_TABLE = 'neutrino-fwaas';
const NOT_SYN_DROP = 'tcp flags & (fin | syn | rst | ack) != syn drop';
/** the conntrack mark bits fwaas owns (the high nibble says "fwaas", so 0 is never a rule's) */
export const MARK_TAG = 0xf0000000;

/** FNV-1a, 28 bits: a rule's place as a conntrack mark. */
function markOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (MARK_TAG | (h & 0x0fffffff)) >>> 0;
}

const protoOf = (r: FwaasRule): string | null => {
  if (r.protocol === null) return null;
  // as neutron-fwaas: icmp in an IPv6 rule is ICMPv6
  if (r.protocol === 'icmp' && r.ip_version === 6) return 'ipv6-icmp';
  return r.protocol;
};

const range = (p: string): string => p.replace(':', '-');

/** The nft match of a rule (without verdict). */
export function ruleMatch(r: FwaasRule): string {
  const parts = [r.ip_version === 4 ? 'meta nfproto ipv4' : 'meta nfproto ipv6'];
  const ip = r.ip_version === 4 ? 'ip' : 'ip6';
  if (r.source_ip_address) parts.push(`${ip} saddr ${r.source_ip_address}`);
  if (r.destination_ip_address) parts.push(`${ip} daddr ${r.destination_ip_address}`);
  const proto = protoOf(r);
  if (proto !== null) {
    if ((proto === 'tcp' || proto === 'udp') && (r.source_port || r.destination_port)) {
      if (r.source_port) parts.push(`${proto} sport ${range(r.source_port)}`);
      if (r.destination_port) parts.push(`${proto} dport ${range(r.destination_port)}`);
    } else {
      parts.push(`meta l4proto ${proto}`);
    }
  }
  return parts.join(' ');
}

export interface FwaasPlan {
  table: NftTable;
  /** conntrack marks of the allow rules in force (mark → the port they guard) */
  marks: Map<number, string>;
  /** ports with chains (the group enforces there) */
  enforced: Set<string>;
}

const short = (portId: string) => portId.slice(0, DEVICE_NAME_ID_LENGTH);

/** The table for a router's groups; null when no group binds any of its interfaces. */
export function planFwaas(groups: FwaasGroup[]): FwaasPlan | null {
  const bound = groups.flatMap((g) => g.port_ids.map((p) => ({ g, p }))).sort((a, b) => a.p.localeCompare(b.p));
  if (!bound.length) return null;
  const t = emptyTable('inet', FWAAS_TABLE);
  const marks = new Map<number, string>();
  const enforced = new Set<string>();
  const jumps: string[] = [];
  const drops: string[] = [];
  for (const { g, p } of bound) {
    const dev = `"${servicePortDevice(ROUTER_INTERFACE_PREFIX, p)}"`;
    if (g.admin_state_up) {
      enforced.add(p);
      for (const [dir, rules, match] of [
        ['in', g.ingress_rules, 'oifname'],
        ['eg', g.egress_rules, 'iifname'],
      ] as const) {
        const chain = `${dir}-${short(p)}`;
        // a new TCP connection starts with a SYN: a mid-stream packet of a flow whose entry a
        // change deleted (picked up as new by conntrack) must not revive it through the other
        // direction's rules
        const out = ['ct state invalid drop', 'ct state established,related accept', NOT_SYN_DROP];
        let place = `${p}|${dir}`;
        for (const r of rules ?? []) {
          const m = ruleMatch(r);
          place += `|${m} ${r.action}`;
          if (r.action === 'allow') {
            const mark = markOf(place);
            marks.set(mark, p);
            out.push(`${m} ct mark set 0x${mark.toString(16)} accept`);
          } else {
            out.push(`${m} ${r.action === 'reject' ? 'reject' : 'drop'}`);
          }
        }
        t.chains.set(chain, { rules: out });
        jumps.push(`${match} ${dev} jump ${chain}`);
      }
    }
    drops.push(`oifname ${dev} drop`, `iifname ${dev} drop`);
  }
  t.chains.set('forward', { hook: 'type filter hook forward priority filter; policy accept;', rules: [...jumps, ...drops] });
  return { table: t, marks, enforced };
}
