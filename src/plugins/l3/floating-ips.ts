// Floating IPs: an address of a router:external network held by a port of device_owner
// network:floatingip, associated with an internal port's IPv4 address through the router
// that joins the two networks. DOWN until the router's L3 agent reports it ACTIVE.
import { randomUUID } from 'node:crypto';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import { BadRequest, ExternalGatewayForFloatingIPNotFound, FloatingIPNotFound, FloatingIPPortAlreadyAssociated, PortNotFound } from '../../api/errors.js';
import type { ApiObject, AuthorizeChange, AuthorizeCreate, Handler, ListQuery } from '../../api/resource.js';
import { floatingIpDef } from '../../api/resources/floatingip.js';
import { timestamp } from '../../common/time.js';
import { DEVICE_OWNER_FLOATINGIP, DEVICE_OWNER_ROUTER_INTF, mayHaveFloatingIp } from '../../contract/device-owners.js';
import type { FloatingIpTable, PortTable } from '../../db/schema.js';
import { parseIp } from '../../common/ip-address.js';
import type { NetworkPlugin } from '../ml2/networks.js';
import type { ServicePortOps } from '../ml2/service-ports.js';
import { checkRevision, saveChanges } from '../revision.js';
import type { Services } from '../services.js';
import { standardAttributes } from '../standard-attributes.js';
import { removeAllTags, tagsOf } from '../tags/tag-store.js';
import { inTransaction, lockedIf, type Trx, type UnitOfWork } from '../../db/transaction.js';
import { bool, countBy, rowsForIds, type IdSet } from '../../db/rows.js';
import { L3Changes, type L3Announcer } from './l3-changes.js';
import type { L3Ports } from './l3-ports.js';

const DOWN = 'DOWN';

interface Association {
  fixed_port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
}

const NONE: Association = { fixed_port_id: null, fixed_ip_address: null, router_id: null };

function fipTarget(r: FloatingIpTable): ApiObject {
  return { id: r.id, project_id: r.project_id, floating_network_id: r.floating_network_id, port_id: r.fixed_port_id };
}

export class FloatingIpPlugin implements Handler {
  constructor(
    private readonly s: Services,
    private readonly networks: NetworkPlugin,
    private readonly l3ports: L3Ports,
    private readonly ops: ServicePortOps,
    private readonly announcer: L3Announcer,
  ) {}

