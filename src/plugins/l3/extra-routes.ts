// extraroute: a router's static routes. A nexthop must be reachable through one of the
// router's own subnets (interfaces or gateway) and must not be the router itself.
import { InvalidRoutes, RoutesExhausted } from '../../api/errors.js';
import { DEVICE_OWNER_ROUTER_INTF } from '../../contract/device-owners.js';
import { cidrContains, parseCidr, parseIp } from '../../common/ip-address.js';
import type { Trx } from '../../db/transaction.js';

export interface Route {
  destination: string;
  nexthop: string;
}

/** What the router is connected to: its subnets' cidrs and its own addresses. */
export interface RouterReach {
  cidrs: string[];
  addresses: string[];
}

export function validateRoutes(routerId: string, routes: Route[], reach: RouterReach, maxRoutes: number): void {
  if (routes.length > maxRoutes) throw RoutesExhausted({ router_id: routerId, quota: maxRoutes });
  const nets = reach.cidrs.map((c) => parseCidr(c)!);
  for (const r of routes) {
    const hop = parseIp(r.nexthop)!;
    const shown = JSON.stringify([r]);
    if (parseCidr(r.destination)!.version !== hop.version) throw InvalidRoutes({ routes: shown, reason: 'the destination and the nexthop are of different IP versions' });
    if (!nets.some((n) => n.version === hop.version && cidrContains(n, hop))) throw InvalidRoutes({ routes: shown, reason: 'the nexthop is not connected with router' });
    if (reach.addresses.includes(r.nexthop)) throw InvalidRoutes({ routes: shown, reason: 'the nexthop is used by router' });
  }
}

/**
 * The router's reach: every subnet of its interfaces, every subnet of its gateway network
 * (`gatewayNetwork`: the one it will have, which may differ from the one it has), and the
 * addresses of its interfaces.
 */
export async function routerReach(trx: Trx, routerId: string, gatewayNetwork: string | null): Promise<RouterReach> {
  const own = await trx
    .selectFrom('routerports as rp')
    .innerJoin('ipallocations as a', 'a.port_id', 'rp.port_id')
    .innerJoin('subnets as s', 's.id', 'a.subnet_id')
    .select(['s.cidr', 'a.ip_address', 'rp.port_type'])
    .where('rp.router_id', '=', routerId)
    .where('rp.port_type', '=', DEVICE_OWNER_ROUTER_INTF)
    .execute();
  const gw = gatewayNetwork ? await trx.selectFrom('subnets').select('cidr').where('network_id', '=', gatewayNetwork).execute() : [];
  return { cidrs: [...own.map((o) => o.cidr), ...gw.map((g) => g.cidr)], addresses: own.map((o) => o.ip_address) };
}

export async function routesOf(trx: Trx, routerId: string): Promise<Route[]> {
  return trx.selectFrom('routerroutes').select(['destination', 'nexthop']).where('router_id', '=', routerId).orderBy('destination').orderBy('nexthop').execute();
}

/** Replaces the router's routes. */
export async function saveRoutes(trx: Trx, routerId: string, routes: Route[]): Promise<void> {
  await trx.deleteFrom('routerroutes').where('router_id', '=', routerId).execute();
  if (routes.length)
    await trx
      .insertInto('routerroutes')
      .values(routes.map((r) => ({ router_id: routerId, destination: r.destination, nexthop: r.nexthop })))
      .execute();
}
