// What differs between a bridge's flow table as the Open vSwitch agent last sent it and what the
// bridge holds (pure): flows missing or changed (by table, priority and match; cookie and
// actions compared), and flows nobody sent.
import type { Drift } from '../../contract/trace.js';
import { type Flow, flowKey, normalMatch } from '../../linux/ovs.js';

const flowText = (bridge: string, f: Flow): string => `${bridge} table=${f.table},priority=${f.priority}${f.match ? `,${normalMatch(f.match)}` : ''}`;

export function flowDrift(bridge: string, wanted: Flow[], have: Flow[]): Drift[] {
  const out: Drift[] = [];
  const h = new Map(have.map((f) => [flowKey(f), f]));
  const w = new Set(wanted.map(flowKey));
  for (const f of wanted) {
    const x = h.get(flowKey(f));
    if (!x) out.push({ kind: 'ovs_flow', object: flowText(bridge, f), detail: `missing (cookie 0x${f.cookie.toString(16)}, actions=${f.actions})`, repaired: false });
    else if (x.cookie !== f.cookie || x.actions !== f.actions)
      out.push({
        kind: 'ovs_flow',
        object: flowText(bridge, f),
        detail: `cookie 0x${x.cookie.toString(16)} actions=${x.actions} where cookie 0x${f.cookie.toString(16)} actions=${f.actions} was sent`,
        repaired: false,
      });
  }
  for (const f of have) {
    if (!w.has(flowKey(f))) out.push({ kind: 'ovs_flow', object: flowText(bridge, f), detail: `a flow nobody sent (cookie 0x${f.cookie.toString(16)}, actions=${f.actions})`, repaired: false });
  }
  return out;
}
