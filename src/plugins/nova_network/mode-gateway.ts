// The network host as the default gateway of Flat and FlatDHCP networks, NATing instances out
// through the public interface, as nova-network's network host did — with no router made by
// hand. Built from the core model: one Neutron router, `nova-network-gateway` (of no project),
// whose external gateway is on the floating pool [DEFAULT] default_floating_pool (the external
// network on public_interface) with SNAT on, and an interface on each flat network's subnet at
// its gateway address (the first address of the range, which nova gave the bridge on the
// network host). The L3 agent of the network host makes it real (qrouter namespace, nftables
// SNAT), and floating IPs of the pool associate through it. Idempotent: it attaches whatever is
// missing, so `network create` and `floating create` both call it, in either order.
import { adminContext } from '../../api/context.js';
import { NeutronError } from '../../api/errors.js';
import { createItems } from '../../api/request-body.js';
import { ALLOW_ALL } from '../../api/resource.js';
import { routerDef } from '../../api/resources/router.js';
import type { L3Service } from '../l3/l3-plugin.js';
import type { Services } from '../services.js';
import { NO_PROJECT } from './nova-networks.js';

export const MODE_GATEWAY_ROUTER = 'nova-network-gateway';

export interface ModeGatewayState {
  routerId: string | null;
  /** subnets attached by this call */
  attached: string[];
  /** why there is no gateway yet (null when there is one) */
  missing: string | null;
}

export class ModeGateway {
  constructor(
    private readonly s: Services,
    private readonly l3: L3Service | undefined,
  ) {}

  /** The external network the gateway uses: the default floating pool's. */
  private async externalNetwork(): Promise<string | null> {
    const pool = this.s.config.str('DEFAULT', 'default_floating_pool');
    const n = await this.s.db.kysely.selectFrom('networks').select('id').where('name', '=', pool).where('router_external', '=', 1).orderBy('created_at').executeTakeFirst();
    return n?.id ?? null;
  }

  async ensure(progress: (line: string) => void = () => undefined): Promise<ModeGatewayState> {
    const pool = this.s.config.str('DEFAULT', 'default_floating_pool');
    if (!this.l3) return { routerId: null, attached: [], missing: 'the router service plugin is not loaded ([DEFAULT] service_plugins = router,nova_network)' };
    const flat = await this.s.db.kysely
      .selectFrom('nova_networks as m')
      .innerJoin('subnets as s', 's.network_id', 'm.network_id')
      .select(['s.id as subnet_id', 's.cidr', 's.gateway_ip', 'm.network_id'])
      .where('m.mode', 'in', ['flat', 'flatdhcp'])
      .where('s.ip_version', '=', 4)
      .execute();
    const external = await this.externalNetwork();
    if (!external)
      return { routerId: null, attached: [], missing: `no floating pool ${pool} ([DEFAULT] default_floating_pool) yet: neutrino-manage floating create --pool ${pool} … makes the way out` };
    const ctx = adminContext(NO_PROJECT, 'neutrino-manage');
    let router = await this.s.db.kysely.selectFrom('routers').select('id').where('name', '=', MODE_GATEWAY_ROUTER).where('project_id', '=', NO_PROJECT).executeTakeFirst();
    if (!router && !flat.length) return { routerId: null, attached: [], missing: 'no Flat or FlatDHCP network yet' };
    if (!router) {
      const body = {
        router: {
          name: MODE_GATEWAY_ROUTER,
          description: 'nova-network: the network host as gateway of Flat/FlatDHCP networks (SNAT out)',
          external_gateway_info: { network_id: external, enable_snat: true },
        },
      };
      const [made] = await this.l3.routers.create(ctx, createItems(routerDef, body, ctx).items, ALLOW_ALL);
      router = { id: made.id as string };
      this.s.log.info({ event: 'nova_network.gateway_created', router_id: router.id, external_network_id: external }, 'nova-network mode gateway router created');
      progress(`gateway router ${MODE_GATEWAY_ROUTER} (${router.id}) on pool ${pool}, SNAT on`);
    }
    const on = new Set(
      (await this.s.db.kysely.selectFrom('routerports as r').innerJoin('ipallocations as a', 'a.port_id', 'r.port_id').select('a.subnet_id').where('r.router_id', '=', router.id).execute()).map(
        (r) => r.subnet_id,
      ),
    );
    const attached: string[] = [];
    for (const f of flat) {
      if (on.has(f.subnet_id)) continue;
      if (!f.gateway_ip) continue;
      try {
        await this.l3.interfaces.add(ctx, router.id, { subnet_id: f.subnet_id }, ALLOW_ALL);
      } catch (e) {
        // e.g. a router of a project already serves it: that one is the gateway then
        if (e instanceof NeutronError && e.status < 500) {
          progress(`network ${f.cidr}: not attached to ${MODE_GATEWAY_ROUTER}: ${e.message}`);
          continue;
        }
        throw e;
      }
      attached.push(f.subnet_id);
      progress(`gateway ${f.gateway_ip} of ${f.cidr} is ${MODE_GATEWAY_ROUTER}'s (the network host's L3 agent), NAT out through pool ${pool}`);
    }
    return { routerId: router.id, attached, missing: null };
  }
}