  private visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('floatingips as f').selectAll('f');
    if (!ctx.isAdmin) qb = qb.where('f.project_id', '=', ctx.projectId);
    return qb;
  }

  private async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<FloatingIpTable> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('f.id', '=', id), lock).executeTakeFirst();
    if (!row) throw FloatingIPNotFound({ floatingip_id: id });
    return row as FloatingIpTable;
  }

  private async render(trx: Trx, rows: FloatingIpTable[], fields: string[] | null, ids: IdSet = rows.map((r) => r.id)): Promise<ApiObject[]> {
    const tags = !fields || fields.includes('tags') ? await tagsOf(this.s.db, trx, ids) : new Map<string, string[]>();
    // fip-port-details: what the associated port is, as Neutron's _make_port_details_dict
    const portIds = !fields || fields.includes('port_details') ? [...new Set(rows.map((r) => r.fixed_port_id).filter((p): p is string => p !== null))] : [];
    const ports = new Map(
      (
        await rowsForIds(this.s.db, portIds, 'id', (where) =>
          trx.selectFrom('ports').select(['id', 'name', 'network_id', 'mac_address', 'admin_state_up', 'status', 'device_id', 'device_owner']).where(where).execute(),
        )
      ).map((p) => [p.id, p]),
    );
    const details = (portId: string | null) => {
      const p = portId ? ports.get(portId) : undefined;
      if (!p) return null;
      return { name: p.name, network_id: p.network_id, mac_address: p.mac_address, admin_state_up: bool(p.admin_state_up), status: p.status, device_id: p.device_id, device_owner: p.device_owner };
    };
    return rows.map((r) => ({
      id: r.id,
      floating_ip_address: r.floating_ip_address,
      floating_network_id: r.floating_network_id,
      router_id: r.router_id,
      port_id: r.fixed_port_id,
      fixed_ip_address: r.fixed_ip_address,
      status: r.status,
      port_details: details(r.fixed_port_id),
      ...standardAttributes({ ...r }, tags.get(r.id) ?? []),
    }));
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    const { rows, ids } = await listRows<FloatingIpTable>(floatingIpDef, this.visible(trx, ctx), q, 'f');
    return this.render(trx, rows, q.fields, ids);
  }

  async show(ctx: RequestContext, id: string, fields: string[] | null): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    return (await this.render(trx, [await this.find(trx, ctx, id)], fields))[0];
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    const { rows, l3 } = await inTransaction(this.s.db, async (trx, uow) => {
      const l3 = new L3Changes();
      const nets = [];
      for (const i of items) {
        nets.push(await this.networks.find(trx, ctx, i.floating_network_id as string));
        authorize(i);
      }
      await this.s.callbacks.publish('floatingip', 'before_create', { context: ctx, trx, counts: countBy(items.map((i) => i.project_id as string)) });
      const now = timestamp();
      const rows: FloatingIpTable[] = [];
      for (const [n, i] of items.entries()) {
        const net = nets[n];
        if (!bool(net.router_external)) throw BadRequest({ resource: 'floatingip', msg: `Network ${net.id} is not a valid external network` });
        const v4 = await trx.selectFrom('subnets').select('id').where('network_id', '=', net.id).where('ip_version', '=', 4).executeTakeFirst();
        if (!v4) throw BadRequest({ resource: 'floatingip', msg: `Network ${net.id} does not contain any IPv4 subnet` });
        if (i.fixed_ip_address !== null && i.port_id === null) throw BadRequest({ resource: 'floatingip', msg: 'fixed_ip_address cannot be specified without a port_id' });
        const id = randomUUID();
        const wanted: { subnet_id?: string; ip_address?: string } = {};
        if (i.subnet_id !== null) wanted.subnet_id = i.subnet_id as string;
        if (i.floating_ip_address !== null) wanted.ip_address = i.floating_ip_address as string;
        const port = await this.l3ports.make(
          trx,
          uow,
          l3,
          {
            project_id: '',
            network_id: net.id,
            device_id: id,
            device_owner: DEVICE_OWNER_FLOATINGIP,
            host: '',
            fixed_ips: Object.keys(wanted).length ? [wanted] : [{ subnet_id: v4.id }],
          },
          ctx.requestId,
        );
        // as Neutron: the port only holds the address; no agent plugs it
        await trx
          .updateTable('ports')
          .set({ status: 'N/A' })
          .where('id', '=', port.id as string)
          .execute();
        const address = (port.fixed_ips as { ip_address: string }[]).find((f) => parseIp(f.ip_address)?.version === 4);
        if (!address) throw BadRequest({ resource: 'floatingip', msg: `The address asked for is not an IPv4 address of network ${net.id}` });
        let row: FloatingIpTable = {
          id,
          project_id: i.project_id as string,
          description: i.description as string,
          created_at: now,
          updated_at: now,
          revision_number: 0,
          floating_ip_address: address.ip_address,
          floating_network_id: net.id,
          floating_port_id: port.id as string,
          ...NONE,
          status: DOWN,
        };
        if (i.port_id !== null) row = { ...row, ...(await this.associate(trx, uow, ctx, row, i.port_id as string, i.fixed_ip_address as string | null)) };
        await trx.insertInto('floatingips').values(row).execute();
        if (row.router_id) l3.routersUpdated.add(row.router_id);
        rows.push(row);
      }
      // nothing to plug: floating IP ports are never bound
      l3.portsChanged.clear();
      return { rows, l3 };
    });
    for (const r of rows)
      this.s.log.info(
        { event: 'floatingip.create', floatingip_id: r.id, address: r.floating_ip_address, port_id: r.fixed_port_id, router_id: r.router_id, request_id: ctx.requestId },
        'floating IP created',
      );
    await this.announcer.announce(l3);
    await this.s.callbacks.publish('floatingip', 'after_create', { context: ctx, ids: rows.map((r) => r.id) });
    return this.render(this.s.db.kysely, rows, null);
  }

  /** Where the floating IP goes for this port (and fixed address): Neutron's association checks. */
  private async associate(trx: Trx, uow: UnitOfWork, ctx: RequestContext, fip: FloatingIpTable, portId: string, fixedIp: string | null): Promise<Association> {
    // port forwardings refuse an association of their floating IP
    await this.s.callbacks.publish('floatingip', 'precommit_update', { trx, uow, context: ctx, floatingip: fip, portId });
    const port = (await trx.selectFrom('ports').selectAll().where('id', '=', portId).executeTakeFirst()) as PortTable | undefined;
    const visible =
      port &&
      (ctx.isAdmin ||
        port.project_id === ctx.projectId ||
        (await trx.selectFrom('networks').select('id').where('id', '=', port.network_id).where('project_id', '=', ctx.projectId).executeTakeFirst()));
    if (!port || !visible) throw PortNotFound({ id: portId });
    if (port.project_id !== fip.project_id && !ctx.isAdmin) {
      throw BadRequest({ resource: 'floatingip', msg: `Cannot process floating IP association with Port ${portId}, since that port is owned by a different project` });
    }
    if (!mayHaveFloatingIp(port.device_owner)) throw BadRequest({ resource: 'floatingip', msg: `Port ${portId} is unable to be assigned a floating IP` });
    const ips = await trx.selectFrom('ipallocations').select(['subnet_id', 'ip_address']).where('port_id', '=', portId).execute();
    let chosen: { subnet_id: string; ip_address: string } | undefined;
    if (fixedIp !== null) {
      if (parseIp(fixedIp)?.version !== 4) throw BadRequest({ resource: 'floatingip', msg: `Cannot process floating IP association with ${fixedIp}, since that is not an IPv4 address` });
      chosen = ips.find((i) => i.ip_address === fixedIp);
      if (!chosen) throw BadRequest({ resource: 'floatingip', msg: `Port ${portId} does not have fixed ip ${fixedIp}` });
    } else {
      const v4 = ips.filter((i) => parseIp(i.ip_address)?.version === 4);
      if (!v4.length) throw BadRequest({ resource: 'floatingip', msg: `Cannot add floating IP to port ${portId} that has no fixed IPv4 addresses` });
      if (v4.length > 1) throw BadRequest({ resource: 'floatingip', msg: `Port ${portId} has multiple fixed IPv4 addresses. Must provide a specific IPv4 address when assigning a floating IP` });
      chosen = v4[0];
    }
    const routerId = await this.routerFor(trx, port, chosen.subnet_id, fip.floating_network_id);
    const taken = await trx
      .selectFrom('floatingips')
      .select('id')
      .where('fixed_port_id', '=', portId)
      .where('floating_network_id', '=', fip.floating_network_id)
      .where('fixed_ip_address', '=', chosen.ip_address)
      .where('id', '!=', fip.id)
      .executeTakeFirst();
    if (taken) {
      throw FloatingIPPortAlreadyAssociated({ floating_ip_address: fip.floating_ip_address, fip_id: fip.id, port_id: portId, fixed_ip: chosen.ip_address, net_id: fip.floating_network_id });
    }
    return { fixed_port_id: portId, fixed_ip_address: chosen.ip_address, router_id: routerId };
  }

  /**
   * The router with an interface on the fixed address's subnet and a gateway on the floating
   * network; the one whose interface is the subnet's gateway first, as Neutron.
   */
  private async routerFor(trx: Trx, port: PortTable, subnetId: string, externalNetworkId: string): Promise<string> {
    const candidates = await trx
      .selectFrom('routerports as rp')
      .innerJoin('ipallocations as a', 'a.port_id', 'rp.port_id')
      .innerJoin('routers as r', 'r.id', 'rp.router_id')
      .innerJoin('ports as gw', 'gw.id', 'r.gw_port_id')
      .innerJoin('subnets as s', 's.id', 'a.subnet_id')
      .select(['rp.router_id', 'a.ip_address', 's.gateway_ip'])
      .where('rp.port_type', '=', DEVICE_OWNER_ROUTER_INTF)
      .where('a.subnet_id', '=', subnetId)
      .where('gw.network_id', '=', externalNetworkId)
      .orderBy('rp.router_id')
      .execute();
    const best = candidates.find((c) => c.ip_address === c.gateway_ip) ?? candidates[0];
    if (!best) throw ExternalGatewayForFloatingIPNotFound({ external_network_id: externalNetworkId, subnet_id: subnetId, port_id: port.id });
    return best.router_id;
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    const { row, l3 } = await inTransaction(this.s.db, async (trx, uow) => {
      const l3 = new L3Changes();
      const row = await this.find(trx, ctx, id, true);
      authorize(fipTarget(row));
      checkRevision(row.revision_number, ifMatch);
      const set: Partial<FloatingIpTable> = {};
      if ('description' in changes) set.description = changes.description as string;
      const fixed = (changes.fixed_ip_address ?? null) as string | null;
      if (fixed !== null && !changes.port_id) throw BadRequest({ resource: 'floatingip', msg: 'fixed_ip_address cannot be specified without a port_id' });
      // as Neutron's _check_and_get_fip_assoc: an update naming other attributes (description)
      // keeps the association; port_id null, or an empty update, lets it go
      const empty = Object.keys(changes).length === 0;
      // port_id null on a floating IP without a port changes nothing (its router_id may be its
      // port forwardings')
      if (('port_id' in changes && (changes.port_id !== null || row.fixed_port_id)) || (empty && row.fixed_port_id)) {
        const assoc = empty || changes.port_id === null ? NONE : await this.associate(trx, uow, ctx, row, changes.port_id as string, fixed);
        if (assoc.fixed_port_id !== row.fixed_port_id || assoc.fixed_ip_address !== row.fixed_ip_address || assoc.router_id !== row.router_id) {
          Object.assign(set, assoc, { status: DOWN });
          for (const r of [row.router_id, assoc.router_id]) if (r) l3.routersUpdated.add(r);
        }
      }
      return { row: await saveChanges(trx, 'floatingips', row, set), l3 };
    });
    this.s.log.info(
      { event: 'floatingip.update', floatingip_id: id, port_id: row.fixed_port_id, router_id: row.router_id, request_id: ctx.requestId, changed: Object.keys(changes) },
      'floating IP updated',
    );
    await this.announcer.announce(l3);
    await this.s.callbacks.publish('floatingip', 'after_update', { context: ctx, ids: [id] });
    return (await this.render(this.s.db.kysely, [row], null))[0];
  }

  async delete(ctx: RequestContext, id: string, ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    const l3 = await inTransaction(this.s.db, async (trx, uow) => {
      const l3 = new L3Changes();
      const row = await this.find(trx, ctx, id, true);
      authorize(fipTarget(row));
      checkRevision(row.revision_number, ifMatch);
      await removeAllTags(this.s.db, trx, [id]);
      await trx.deleteFrom('floatingips').where('id', '=', id).execute();
      await this.ops.remove(trx, uow, row.floating_port_id);
      if (row.router_id) l3.routersUpdated.add(row.router_id);
      return l3;
    });
    this.s.log.info({ event: 'floatingip.delete', floatingip_id: id, request_id: ctx.requestId }, 'floating IP deleted');
    await this.announcer.announce(l3);
    await this.s.callbacks.publish('floatingip', 'after_delete', { context: ctx, ids: [id] });
  }

  /**
   * floatingip-pools: the IPv4 subnets of every external network, as Neutron's
   * get_floatingip_pools (which reads them elevated and answers with the caller's project_id).
   */
  async pools(ctx: RequestContext): Promise<ApiObject[]> {
    const rows = await this.s.db.kysely
      .selectFrom('subnets as s')
      .innerJoin('networks as n', 'n.id', 's.network_id')
      .select(['s.id', 's.name', 's.network_id', 's.cidr'])
      .where('n.router_external', '=', 1)
      .where('s.ip_version', '=', 4)
      .orderBy('s.id')
      .execute();
    return rows.map((r) => ({ subnet_id: r.id, subnet_name: r.name, project_id: ctx.projectId, tenant_id: ctx.projectId, network_id: r.network_id, cidr: r.cidr }));
  }

  /** Their network is being deleted: its floating IPs that no port holds go with it (Neutron's delete_disassociated_floatingips). */
  async deleteDisassociatedOnNetwork(trx: Trx, uow: UnitOfWork, networkId: string): Promise<void> {
    const fips = await trx.selectFrom('floatingips').selectAll().where('floating_network_id', '=', networkId).where('fixed_port_id', 'is', null).execute();
    if (!fips.length) return;
    await removeAllTags(
      this.s.db,
      trx,
      fips.map((f) => f.id),
    );
    for (const f of fips) {
      await trx.deleteFrom('floatingips').where('id', '=', f.id).execute();
      await this.ops.remove(trx, uow, f.floating_port_id);
      this.s.log.info({ event: 'floatingip.delete', floatingip_id: f.id, network_id: networkId }, 'floating IP deleted with its network');
    }
    uow.onCommit(() => void this.s.callbacks.publish('floatingip', 'after_delete', { context: null, ids: fips.map((f) => f.id) }));
  }

  /** The port a floating IP is associated with is being deleted: the floating IP lets go of it (Neutron does the same). */
  async disassociateFromPort(trx: Trx, portId: string): Promise<string[]> {
    const fips = await trx.selectFrom('floatingips').selectAll().where('fixed_port_id', '=', portId).execute();
    for (const f of fips) {
      await saveChanges(trx, 'floatingips', f, { ...NONE, status: DOWN });
      this.s.log.info({ event: 'floatingip.disassociate', floatingip_id: f.id, port_id: portId, router_id: f.router_id }, 'floating IP disassociated: its port is being deleted');
    }
    return [...new Set(fips.map((f) => f.router_id).filter((r): r is string => r !== null))];
  }

  /** Announces routers a port deletion changed (see disassociateFromPort). */
  routersChanged(routerIds: string[]): void {
    if (!routerIds.length) return;
    const l3 = new L3Changes();
    routerIds.forEach((r) => l3.routersUpdated.add(r));
    this.announcer.announce(l3).catch((err: Error) => this.s.log.warn({ event: 'l3.notify_failed', err: err.message }, 'could not tell L3 agents about disassociated floating IPs'));
  }
}
