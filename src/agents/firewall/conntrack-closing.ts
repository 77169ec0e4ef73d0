// Which tracked connections a change must end. The ruleset only looks at the first packet of a
// flow, so taking a rule away stops new flows but not the ones it already let in (a ping even
// reuses one entry per ICMP id). Every flow a rule accepts carries the rule's number in its ct
// mark (egress rule: bits 0-15, ingress rule: bits 16-31), which lets us delete exactly the
// flows of a removed rule, of a port that left a group, or of a remote group's removed member,
// and leave every other flow alone.
import { parseCidr } from '../../common/ip-address.js';
import type { ConntrackFilter } from '../../linux/conntrack.js';
import { inside, type FirewallModel, type SgRule } from './model.js';

const family = (f: 4 | 6): 'ipv4' | 'ipv6' => (f === 4 ? 'ipv4' : 'ipv6');

export const ruleMark = (direction: 'ingress' | 'egress', n: number): { value: number; mask: number } =>
  direction === 'ingress' ? { value: (n << 16) >>> 0, mask: 0xffff0000 } : { value: n, mask: 0xffff };

export function connectionsToClose(from: FirewallModel, to: FirewallModel): ConntrackFilter[] {
  const out: ConntrackFilter[] = [];
  const now = new Map<string, SgRule>();
  for (const rules of to.groups.values()) for (const r of rules) now.set(r.key, r);

  // rules that are gone
  for (const rules of from.groups.values()) {
    for (const r of rules) if (!now.has(r.key)) out.push({ family: family(r.family), mark: ruleMark(r.direction, r.number) });
  }

  // ports that left a group: the rules that remain elsewhere, but only the flows of this port
  for (const [id, before] of from.ports) {
    const after = to.ports.get(id);
    if (!after) continue;
    const left = before.groups.filter((g) => !after.groups.includes(g));
    for (const g of left) {
      for (const r of to.groups.get(g) ?? []) {
        for (const addr of r.family === 4 ? before.addresses.v4 : before.addresses.v6) {
          // the port is the destination of what its ingress rules let in, the source of its egress
          out.push({ family: family(r.family), mark: ruleMark(r.direction, r.number), ...(r.direction === 'ingress' ? { dst: addr } : { src: addr }) });
        }
      }
    }
  }

  // members that left a remote group (and are not still covered by a remaining prefix)
  for (const [g, before] of from.members) {
    const after = to.members.get(g);
    if (!after) continue;
    const users = [...now.values()].filter((r) => r.remoteGroup === g);
    if (!users.length) continue;
    for (const f of [4, 6] as const) {
      const now4or6 = f === 4 ? after.v4 : after.v6;
      const still = new Set(now4or6);
      const removed = (f === 4 ? before.v4 : before.v6).filter((a) => !still.has(a));
      if (!removed.length) continue;
      // a removed address may still be let in through a prefix that remains
      const prefixes = now4or6.filter((a) => a.includes('/')).map((a) => parseCidr(a)!);
      for (const addr of removed) {
        if (prefixes.length && prefixes.some((p) => inside(p, parseCidr(addr)!))) continue;
        for (const r of users) {
          if (r.family !== f) continue;
          out.push({ family: family(f), mark: ruleMark(r.direction, r.number), ...(r.direction === 'ingress' ? { src: addr } : { dst: addr }) });
        }
      }
    }
  }
  return out;
}
