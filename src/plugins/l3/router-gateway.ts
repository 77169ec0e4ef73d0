// A router's external gateway (external_gateway_info, with ext-gw-mode's enable_snat): one
// port on a router:external network, owned by no project, device_owner network:router_gateway.
import type { RequestContext } from '../../api/context.js';
import { BadRequest, RouterExternalGatewayInUseByFloatingIp } from '../../api/errors.js';
import { DEVICE_OWNER_ROUTER_GW } from '../../contract/device-owners.js';
import type { RouterTable } from '../../db/schema.js';
import type { NetworkPlugin } from '../ml2/networks.js';
import type { ServicePortOps } from '../ml2/service-ports.js';
import type { Services } from '../services.js';
import type { Trx, UnitOfWork } from '../../db/transaction.js';
import { bool, int } from '../../db/rows.js';
import type { L3Changes } from './l3-changes.js';
import type { L3Ports } from './l3-ports.js';
import { checkRouterSubnets } from './router-subnets.js';

export interface GatewayInfo {
  network_id: string;
  enable_snat?: boolean;
  external_fixed_ips?: { subnet_id?: string; ip_address?: string }[];
}

export class RouterGateway {
  constructor(
    private readonly s: Services,
    private readonly networks: NetworkPlugin,
    private readonly l3ports: L3Ports,
    private readonly ops: ServicePortOps,
  ) {}

  /** The network of the router's gateway, or null. */
  async networkOf(trx: Trx, router: RouterTable): Promise<string | null> {
    if (!router.gw_port_id) return null;
    const p = await trx.selectFrom('ports').select('network_id').where('id', '=', router.gw_port_id).executeTakeFirst();
    return p?.network_id ?? null;
  }

  /**
   * Makes the router's gateway what `info` says (null: none). Returns the router columns that
   * change. `host`: where the router's agent is ('' while it has none).
   */
  async apply(trx: Trx, uow: UnitOfWork, ctx: RequestContext, router: RouterTable, info: GatewayInfo | null, host: string, changes: L3Changes): Promise<Partial<RouterTable>> {
    const enableSnat = info?.enable_snat ?? this.s.config.bool('DEFAULT', 'enable_snat_by_default');
    const currentNetwork = await this.networkOf(trx, router);
    if (info) {
      const network = await this.networks.find(trx, ctx, info.network_id);
      if (!bool(network.router_external)) throw BadRequest({ resource: 'router', msg: `Network ${network.id} is not an external network` });
      const ips = info.external_fixed_ips;
      if (ips?.length) {
        const gateways = await trx.selectFrom('subnets').select('gateway_ip').where('network_id', '=', network.id).execute();
        for (const ip of ips) {
          if (ip.ip_address && gateways.some((g) => g.gateway_ip === ip.ip_address)) throw BadRequest({ resource: 'router', msg: `External IP ${ip.ip_address} is the same as the gateway IP` });
        }
      }
      // same network and no new addresses asked for: only enable_snat may change
      if (currentNetwork === network.id && !ips) return { enable_snat: int(enableSnat) };
    }
    const set: Partial<RouterTable> = { enable_snat: int(enableSnat) };
    if (router.gw_port_id) {
      // floating IPs go out through the gateway: it may change address, not network
      if (info?.network_id !== currentNetwork) {
        const fip = await trx.selectFrom('floatingips').select('id').where('router_id', '=', router.id).executeTakeFirst();
        if (fip) throw RouterExternalGatewayInUseByFloatingIp({ router_id: router.id, net_id: currentNetwork ?? '' });
      }
      await this.remove(trx, uow, router, changes);
      set.gw_port_id = null;
    }
    if (info) {
      const subnets = await trx.selectFrom('subnets').select(['id', 'cidr']).where('network_id', '=', info.network_id).execute();
      await checkRouterSubnets(trx, router.id, subnets);
      const port = await this.l3ports.make(
        trx,
        uow,
        changes,
        {
          project_id: '',
          network_id: info.network_id,
          device_id: router.id,
          device_owner: DEVICE_OWNER_ROUTER_GW,
          fixed_ips: info.external_fixed_ips,
          host,
        },
        ctx.requestId,
      );
      await trx
        .insertInto('routerports')
        .values({ router_id: router.id, port_id: port.id as string, port_type: DEVICE_OWNER_ROUTER_GW })
        .execute();
      await trx
        .updateTable('routers')
        .set({ gw_port_id: port.id as string })
        .where('id', '=', router.id)
        .execute();
      set.gw_port_id = port.id as string;
      this.s.log.info({ event: 'router.gateway_set', router_id: router.id, network_id: info.network_id, port_id: port.id, enable_snat: enableSnat, request_id: ctx.requestId }, 'router gateway set');
    }
    return set;
  }

  /** Removes the gateway port (the caller has checked floating IPs). */
  async remove(trx: Trx, uow: UnitOfWork, router: RouterTable, changes: L3Changes): Promise<void> {
    if (!router.gw_port_id) return;
    const portId = router.gw_port_id;
    const port = await trx.selectFrom('ports').select('network_id').where('id', '=', portId).executeTakeFirst();
    await trx.updateTable('routers').set({ gw_port_id: null }).where('id', '=', router.id).execute();
    await trx.deleteFrom('routerports').where('port_id', '=', portId).execute();
    const before = await this.ops.remove(trx, uow, portId);
    changes.portsRemoved.push({ before, portId, networkId: port?.network_id ?? '' });
    this.s.log.info({ event: 'router.gateway_cleared', router_id: router.id, port_id: portId }, 'router gateway removed');
  }
}
