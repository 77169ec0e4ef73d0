// The `ip -batch` lines that turn what a router namespace has into its plan (pure). Only what
// the agent owns is touched: qr-/qg- devices, global addresses on them, and routes it marked
// `proto static`; connected routes, link-local addresses and anything else stay.
import { ROUTER_GATEWAY_PREFIX, ROUTER_HA_PREFIX, ROUTER_INTERFACE_PREFIX } from '../../contract/device-names.js';
import type { KernelRoute } from '../../linux/routes.js';
import { addressLines } from '../service-ports/veth-plug.js';
import { canonicalDestination, type PortPlan, type RoutePlan } from './router-plan.js';

export interface KernelLink {
  name: string;
  address: string | null;
  mtu: number;
  up: boolean;
}

/** A device is owned by the L3 agent when it has a router port's prefix. */
export const isRouterDevice = (name: string): boolean => name.startsWith(ROUTER_INTERFACE_PREFIX) || name.startsWith(ROUTER_GATEWAY_PREFIX) || name.startsWith(ROUTER_HA_PREFIX);

/** Router devices the plan no longer has. */
export function devicesToDelete(have: Iterable<string>, ports: PortPlan[]): string[] {
  const wanted = new Set(ports.map((p) => p.dev));
  return [...have].filter((n) => isRouterDevice(n) && !wanted.has(n)).sort();
}

/** Whether a present device already is what the port needs (else it is plugged again). */
export const linkMatches = (l: KernelLink | undefined, p: PortPlan): boolean => !!l && (l.address ?? '').toLowerCase() === p.mac && l.mtu === p.mtu && l.up;

/** Address changes of every planned device, given `have` (dev → ip/prefixlen, global scope). */
export function addressChanges(have: Map<string, string[]>, ports: PortPlan[]): string[] {
  // an HA router's VIPs are keepalived's: neither added nor removed here
  return ports.filter((p) => !p.vrrp).flatMap((p) => addressLines(p.dev, have.get(p.dev) ?? [], p.addresses));
}

/** Routes as `ip -json route show proto static` lists them (both families), canonical. */
export function canonicalRoutes(raw: KernelRoute[]): RoutePlan[] {
  return raw.filter((r) => r.gateway).map((r) => ({ destination: canonicalDestination(r.dst, r.gateway!.includes(':')), via: r.gateway! }));
}

const routeKey = (r: RoutePlan): string => `${r.destination} via ${r.via}`;

/** Deletions (which may fail harmlessly: an address going took its routes) and additions. */
export function routeChanges(have: RoutePlan[], want: RoutePlan[]): { del: string[]; add: string[] } {
  const haveKeys = new Set(have.map(routeKey));
  const wantKeys = new Set(want.map(routeKey));
  return {
    del: have.filter((r) => !wantKeys.has(routeKey(r))).map((r) => `route del ${r.destination} via ${r.via} proto static`),
    add: want.filter((r) => !haveKeys.has(routeKey(r))).map((r) => `route replace ${r.destination} via ${r.via} proto static`),
  };
}
