// The nft table of the L3 agent's metering extension in a qrouter namespace (pure rendering):
// a named counter per label, a chain per label that counts a packet once when one of its rules
// matches (excluded rules return first), and a forward chain that sends every packet through
// every label's chain. Ingress is what comes in on the gateway (qg-), egress what goes out
// on it, as Neutron's metering; remote_ip_prefix is the far side (the source of ingress, the
// destination of egress). A change flushes and refills the chains in one transaction, while
// the counters of labels that stay are left as they are (counted bytes are never reset).
import { parseCidr } from '../../../../common/ip-address.js';
import type { AgentMeteringRule } from '../../../../contract/metering.js';

export const METERING_TABLE = 'neutrino-metering';

export const counterName = (labelId: string): string => `label-${labelId}`;
const chainName = (labelId: string): string => `l-${labelId}`;

function match(side: 'saddr' | 'daddr', prefix: string): string {
  const v = parseCidr(prefix)?.version === 6 ? 'ip6' : 'ip';
  return `${v} ${side} ${prefix}`;
}

function ruleMatch(gateway: string, r: AgentMeteringRule): string {
  const parts = [r.direction === 'ingress' ? `iifname "${gateway}"` : `oifname "${gateway}"`];
  if (r.remote_ip_prefix) parts.push(match(r.direction === 'ingress' ? 'saddr' : 'daddr', r.remote_ip_prefix));
  if (r.source_ip_prefix) parts.push(match('saddr', r.source_ip_prefix));
  if (r.destination_ip_prefix) parts.push(match('daddr', r.destination_ip_prefix));
  return parts.join(' ');
}

/**
 * The nft script that makes the table count these labels; `had`: the labels counted before
 * (their counters and chains that are no longer wanted go). `gateway` null: no rule matches.
 */
export function renderMetering(gateway: string | null, labels: { id: string; rules: AgentMeteringRule[] }[], had: string[]): string {
  const t = `inet ${METERING_TABLE}`;
  const lines = [`add table ${t}`, `add chain ${t} forward { type filter hook forward priority -150; policy accept; }`, `flush chain ${t} forward`];
  const wanted = new Set(labels.map((l) => l.id));
  for (const l of labels) {
    lines.push(`add counter ${t} ${counterName(l.id)}`, `add chain ${t} ${chainName(l.id)}`, `flush chain ${t} ${chainName(l.id)}`);
    if (gateway) {
      for (const r of l.rules.filter((x) => x.excluded)) lines.push(`add rule ${t} ${chainName(l.id)} ${ruleMatch(gateway, r)} return`);
      for (const r of l.rules.filter((x) => !x.excluded)) lines.push(`add rule ${t} ${chainName(l.id)} ${ruleMatch(gateway, r)} counter name "${counterName(l.id)}" return`);
    }
    lines.push(`add rule ${t} forward jump ${chainName(l.id)}`);
  }
  for (const id of had.filter((h) => !wanted.has(h))) lines.push(`delete chain ${t} ${chainName(id)}`, `delete counter ${t} ${counterName(id)}`);
  return `${lines.join('\n')}\n`;
}

/** label id → {pkts, bytes} from `nft -j list table inet neutrino-metering` */
export function countersOf(objects: Record<string, Record<string, unknown>>[]): Map<string, { pkts: number; bytes: number }> {
  const out = new Map<string, { pkts: number; bytes: number }>();
  for (const o of objects) {
    const c = o.counter as { name?: string; packets?: number; bytes?: number } | undefined;
    if (c?.name?.startsWith('label-')) out.set(c.name.slice('label-'.length), { pkts: Number(c.packets ?? 0), bytes: Number(c.bytes ?? 0) });
  }
  return out;
}
