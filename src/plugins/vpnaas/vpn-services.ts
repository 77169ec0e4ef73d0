// /v2.0/vpn/vpnservices (neutron-vpnaas's vpn_db): a VPN service on a router with an external
// gateway (and, the legacy way, one of its subnets). It starts PENDING_CREATE; the agent that
// runs it reports ACTIVE or DOWN. A service with connections cannot be deleted; one in a
// PENDING_* state cannot be changed.
import { randomUUID } from 'node:crypto';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import { RouterNotFound } from '../../api/errors.js';
import type { ApiObject, AuthorizeChange, AuthorizeCreate, Handler, ListQuery } from '../../api/resource.js';
import { parseIp } from '../../common/ip-address.js';
import { DEVICE_OWNER_ROUTER_INTF } from '../../contract/device-owners.js';
import { bool, int } from '../../db/rows.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import type { Services } from '../services.js';
import { RouterIsNotExternal, SubnetIsNotConnectedToRouter, VPNServiceInUse, VPNServiceNotFound, VPNStateInvalidToUpdate } from './errors.js';
import { vpnServiceDef } from './resources.js';
import type { VpnServiceTable } from '../../db/vpnaas-tables.js';

export const inPendingStatus = (status: string): boolean => status.startsWith('PENDING_');

export class VpnServicePlugin implements Handler {
  constructor(private readonly s: Services) {}

  visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('vpnservices as v').selectAll('v');
    if (!ctx.isAdmin) qb = qb.where('v.project_id', '=', ctx.projectId);
    return qb;
  }

  async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<VpnServiceTable> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('v.id', '=', id), lock).executeTakeFirst();
    if (!row) throw VPNServiceNotFound({ vpnservice_id: id });
    return row;
  }

  render(r: VpnServiceTable): ApiObject {
    return {
      id: r.id,
      project_id: r.project_id,
      tenant_id: r.project_id,
      name: r.name,
      description: r.description,
      subnet_id: r.subnet_id,
      router_id: r.router_id,
      flavor_id: null,
      admin_state_up: bool(r.admin_state_up),
      external_v4_ip: r.external_v4_ip,
      external_v6_ip: r.external_v6_ip,
      status: r.status,
    };
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const { rows } = await listRows<VpnServiceTable>(vpnServiceDef, this.visible(this.s.db.kysely, ctx), q, 'v');
    return rows.map((r) => this.render(r));
  }

  async show(ctx: RequestContext, id: string): Promise<ApiObject> {
    return this.render(await this.find(this.s.db.kysely, ctx, id));
  }

  /** The router's gateway addresses; RouterIsNotExternal when it has none (validate_vpnservice). */
  private async gatewayIps(trx: Trx, ctx: RequestContext, routerId: string): Promise<{ v4: string | null; v6: string | null }> {
    let qb = trx.selectFrom('routers').select(['id', 'gw_port_id', 'project_id']).where('id', '=', routerId);
    if (!ctx.isAdmin) qb = qb.where('project_id', '=', ctx.projectId);
    const router = await qb.executeTakeFirst();
    if (!router) throw RouterNotFound({ router_id: routerId });
    if (!router.gw_port_id) throw RouterIsNotExternal({ router_id: routerId });
    const ips = await trx.selectFrom('ipallocations').select('ip_address').where('port_id', '=', router.gw_port_id).orderBy('ip_address').execute();
    return {
      v4: ips.find((i) => parseIp(i.ip_address)?.version === 4)?.ip_address ?? null,
      v6: ips.find((i) => parseIp(i.ip_address)?.version === 6)?.ip_address ?? null,
    };
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    const rows = await inTransaction(this.s.db, async (trx) => {
      const out: VpnServiceTable[] = [];
      for (const i of items) {
        authorize(i);
        const routerId = i.router_id as string;
        const gw = await this.gatewayIps(trx, ctx, routerId);
        const subnetId = i.subnet_id as string | null;
        if (subnetId) await checkSubnetOnRouter(trx, routerId, subnetId);
        const row: VpnServiceTable = {
          id: randomUUID(),
          project_id: i.project_id as string,
          name: i.name as string,
          description: i.description as string,
          status: 'PENDING_CREATE',
          admin_state_up: int(i.admin_state_up as boolean),
          external_v4_ip: gw.v4,
          external_v6_ip: gw.v6,
          subnet_id: subnetId,
          router_id: routerId,
        };
        await trx.insertInto('vpnservices').values(row).execute();
        out.push(row);
      }
      return out;
    });
    for (const r of rows) this.s.log.info({ event: 'vpnservice.create', vpnservice_id: r.id, router_id: r.router_id, request_id: ctx.requestId }, 'VPN service created');
    return rows.map((r) => this.render(r));
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, _ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    const row = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize(this.render(row));
      if (inPendingStatus(row.status)) throw VPNStateInvalidToUpdate({ id, state: row.status });
      const set: Partial<VpnServiceTable> = {};
      if ('name' in changes) set.name = changes.name as string;
      if ('description' in changes) set.description = changes.description as string;
      if ('admin_state_up' in changes) set.admin_state_up = int(changes.admin_state_up as boolean);
      if (Object.keys(set).length) await trx.updateTable('vpnservices').set(set).where('id', '=', id).execute();
      return { ...row, ...set };
    });
    this.s.log.info({ event: 'vpnservice.update', vpnservice_id: id, changed: Object.keys(changes), request_id: ctx.requestId }, 'VPN service updated');
    return this.render(row);
  }

  async delete(ctx: RequestContext, id: string, _ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize(this.render(row));
      if (await trx.selectFrom('ipsec_site_connections').select('id').where('vpnservice_id', '=', id).executeTakeFirst()) throw VPNServiceInUse({ vpnservice_id: id });
      await trx.deleteFrom('vpnservices').where('id', '=', id).execute();
    });
    this.s.log.info({ event: 'vpnservice.delete', vpnservice_id: id, request_id: ctx.requestId }, 'VPN service deleted');
  }
}

/** _check_subnet_id: the router has an interface on the subnet. */
export async function checkSubnetOnRouter(trx: Trx, routerId: string, subnetId: string): Promise<void> {
  const on = await trx
    .selectFrom('routerports as rp')
    .innerJoin('ipallocations as a', 'a.port_id', 'rp.port_id')
    .select('rp.port_id')
    .where('rp.router_id', '=', routerId)
    .where('rp.port_type', '=', DEVICE_OWNER_ROUTER_INTF)
    .where('a.subnet_id', '=', subnetId)
    .executeTakeFirst();
  if (!on) throw SubnetIsNotConnectedToRouter({ subnet_id: subnetId, router_id: routerId });
}
