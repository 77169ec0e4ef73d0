// Port forwardings of floating IPs (Neutron's port_forwarding service plugin): a floating IP
// that no port holds forwards TCP/UDP ports to internal ports' IPv4 addresses through the
// router that joins the two networks. The first forwarding gives the floating IP that router
// (its router_id, so the router holds the address); the last one takes it back.
//
// Every change runs in one transaction under the floating IP's row lock, so two forwardings of
// one floating IP cannot overlap however they race; the agents hear of it after commit.
import { randomUUID } from 'node:crypto';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import { BadRequest, FloatingIPNotFound, FloatingIPPortAlreadyAssociated, PortNotFound } from '../../api/errors.js';
import type { ApiObject, ListQuery } from '../../api/resource.js';
import { portForwardingDef } from '../../api/resources/port-forwarding.js';
import { parseIp } from '../../common/ip-address.js';
import { timestamp } from '../../common/time.js';
import { DEVICE_OWNER_ROUTER_INTF } from '../../contract/device-owners.js';
import type { AgentPortForwarding, PortForwardingProtocol, RouterPortForwardings } from '../../contract/port-forwarding.js';
import { uniqueViolation } from '../../db/connection.js';
import { groupBy } from '../../db/rows.js';
import type { FloatingIpTable, PortForwardingTable } from '../../db/schema.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import type { Services } from '../services.js';
import { PortForwardingNotFound, PortHasBindingFloatingIP } from './errors.js';
import type { PortForwardingNotifier } from './pf-notifier.js';
import { overlaps, portsOf, shownPorts, type PortPair } from './port-ranges.js';

/** The policy check of a change: the forwarding as shown plus its floating IP's project_id. */
export type AuthorizePf = (target: ApiObject) => void;

const PORT_ATTRS = ['external_port', 'internal_port', 'external_port_range', 'internal_port_range'];

const bad = (msg: string) => BadRequest({ resource: 'port_forwarding', msg });

function show(r: PortForwardingTable): ApiObject {
  return {
    id: r.id,
    ...shownPorts(r),
    internal_ip_address: r.internal_ip_address,
    protocol: r.protocol,
    internal_port_id: r.internal_neutron_port_id,
    description: r.description,
  };
}

export class PortForwardingPlugin {
  constructor(
    private readonly s: Services,
    private readonly notifier: PortForwardingNotifier,
  ) {}

  private async floatingIp(trx: Trx, ctx: RequestContext, id: string, lock: boolean): Promise<FloatingIpTable> {
    let qb = trx.selectFrom('floatingips').selectAll().where('id', '=', id);
    if (!ctx.isAdmin) qb = qb.where('project_id', '=', ctx.projectId);
    const row = await lockedIf(this.s.db, qb, lock).executeTakeFirst();
    if (!row) throw FloatingIPNotFound({ floatingip_id: id });
    return row as FloatingIpTable;
  }

  private async find(trx: Trx, fipId: string, id: string): Promise<PortForwardingTable> {
    const row = await trx.selectFrom('portforwardings').selectAll().where('id', '=', id).where('floatingip_id', '=', fipId).executeTakeFirst();
    if (!row) throw PortForwardingNotFound(id);
    return row;
  }

  /** The forwardings of a floating IP; each carries the floating IP's project_id for the policy (the routes strip it). */
  async list(ctx: RequestContext, fipId: string, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    const fip = await this.floatingIp(trx, ctx, fipId, false);
    const base = trx.selectFrom('portforwardings as pf').selectAll('pf').where('pf.floatingip_id', '=', fipId);
    const { rows } = await listRows<PortForwardingTable>(portForwardingDef, base, q, 'pf', (qb, rest) => {
      for (const [name, values] of rest) {
        if (name !== 'external_port_range') throw BadRequest({ resource: 'port_forwarding', msg: `Port Forwarding filter ${name} is not supported` });
        for (const v of values) {
          const [a, b = a] = v.split(':').map(Number);
          if (!Number.isInteger(a) || !Number.isInteger(b)) throw bad(`external_port_range filter ${v} is not N or N:M`);
          qb = qb.where('pf.external_port_start', '=', a).where('pf.external_port_end', '=', b);
        }
      }
      return qb;
    });
    return rows.map((r) => ({ ...show(r), project_id: fip.project_id }));
  }

