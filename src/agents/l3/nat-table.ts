// The router's NAT as an nftables table in its namespace (pure: rendering and reading back).
//
//   table ip neutrino-nat
//     map floating_to_fixed   floating → fixed       (DNAT, prerouting and output)
//     map fixed_to_floating   fixed → floating       (SNAT of an instance that has one)
//     chain postrouting, in this order:
//       oifname qg-… snat to ip saddr map @fixed_to_floating        floating IPs first
//       ct status dnat oifname qr-X ip saddr <X's subnet> snat to <router on X>   hairpin
//       oifname qg-… iifname != qg-… snat to <gateway address>     when enable_snat
//     with the metadata proxy: prerouting first redirects 169.254.169.254:80 from a qr- to the
//     proxy's port, and chain input drops that port from anywhere but a qr- (the internet
//     must not reach the proxy with a forged instance address)
//
// Floating IPs are map elements, so associating, moving or releasing one changes an element
// in one transaction and touches no rule. Traffic between the router's internal subnets
// leaves by a qr- without DNAT, so nothing rewrites it. (Neutron: one iptables rule pair per
// floating IP in neutron-l3-agent-float-snat / PREROUTING.)
import type { NftJsonObject } from '../../linux/nft.js';
import { emptyTable, type NftTable } from '../firewall/nft-table.js';
import { METADATA_ADDRESS, METADATA_PORT } from '../../contract/metadata.js';
import { ROUTER_INTERFACE_PREFIX } from '../../contract/device-names.js';
import type { NatPlan } from './router-plan.js';

export const NAT_TABLE = 'neutrino-nat';
const MAP_SPEC = 'type ipv4_addr : ipv4_addr;';

export function renderNat(plan: NatPlan): NftTable {
  const t = emptyTable('ip', NAT_TABLE);
  const floating = new Map<string, string | null>();
  const reverse = new Map<string, string | null>();
  if (plan.gatewayDev) {
    for (const [fip, fixed] of [...plan.floating].sort(([a], [b]) => a.localeCompare(b))) {
      floating.set(fip, fixed);
      reverse.set(fixed, fip);
    }
  }
  t.sets.set('floating_to_fixed', { kind: 'map', spec: MAP_SPEC, elements: floating });
  t.sets.set('fixed_to_floating', { kind: 'map', spec: MAP_SPEC, elements: reverse });
  const dnat = plan.gatewayDev ? ['dnat to ip daddr map @floating_to_fixed'] : [];
  const qr = JSON.stringify(`${ROUTER_INTERFACE_PREFIX}*`);
  const metadata = plan.metadataPort ? [`iifname ${qr} ip daddr ${METADATA_ADDRESS} tcp dport ${METADATA_PORT} redirect to :${plan.metadataPort}`] : [];
  t.chains.set('prerouting', { hook: 'type nat hook prerouting priority dstnat; policy accept;', rules: [...metadata, ...dnat] });
  if (plan.metadataPort) t.chains.set('input', { hook: 'type filter hook input priority filter; policy accept;', rules: [`iifname != ${qr} tcp dport ${plan.metadataPort} drop`] });
  // the router's own traffic to a floating IP (as Neutron's OUTPUT rule)
  t.chains.set('output', { hook: 'type nat hook output priority -100; policy accept;', rules: [...dnat] });
  const post: string[] = [];
  if (plan.gatewayDev) {
    const qg = JSON.stringify(plan.gatewayDev);
    post.push(`oifname ${qg} snat to ip saddr map @fixed_to_floating`);
    for (const s of plan.internal) post.push(`ct status dnat oifname ${JSON.stringify(s.dev)} ip saddr ${s.cidr} snat to ${s.address}`);
    if (plan.snat && plan.gatewayIp) post.push(`oifname ${qg} iifname != ${qg} snat to ${plan.gatewayIp}`);
  }
  t.chains.set('postrouting', { hook: 'type nat hook postrouting priority srcnat; policy accept;', rules: post });
  return t;
}

/** floating → fixed of a table a previous process left (`nft -j list table ip neutrino-nat`). */
export function floatingOfTable(objects: NftJsonObject[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of objects) {
    if (!o.map || o.map.name !== 'floating_to_fixed' || !Array.isArray(o.map.elem)) continue;
    for (const e of o.map.elem as unknown[]) {
      if (Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string') out.set(e[0], e[1]);
    }
  }
  return out;
}

/** What changed between two floating → fixed maps. */
export function floatingChanges(before: Map<string, string>, after: Map<string, string>): { added: string[]; moved: string[]; removed: string[] } {
  const added: string[] = [];
  const moved: string[] = [];
  const removed: string[] = [];
  for (const [fip, fixed] of after) {
    const was = before.get(fip);
    if (was === undefined) added.push(fip);
    else if (was !== fixed) moved.push(fip);
  }
  for (const fip of before.keys()) if (!after.has(fip)) removed.push(fip);
  return { added, moved, removed };
}
