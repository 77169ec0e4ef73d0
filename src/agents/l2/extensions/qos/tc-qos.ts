// What a QoS policy becomes on a Linux bridge host's tap (the instance's port seen from the
// host): the instance's ingress limit is a tbf on the tap's root (what leaves the tap reaches
// the instance); its egress limit is on what enters the tap — a `police` on the ingress qdisc
// where the kernel has act_police, else (this kernel) a mirred redirect into an ifb device
// shaped by the same tbf; DSCP marking is an nftables netdev ingress chain on the tap
// (`ip dscp set`, as tc's pedit/skbedit are missing). Pure rendering, plus the probe.
import type { AgentQosRule } from '../../../../contract/qos.js';

export interface TapQos {
  /** kbit/s, burst kbit */
  egress: { rate: number; burst: number } | null;
  ingress: { rate: number; burst: number } | null;
  dscp: number | null;
}

export const NO_QOS: TapQos = { egress: null, ingress: null, dscp: null };

/** Neutron's default burst when max_burst_kbps is 0: 80% of the rate (a burst of 0 would drop everything) */
const burstOf = (r: AgentQosRule) => Math.max(r.max_burst_kbps || Math.round((r.max_kbps ?? 0) * 0.8), 64);

export function tapQosOf(rules: AgentQosRule[]): TapQos {
  const out: TapQos = { egress: null, ingress: null, dscp: null };
  for (const r of rules) {
    if (r.type === 'bandwidth_limit' && r.max_kbps !== undefined && r.max_kbps > 0) out[r.direction === 'ingress' ? 'ingress' : 'egress'] = { rate: r.max_kbps, burst: burstOf(r) };
    if (r.type === 'dscp_marking' && r.dscp_mark !== undefined) out.dscp = r.dscp_mark;
  }
  return out;
}

export const sameQos = (a: TapQos, b: TapQos): boolean => JSON.stringify(a) === JSON.stringify(b);

/** the ifb device of a tap (tapXXXXXXXXXXX → ifbXXXXXXXXXXX, 14 characters) */
export const ifbOf = (tap: string): string => `ifb${tap.replace(/^tap/, '').slice(0, 11)}`;

export const QOS_NFT_TABLE = 'neutrino-qos';

const tbf = (dev: string, l: { rate: number; burst: number }) => ['qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', `${l.rate}kbit`, 'burst', `${l.burst}kbit`, 'latency', '50ms'];

/** tc argv lists that make `want` true on the tap, from what was there (`had`). */
export function tcCommands(tap: string, had: TapQos, want: TapQos, police: boolean): { tc: string[][]; ip: string[][] } {
  const tc: string[][] = [];
  const ip: string[][] = [];
  const ifb = ifbOf(tap);
  if (want.ingress) tc.push(tbf(tap, want.ingress));
  else if (had.ingress) tc.push(['qdisc', 'del', 'dev', tap, 'root']);
  if (want.egress) {
    if (!had.egress) tc.push(['qdisc', 'replace', 'dev', tap, 'handle', 'ffff:', 'ingress']);
    if (police) {
      tc.push([
        'filter',
        'replace',
        'dev',
        tap,
        'parent',
        'ffff:',
        'protocol',
        'all',
        'prio',
        '1',
        'handle',
        '800::1',
        'u32',
        'match',
        'u32',
        '0',
        '0',
        'police',
        'rate',
        `${want.egress.rate}kbit`,
        'burst',
        `${want.egress.burst}kbit`,
        'drop',
      ]);
    } else {
      if (!had.egress) {
        ip.push(['link', 'add', ifb, 'type', 'ifb'], ['link', 'set', ifb, 'up']);
        tc.push([
          'filter',
          'replace',
          'dev',
          tap,
          'parent',
          'ffff:',
          'protocol',
          'all',
          'prio',
          '1',
          'handle',
          '800::1',
          'u32',
          'match',
          'u32',
          '0',
          '0',
          'action',
          'mirred',
          'egress',
          'redirect',
          'dev',
          ifb,
        ]);
      }
      tc.push(tbf(ifb, want.egress));
    }
  } else if (had.egress) {
    tc.push(['qdisc', 'del', 'dev', tap, 'ingress']);
    if (!police) ip.push(['link', 'del', ifb]);
  }
  return { tc, ip };
}

/** nft -f input that sets (or clears) the tap's DSCP marking chain */
export function nftDscp(tap: string, had: number | null, want: number | null): string | null {
  if (had === want) return null;
  const lines = [`add table netdev ${QOS_NFT_TABLE}`];
  if (had !== null) lines.push(`delete chain netdev ${QOS_NFT_TABLE} ${tap}`);
  if (want !== null) {
    lines.push(`add chain netdev ${QOS_NFT_TABLE} ${tap} { type filter hook ingress device "${tap}" priority 0; }`);
    lines.push(`add rule netdev ${QOS_NFT_TABLE} ${tap} ip dscp set ${want}`, `add rule netdev ${QOS_NFT_TABLE} ${tap} ip6 dscp set ${want}`);
  }
  return `${lines.join('\n')}\n`;
}