  async show(ctx: RequestContext, fipId: string, id: string): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    const fip = await this.floatingIp(trx, ctx, fipId, false);
    return { ...show(await this.find(trx, fipId, id)), project_id: fip.project_id };
  }

  async create(ctx: RequestContext, fipId: string, item: ApiObject, authorize: AuthorizePf): Promise<ApiObject> {
    const { row, routerChanged, routerId } = await this.write(async (trx) => {
      const fip = await this.floatingIp(trx, ctx, fipId, true);
      authorize({ ...item, project_id: fip.project_id });
      const ports = portsOf(item);
      const internal = await this.internalAddress(trx, ctx, fip, item.internal_port_id as string, item.internal_ip_address as string | null);
      if (fip.fixed_port_id) {
        throw FloatingIPPortAlreadyAssociated({
          port_id: internal.portId,
          fip_id: fip.id,
          floating_ip_address: fip.floating_ip_address,
          fixed_ip: internal.ip,
          net_id: fip.floating_network_id,
        });
      }
      const row: PortForwardingTable = {
        id: randomUUID(),
        floatingip_id: fip.id,
        internal_neutron_port_id: internal.portId,
        internal_ip_address: internal.ip,
        protocol: item.protocol as PortForwardingProtocol,
        ...ports,
        description: item.description as string,
        created_at: timestamp(),
      };
      await this.checkConflicts(trx, fip, row);
      await trx.insertInto('portforwardings').values(row).execute();
      const routerChanged = fip.router_id !== internal.routerId;
      if (routerChanged) await trx.updateTable('floatingips').set({ router_id: internal.routerId }).where('id', '=', fip.id).execute();
      return { row, routerChanged, routerId: internal.routerId };
    });
    this.s.log.info(
      { event: 'port_forwarding.create', port_forwarding_id: row.id, floatingip_id: fipId, router_id: routerId, protocol: row.protocol, request_id: ctx.requestId },
      'port forwarding created',
    );
    await this.notifier.changed([routerId], routerChanged ? [routerId] : []);
    return show(row);
  }

  async update(ctx: RequestContext, fipId: string, id: string, changes: ApiObject, authorize: AuthorizePf): Promise<ApiObject> {
    const { row, routers } = await this.write(async (trx) => {
      const fip = await this.floatingIp(trx, ctx, fipId, true);
      const before = await this.find(trx, fipId, id);
      authorize({ ...show(before), ...changes, project_id: fip.project_id });
      let ports: PortPair = before;
      if (PORT_ATTRS.some((a) => a in changes)) {
        const was = shownPorts(before);
        const sideOf = (name: 'external' | 'internal') => {
          const single = changes[`${name}_port`];
          const ranged = changes[`${name}_port_range`];
          if (single !== undefined || ranged !== undefined) return { [`${name}_port`]: single ?? null, [`${name}_port_range`]: ranged ?? null };
          return { [`${name}_port`]: null, [`${name}_port_range`]: was[`${name}_port_range`] };
        };
        ports = portsOf({ ...sideOf('external'), ...sideOf('internal') });
      }
      const portId = (changes.internal_port_id as string | undefined) ?? before.internal_neutron_port_id;
      const ip = changes.internal_ip_address !== undefined ? (changes.internal_ip_address as string | null) : portId === before.internal_neutron_port_id ? before.internal_ip_address : null;
      const internal = await this.internalAddress(trx, ctx, fip, portId, ip);
      if (fip.router_id && internal.routerId !== fip.router_id) {
        throw bad(`The Floating IP ${fip.id} had been set on router ${fip.router_id}, the internal Neutron port ${portId} can not reach it`);
      }
      const row: PortForwardingTable = {
        ...before,
        ...ports,
        internal_neutron_port_id: internal.portId,
        internal_ip_address: internal.ip,
        protocol: (changes.protocol as PortForwardingProtocol | undefined) ?? (before.protocol as PortForwardingProtocol),
        description: (changes.description as string | undefined) ?? before.description,
      };
      await this.checkConflicts(trx, fip, row);
      const { id: _id, floatingip_id: _f, created_at: _c, ...set } = row;
      await trx.updateTable('portforwardings').set(set).where('id', '=', id).execute();
      return { row, routers: [internal.routerId] };
    });
    this.s.log.info({ event: 'port_forwarding.update', port_forwarding_id: id, floatingip_id: fipId, changed: Object.keys(changes), request_id: ctx.requestId }, 'port forwarding updated');
    await this.notifier.changed(routers, []);
    return show(row);
  }

  async delete(ctx: RequestContext, fipId: string, id: string, authorize: AuthorizePf): Promise<void> {
    const { routerId, released } = await this.write(async (trx) => {
      const fip = await this.floatingIp(trx, ctx, fipId, true);
      const row = await this.find(trx, fipId, id);
      authorize({ ...show(row), project_id: fip.project_id });
      await trx.deleteFrom('portforwardings').where('id', '=', id).execute();
      const released = await this.releaseIfUnused(trx, [fip.id]);
      return { routerId: fip.router_id, released: released.length > 0 };
    });
    this.s.log.info({ event: 'port_forwarding.delete', port_forwarding_id: id, floatingip_id: fipId, router_id: routerId, request_id: ctx.requestId }, 'port forwarding deleted');
    if (routerId) await this.notifier.changed([routerId], released ? [routerId] : []);
  }

  /** Floating IPs left without forwardings lose their router; returns the routers they had. */
  async releaseIfUnused(trx: Trx, fipIds: string[]): Promise<string[]> {
    if (!fipIds.length) return [];
    const used = new Set((await trx.selectFrom('portforwardings').select('floatingip_id').where('floatingip_id', 'in', fipIds).execute()).map((r) => r.floatingip_id));
    const unused = fipIds.filter((f) => !used.has(f));
    if (!unused.length) return [];
    const fips = await trx.selectFrom('floatingips').select(['id', 'router_id']).where('id', 'in', unused).where('fixed_port_id', 'is', null).where('router_id', 'is not', null).execute();
    if (!fips.length) return [];
    await trx
      .updateTable('floatingips')
      .set({ router_id: null })
      .where(
        'id',
        'in',
        fips.map((f) => f.id),
      )
      .execute();
    return [...new Set(fips.map((f) => f.router_id!))];
  }

  /** A unique key raced past the checks (the internal side across floating IPs): Neutron's duplicate error. */
  private async write<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.s.db, (trx) => work(trx));
    } catch (err) {
      const c = uniqueViolation(err);
      if (c?.includes('port_forwardings')) throw bad('A duplicate port forwarding entry with same attributes already exists');
      throw err;
    }
  }

  /**
   * The internal port's IPv4 address (the one given, or its first) and the router that joins its
   * subnet to the floating IP's network (the one whose interface is the subnet's gateway first).
   */
  private async internalAddress(trx: Trx, ctx: RequestContext, fip: FloatingIpTable, portId: string, ip: string | null): Promise<{ portId: string; ip: string; routerId: string }> {
    const port = await trx.selectFrom('ports').select(['id', 'project_id', 'network_id']).where('id', '=', portId).executeTakeFirst();
    if (!port || (!ctx.isAdmin && port.project_id !== ctx.projectId)) throw PortNotFound({ id: portId });
    const v4 = (await trx.selectFrom('ipallocations').select(['subnet_id', 'ip_address']).where('port_id', '=', portId).orderBy('ip_address').execute()).filter(
      (a) => parseIp(a.ip_address)?.version === 4,
    );
    if (!v4.length) throw bad(`Requested internal port ${portId} must allocate an IPv4 address at least`);
    const chosen = ip === null ? v4[0] : v4.find((a) => a.ip_address === ip);
    if (!chosen) {
      throw bad(`Requested internal IP address ${ip} is not suitable for internal neutron port ${portId}, as its fixed_ips are ${v4.map((a) => a.ip_address).join(', ')}`);
    }
    const candidates = await trx
      .selectFrom('routerports as rp')
      .innerJoin('ipallocations as a', 'a.port_id', 'rp.port_id')
      .innerJoin('routers as r', 'r.id', 'rp.router_id')
      .innerJoin('ports as gw', 'gw.id', 'r.gw_port_id')
      .innerJoin('subnets as s', 's.id', 'a.subnet_id')
      .select(['rp.router_id', 'a.ip_address', 's.gateway_ip'])
      .where('rp.port_type', '=', DEVICE_OWNER_ROUTER_INTF)
      .where('a.subnet_id', '=', chosen.subnet_id)
      .where('gw.network_id', '=', fip.floating_network_id)
      .orderBy('rp.router_id')
      .execute();
    const best = candidates.find((c) => c.ip_address === c.gateway_ip) ?? candidates[0];
    if (!best) {
      throw bad(`External network ${fip.floating_network_id} is not reachable from subnet ${chosen.subnet_id}. Cannot set Port forwarding for port ${portId} with Floating IP ${fip.id}`);
    }
    if (fip.router_id && fip.router_id !== best.router_id) {
      throw bad(`The Floating IP ${fip.id} had been set on router ${fip.router_id}, the internal Neutron port ${portId} can not reach it`);
    }
    const bound = await trx.selectFrom('floatingips').select(['id', 'floating_ip_address']).where('fixed_port_id', '=', portId).where('fixed_ip_address', '=', chosen.ip_address).executeTakeFirst();
    if (bound) throw PortHasBindingFloatingIP({ floating_ip_address: fip.floating_ip_address, fip_id: fip.id, port_id: portId, fixed_ip: chosen.ip_address });
    return { portId, ip: chosen.ip_address, routerId: best.router_id };
  }

  /** Neutron's duplicate check, for ranges: external ports of the floating IP, internal sockets of the port. */
  private async checkConflicts(trx: Trx, fip: FloatingIpTable, pf: PortForwardingTable): Promise<void> {
    const same = await trx.selectFrom('portforwardings').selectAll().where('protocol', '=', pf.protocol).where('id', '!=', pf.id).where('floatingip_id', '=', fip.id).execute();
    const ext = same.find((o) => overlaps(o.external_port_start, o.external_port_end, pf.external_port_start, pf.external_port_end));
    if (ext) {
      throw bad(
        `A duplicate port forwarding entry with same attributes already exists, conflicting values are {'floatingip_id': '${fip.id}', 'external_port_range': '${ext.external_port_start}:${ext.external_port_end}', 'protocol': '${pf.protocol}'}`,
      );
    }
    const mine = await trx
      .selectFrom('portforwardings')
      .selectAll()
      .where('protocol', '=', pf.protocol)
      .where('id', '!=', pf.id)
      .where('internal_neutron_port_id', '=', pf.internal_neutron_port_id)
      .where('internal_ip_address', '=', pf.internal_ip_address)
      .execute();
    const int = mine.find((o) => overlaps(o.internal_port_start, o.internal_port_end, pf.internal_port_start, pf.internal_port_end));
    if (int) {
      throw bad(
        `A duplicate port forwarding entry with same attributes already exists, conflicting values are {'internal_port_id': '${pf.internal_neutron_port_id}', 'internal_ip_address': '${pf.internal_ip_address}', 'internal_port_range': '${int.internal_port_start}:${int.internal_port_end}', 'protocol': '${pf.protocol}'}`,
      );
    }
  }

  /** get_port_forwardings: the forwardings of these routers, for their L3 agent's extension. */
  async ofRouters(routerIds: string[]): Promise<RouterPortForwardings[]> {
    if (!routerIds.length) return [];
    const rows = await this.s.db.kysely
      .selectFrom('portforwardings as pf')
      .innerJoin('floatingips as f', 'f.id', 'pf.floatingip_id')
      .selectAll('pf')
      .select(['f.router_id', 'f.floating_ip_address'])
      .where('f.router_id', 'in', routerIds)
      .orderBy('pf.id')
      .execute();
    const byRouter = groupBy(rows, (r) => r.router_id!);
    return [...byRouter].map(([router_id, list]) => ({
      router_id,
      port_forwardings: list.map(
        (r): AgentPortForwarding => ({
          id: r.id,
          floatingip_id: r.floatingip_id,
          floating_ip_address: r.floating_ip_address,
          protocol: r.protocol as PortForwardingProtocol,
          internal_ip_address: r.internal_ip_address,
          internal_port_start: r.internal_port_start,
          internal_port_end: r.internal_port_end,
          external_port_start: r.external_port_start,
          external_port_end: r.external_port_end,
        }),
      ),
    }));
  }
}
