// add_router_interface / remove_router_interface: a router's ports on internal subnets, made
// for a subnet (holding its gateway_ip) or taken over from an existing port.
import type { RequestContext } from '../../api/context.js';
import {
  BadRequest,
  PortInUse,
  RouterInterfaceInUseByFloatingIP,
  RouterInterfaceInUseByRoute,
  RouterInterfaceNotFound,
  RouterInterfaceNotFoundForSubnet,
  SubnetMismatchForPort,
  SubnetNotFound,
} from '../../api/errors.js';
import type { AuthorizeChange } from '../../api/resource.js';
import { isUuid } from '../../api/validators.js';
import { DEVICE_OWNER_ROUTER_INTF } from '../../contract/device-owners.js';
import type { PortTable, RouterTable, SubnetTable } from '../../db/schema.js';
import { cidrContains, parseCidr, parseIp } from '../../common/ip-address.js';
import { ACCESS_SHARED, actionsGranted } from '../rbac/network-access.js';
import type { ServicePortOps } from '../ml2/service-ports.js';
import type { Services } from '../services.js';
import { inTransaction, type Trx } from '../../db/transaction.js';
import { bool } from '../../db/rows.js';
import type { PortPlugin } from '../ml2/ports.js';
import { routesOf } from './extra-routes.js';
import { L3Changes, type L3Announcer } from './l3-changes.js';
import type { L3Ports } from './l3-ports.js';
import type { L3Scheduler } from './l3-scheduler.js';
import { checkRouterSubnets } from './router-subnets.js';
import { routerTarget, type RouterPlugin } from './routers.js';

export interface InterfaceInfo {
  id: string;
  tenant_id: string;
  project_id: string;
  port_id: string;
  subnet_id: string;
  subnet_ids: string[];
  network_id: string;
}

