// The port forwardings of a router as an nftables table of their own in its qrouter namespace
// (pure: rendering). One map holds every forwarded port, so creating, changing or deleting a
// forwarding changes map elements in one transaction and touches no rule:
//
//   table ip neutrino-pf
//     map forwards  floating IP . protocol . external port → internal IP . internal port
//     chain prerouting  nat, priority dstnat + 10: dnat ip to ip daddr . meta l4proto . th dport map @forwards
//     chain output      nat, priority -90: the same for the router's own traffic
//
// The router's NAT table (src/agents/l3/nat-table.ts, priority dstnat) never holds a forwarded
// floating IP (it has no port, hence no 1:1 NAT), so the two tables' DNATs never compete; ours
// runs after it. Replies are un-NATed by conntrack; an instance reaching a forwarding on its own
// subnet is SNATed to the router by the NAT table's hairpin rule (it matches `ct status dnat`).
// A range maps port by port (2000:2010 → 3000:3010), or onto one port (N:1).
import type { AgentPortForwarding } from '../../../../contract/port-forwarding.js';
import { emptyTable, type NftTable } from '../../../firewall/nft-table.js';

export const PF_TABLE = 'neutrino-pf';
const MAP_SPEC = 'type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service;';

/** key "fip . proto . port" → value "ip . port", for every forwarded port. */
export function forwardedPorts(pfs: AgentPortForwarding[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const pf of [...pfs].sort((a, b) => a.floating_ip_address.localeCompare(b.floating_ip_address) || a.external_port_start - b.external_port_start)) {
    const single = pf.internal_port_start === pf.internal_port_end;
    for (let e = pf.external_port_start; e <= pf.external_port_end; e++) {
      const internal = single ? pf.internal_port_start : pf.internal_port_start + (e - pf.external_port_start);
      out.set(`${pf.floating_ip_address} . ${pf.protocol} . ${e}`, `${pf.internal_ip_address} . ${internal}`);
    }
  }
  return out;
}

export function renderPortForwardings(pfs: AgentPortForwarding[]): NftTable {
  const t = emptyTable('ip', PF_TABLE);
  t.sets.set('forwards', { kind: 'map', spec: MAP_SPEC, elements: forwardedPorts(pfs) });
  const dnat = 'dnat ip to ip daddr . meta l4proto . th dport map @forwards';
  t.chains.set('prerouting', { hook: 'type nat hook prerouting priority dstnat + 10; policy accept;', rules: [dnat] });
  t.chains.set('output', { hook: 'type nat hook output priority -90; policy accept;', rules: [dnat] });
  return t;
}

/** The forwarded ports of `before` that `after` no longer maps the same way (their flows must go). */
export function changedPorts(before: Map<string, string | null>, after: Map<string, string | null>): { dst: string; protocol: 'tcp' | 'udp'; dport: number }[] {
  const out: { dst: string; protocol: 'tcp' | 'udp'; dport: number }[] = [];
  for (const [k, v] of before) {
    if (after.get(k) === v) continue;
    const [dst, protocol, port] = k.split(' . ');
    out.push({ dst, protocol: protocol as 'tcp' | 'udp', dport: Number(port) });
  }
  return out;
}
