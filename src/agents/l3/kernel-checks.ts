// The L3 host's answers to `neutrino trace` (contract/trace.ts): the route the router's
// namespace picks for a destination, and its NAT table's floating IP elements and SNAT rule.
import type { KernelAnswer, KernelCheck, RouterNatCheck, RouterRouteCheck } from '../../contract/trace.js';
import { namespaceExists } from '../../linux/netns.js';
import { listNftTable, type NftJsonObject } from '../../linux/nft.js';
import { routeGet } from '../../linux/routes.js';
import { NAT_TABLE } from './nat-table.js';

async function routerRoute(ns: string, c: RouterRouteCheck): Promise<KernelAnswer> {
  const r = await routeGet(ns, c.destination);
  if (r.error) return { agrees: false, detail: `${ns}: no route to ${c.destination} (${r.error})` };
  const got = `${c.destination} dev ${r.dev}${r.gateway ? ` via ${r.gateway}` : ''}`;
  if (r.dev !== c.device) return { agrees: false, detail: `${ns} routes ${got}, the model says dev ${c.device}${c.via ? ` via ${c.via}` : ''}` };
  if (c.via && r.gateway !== c.via) return { agrees: false, detail: `${ns} routes ${got}, the model says via ${c.via}` };
  return { agrees: true, detail: `${ns}: ${got}` };
}

type NatReader = (ns: string) => Promise<NftJsonObject[] | null>;

async function routerNat(ns: string, c: RouterNatCheck, readNat: NatReader): Promise<KernelAnswer> {
  const objects = await readNat(ns);
  if (!objects) return { agrees: false, detail: `${ns} has no table ip ${NAT_TABLE}` };
  if (c.nat === 'floating') {
    const map = (name: string) => {
      const m = objects.find((o) => o.map?.name === name)?.map;
      return new Map(((m?.elem as unknown[]) ?? []).filter((e): e is [string, string] => Array.isArray(e)).map((e) => [String(e[0]), String(e[1])]));
    };
    const dnat = map('floating_to_fixed').get(c.floating_ip!);
    const snat = map('fixed_to_floating').get(c.fixed_ip!);
    const problems: string[] = [];
    if (dnat !== c.fixed_ip) problems.push(dnat ? `floating_to_fixed maps ${c.floating_ip} to ${dnat}` : `floating_to_fixed has no element ${c.floating_ip}`);
    if (snat !== c.floating_ip) problems.push(snat ? `fixed_to_floating maps ${c.fixed_ip} to ${snat}` : `fixed_to_floating has no element ${c.fixed_ip}`);
    if (problems.length) return { agrees: false, detail: `${ns}: ${problems.join('; ')}` };
    return { agrees: true, detail: `${ns}: ${c.floating_ip} ↔ ${c.fixed_ip} in floating_to_fixed and fixed_to_floating` };
  }
  const snatTo = objects.some((o) => o.rule && o.rule.chain === 'postrouting' && JSON.stringify(o.rule.expr ?? []).includes(`"snat":{"addr":"${c.address}"`));
  return snatTo ? { agrees: true, detail: `${ns}: postrouting SNATs to ${c.address}` } : { agrees: false, detail: `${ns}: no postrouting rule SNATs to ${c.address}` };
}

/** The answers to one call's checks, at once; a router's NAT table is read once however many checks name it. */
export function l3Checks(namespaceOf: (routerId: string) => string, checks: KernelCheck[]): Promise<KernelAnswer[]> {
  const tables = new Map<string, Promise<NftJsonObject[] | null>>();
  const readNat: NatReader = (ns) => {
    let t = tables.get(ns);
    if (!t) {
      t = listNftTable(ns, 'ip', NAT_TABLE);
      tables.set(ns, t);
    }
    return t;
  };
  return Promise.all(checks.map((c) => l3Check(namespaceOf, c, readNat)));
}

export async function l3Check(namespaceOf: (routerId: string) => string, c: KernelCheck, readNat: NatReader = (ns) => listNftTable(ns, 'ip', NAT_TABLE)): Promise<KernelAnswer> {
  if (c.kind !== 'router_route' && c.kind !== 'router_nat') return { agrees: null, detail: `an L3 agent does not check ${c.kind}` };
  const ns = namespaceOf(c.router_id);
  try {
    if (!namespaceExists(ns)) return { agrees: false, detail: `namespace ${ns} does not exist` };
    return c.kind === 'router_route' ? await routerRoute(ns, c) : await routerNat(ns, c, readNat);
  } catch (e) {
    return { agrees: null, detail: `could not read ${ns}: ${(e as Error).message}` };
  }
}