/** The body of add/remove_router_interface: {subnet_id} or {port_id} (both: removal only). */
function parseInterfaceBody(body: unknown, forRemoval: boolean): { portId?: string; subnetId?: string } {
  const b = (body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const hasPort = 'port_id' in b;
  const hasSubnet = 'subnet_id' in b;
  if (!hasPort && !hasSubnet) throw BadRequest({ resource: 'router', msg: 'Either subnet_id or port_id must be specified' });
  for (const k of ['port_id', 'subnet_id']) {
    if (k in b && !isUuid(b[k])) throw BadRequest({ resource: 'router', msg: `${k}: ${JSON.stringify(b[k])} is not a valid UUID` });
  }
  if (!forRemoval && hasPort && hasSubnet) throw BadRequest({ resource: 'router', msg: 'Cannot specify both subnet-id and port-id' });
  return { portId: b.port_id as string | undefined, subnetId: b.subnet_id as string | undefined };
}

export class RouterInterfaces {
  constructor(
    private readonly s: Services,
    private readonly routers: RouterPlugin,
    private readonly scheduler: L3Scheduler,
    private readonly l3ports: L3Ports,
    private readonly ops: ServicePortOps,
    private readonly announcer: L3Announcer,
    private readonly ports: PortPlugin,
  ) {}

  /**
   * A subnet the caller may see. `forAdd`: as Neutron, another project's subnet may be
   * attached only when its network is shared with the caller's project by name; one shared
   * with everyone is refused (400), lest any project route into it.
   */
  private async subnet(trx: Trx, ctx: RequestContext, id: string, forAdd: boolean): Promise<SubnetTable> {
    const s = await trx.selectFrom('subnets').selectAll().where('id', '=', id).executeTakeFirst();
    if (!s) throw SubnetNotFound({ id });
    if (ctx.isAdmin || s.project_id === ctx.projectId) return s;
    const n = await trx.selectFrom('networks').select('project_id').where('id', '=', s.network_id).executeTakeFirstOrThrow();
    if (n.project_id === ctx.projectId) return s;
    if (!(await actionsGranted(trx, s.network_id, ctx.projectId)).has(ACCESS_SHARED)) throw SubnetNotFound({ id });
    if (!forAdd) return s;
    const byName = await trx
      .selectFrom('networkrbacs')
      .select('id')
      .where('object_id', '=', s.network_id)
      .where('action', '=', ACCESS_SHARED)
      .where('target_tenant', '=', ctx.projectId)
      .executeTakeFirst();
    if (!byName) throw BadRequest({ resource: 'router', msg: `Cannot add interface to router because subnet ${id} is not owned by project making the request` });
    return s;
  }

  private async checkInternal(trx: Trx, networkId: string): Promise<void> {
    const n = await trx.selectFrom('networks').select('router_external').where('id', '=', networkId).executeTakeFirstOrThrow();
    if (bool(n.router_external)) throw BadRequest({ resource: 'router', msg: `Network ${networkId} is external: it can be a router's gateway, not one of its interfaces` });
  }

  async add(ctx: RequestContext, routerId: string, body: unknown, authorize: AuthorizeChange): Promise<InterfaceInfo> {
    const { portId, subnetId } = parseInterfaceBody(body, false);
    const { info, l3 } = await inTransaction(this.s.db, async (trx, uow) => {
      const l3 = new L3Changes();
      const router = await this.routers.find(trx, ctx, routerId, true);
      authorize(routerTarget(router));
      const host = await this.scheduler.portHost(trx, routerId);
      let port: { id: string; project_id: string; network_id: string };
      let subnets: SubnetTable[];
      if (subnetId) {
        const subnet = await this.subnet(trx, ctx, subnetId, true);
        if (!subnet.gateway_ip) throw BadRequest({ resource: 'router', msg: 'Subnet for router interface must have a gateway IP' });
        if (subnet.ip_version === 6 && subnet.ipv6_ra_mode === null && subnet.ipv6_address_mode !== null) {
          throw BadRequest({ resource: 'router', msg: `IPv6 subnet ${subnet.id} configured to receive RAs from an external router cannot be added to Neutron Router.` });
        }
        await this.checkInternal(trx, subnet.network_id);
        await checkRouterSubnets(trx, routerId, [subnet]);
        const made = await this.l3ports.make(
          trx,
          uow,
          l3,
          {
            project_id: router.project_id,
            network_id: subnet.network_id,
            device_id: router.id,
            device_owner: DEVICE_OWNER_ROUTER_INTF,
            fixed_ips: [{ subnet_id: subnet.id, ip_address: subnet.gateway_ip }],
            host,
          },
          ctx.requestId,
        );
        port = { id: made.id as string, project_id: made.project_id as string, network_id: made.network_id as string };
        subnets = [subnet];
      } else {
        const p = await this.ports.find(trx, ctx, portId!, true);
        if (p.device_id !== '') throw PortInUse({ port_id: p.id, net_id: p.network_id, device_id: p.device_id });
        const ips = await trx.selectFrom('ipallocations').select('subnet_id').where('port_id', '=', p.id).execute();
        if (!ips.length) throw BadRequest({ resource: 'router', msg: 'Router port must have at least one fixed IP' });
        subnets = await trx
          .selectFrom('subnets')
          .selectAll()
          .where('id', 'in', [...new Set(ips.map((i) => i.subnet_id))])
          .execute();
        if (subnets.filter((s) => s.ip_version === 4).length > 1) throw BadRequest({ resource: 'router', msg: 'Cannot have multiple IPv4 subnets on router port' });
        await this.checkInternal(trx, p.network_id);
        await checkRouterSubnets(trx, routerId, subnets);
        l3.portChanged(p.id, await this.ops.rebind(trx, p.id, host, { device_id: router.id, device_owner: DEVICE_OWNER_ROUTER_INTF }));
        port = p;
      }
      await trx.insertInto('routerports').values({ router_id: routerId, port_id: port.id, port_type: DEVICE_OWNER_ROUTER_INTF }).execute();
      // a router first gets an agent when it first has something to route
      if (!host) await this.scheduler.ensureScheduled(trx, routerId, l3);
      l3.routersUpdated.add(routerId);
      return { info: interfaceInfo(router, port, subnets), l3 };
    });
    this.s.log.info({ event: 'router.interface_add', router_id: routerId, port_id: info.port_id, subnet_ids: info.subnet_ids, request_id: ctx.requestId }, 'router interface added');
    await this.announcer.announce(l3);
    await this.s.callbacks.publish('router', 'after_update', { context: ctx, ids: [routerId] });
    return info;
  }

  async remove(ctx: RequestContext, routerId: string, body: unknown, authorize: AuthorizeChange): Promise<InterfaceInfo> {
    const { portId, subnetId } = parseInterfaceBody(body, true);
    const { info, l3 } = await inTransaction(this.s.db, async (trx, uow) => {
      const l3 = new L3Changes();
      const router = await this.routers.find(trx, ctx, routerId, true);
      authorize(routerTarget(router));
      const ifaces = () =>
        trx.selectFrom('routerports as rp').innerJoin('ports as p', 'p.id', 'rp.port_id').selectAll('p').where('rp.router_id', '=', routerId).where('rp.port_type', '=', DEVICE_OWNER_ROUTER_INTF);
      let port: PortTable;
      let subnets: SubnetTable[];
      if (portId) {
        const p = await ifaces().where('p.id', '=', portId).executeTakeFirst();
        if (!p) throw RouterInterfaceNotFound({ router_id: routerId, port_id: portId });
        port = p as PortTable;
        const ids = (await trx.selectFrom('ipallocations').select('subnet_id').where('port_id', '=', port.id).execute()).map((i) => i.subnet_id);
        if (subnetId && !ids.includes(subnetId)) throw SubnetMismatchForPort({ port_id: port.id, subnet_id: subnetId });
        subnets = ids.length ? await trx.selectFrom('subnets').selectAll().where('id', 'in', ids).execute() : [];
      } else {
        const subnet = await this.subnet(trx, ctx, subnetId!, false);
        const p = await ifaces()
          .where('p.id', 'in', trx.selectFrom('ipallocations').select('port_id').where('subnet_id', '=', subnet.id))
          .executeTakeFirst();
        if (!p) throw RouterInterfaceNotFoundForSubnet({ router_id: routerId, subnet_id: subnet.id });
        port = p as PortTable;
        subnets = [subnet];
      }
      for (const s of subnets) await this.checkNotInUse(trx, router, s);
      await trx.deleteFrom('routerports').where('port_id', '=', port.id).execute();
      l3.portsRemoved.push({ before: await this.ops.remove(trx, uow, port.id), portId: port.id, networkId: port.network_id });
      l3.routersUpdated.add(routerId);
      return { info: interfaceInfo(router, port, subnets), l3 };
    });
    this.s.log.info({ event: 'router.interface_remove', router_id: routerId, port_id: info.port_id, subnet_ids: info.subnet_ids, request_id: ctx.requestId }, 'router interface removed');
    await this.announcer.announce(l3);
    await this.s.callbacks.publish('router', 'after_update', { context: ctx, ids: [routerId] });
    return info;
  }

  /** Floating IPs reaching ports on the subnet through this router, or routes via it, keep the interface. */
  private async checkNotInUse(trx: Trx, router: RouterTable, subnet: SubnetTable): Promise<void> {
    const fip = await trx
      .selectFrom('floatingips')
      .select('id')
      .where('router_id', '=', router.id)
      .where('fixed_port_id', 'in', trx.selectFrom('ipallocations').select('port_id').where('subnet_id', '=', subnet.id))
      .executeTakeFirst();
    if (fip) throw RouterInterfaceInUseByFloatingIP({ router_id: router.id, subnet_id: subnet.id });
    const cidr = parseCidr(subnet.cidr)!;
    if ((await routesOf(trx, router.id)).some((r) => cidrContains(cidr, parseIp(r.nexthop)!))) throw RouterInterfaceInUseByRoute({ router_id: router.id, subnet_id: subnet.id });
  }
}

function interfaceInfo(router: RouterTable, port: { id: string; project_id: string; network_id: string }, subnets: SubnetTable[]): InterfaceInfo {
  return {
    id: router.id,
    tenant_id: port.project_id,
    project_id: port.project_id,
    port_id: port.id,
    subnet_id: subnets[0]?.id ?? '',
    subnet_ids: subnets.map((s) => s.id),
    network_id: port.network_id,
  };
}
