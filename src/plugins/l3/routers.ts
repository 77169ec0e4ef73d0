// Routers: CRUD, the external gateway and extra routes. Interfaces are in router-interfaces.ts.
import { type AvailabilityZones, hintsColumn, hintsOf } from '../availability-zones/availability-zones.js';
import { randomUUID } from 'node:crypto';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import { RouterExternalGatewayInUseByFloatingIp, RouterInUse, RouterNotFound } from '../../api/errors.js';
import type { ApiObject, AuthorizeChange, AuthorizeCreate, Handler, ListQuery } from '../../api/resource.js';
import { routerDef } from '../../api/resources/router.js';
import { timestamp } from '../../common/time.js';
import { DEVICE_OWNER_ROUTER_INTF } from '../../contract/device-owners.js';
import type { RouterTable } from '../../db/schema.js';
import { checkRevision, saveChanges } from '../revision.js';
import type { Services } from '../services.js';
import { standardAttributes } from '../standard-attributes.js';
import { removeAllTags, tagsOf } from '../tags/tag-store.js';
import { inTransaction, lockedIf, type Trx, type UnitOfWork } from '../../db/transaction.js';
import { bool, countBy, groupBy, int, rowsForIds, type IdSet } from '../../db/rows.js';
import { routerReach, routesOf, saveRoutes, validateRoutes, type Route } from './extra-routes.js';
import { L3Changes, type L3Announcer } from './l3-changes.js';
import type { L3Scheduler } from './l3-scheduler.js';
import type { GatewayInfo, RouterGateway } from './router-gateway.js';
import { BadRequest } from '../../api/errors.js';
import { NOT_SPECIFIED } from '../../api/resource.js';
import type { HaNetworks } from './ha/ha-network.js';
import type { HaRouters } from './ha/ha-routers.js';

/** A router as the policy rules see it. */
export function routerTarget(r: RouterTable): ApiObject {
  return { id: r.id, project_id: r.project_id, name: r.name };
}

export class RouterPlugin implements Handler {
  constructor(
    private readonly s: Services,
    private readonly gateway: RouterGateway,
    private readonly scheduler: L3Scheduler,
    private readonly announcer: L3Announcer,
    private readonly zones: AvailabilityZones,
    private readonly ha: { routers: HaRouters; networks: HaNetworks },
  ) {}

  /** l3-ha: the `ha` asked for, or [DEFAULT] l3_ha when the request does not say. */
  private wantsHa(given: unknown): boolean {
    return given === undefined || given === NOT_SPECIFIED ? this.s.config.bool('DEFAULT', 'l3_ha') : given === true;
  }

  private visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('routers as r').selectAll('r');
    if (!ctx.isAdmin) qb = qb.where('r.project_id', '=', ctx.projectId);
    return qb;
  }

  /** A router the caller can see, or RouterNotFound. */
  async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<RouterTable> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('r.id', '=', id), lock).executeTakeFirst();
    if (!row) throw RouterNotFound({ router_id: id });
    return row as RouterTable;
  }

  async render(trx: Trx, rows: RouterTable[], fields: string[] | null, ids: IdSet = rows.map((r) => r.id)): Promise<ApiObject[]> {
    const want = (f: string) => !fields || fields.includes(f);
    const gwPorts = want('external_gateway_info') ? rows.map((r) => r.gw_port_id).filter((x): x is string => x !== null) : [];
    const ports = new Map((await rowsForIds(this.s.db, gwPorts, 'id', (where) => trx.selectFrom('ports').select(['id', 'network_id']).where(where).execute())).map((p) => [p.id, p]));
    const ips = groupBy(
      await rowsForIds(this.s.db, gwPorts, 'port_id', (where) => trx.selectFrom('ipallocations').select(['port_id', 'subnet_id', 'ip_address']).where(where).execute()),
      (a) => a.port_id,
    );
    const routes = want('routes')
      ? groupBy(
          await rowsForIds(this.s.db, ids, 'router_id', (where) => trx.selectFrom('routerroutes').selectAll().where(where).orderBy('destination').orderBy('nexthop').execute()),
          (r) => r.router_id,
        )
      : new Map<string, Route[]>();
    const tags = want('tags') ? await tagsOf(this.s.db, trx, ids) : new Map<string, string[]>();
    const zones = want('availability_zones') ? await this.zones.zonesOfRouters(trx, ids) : new Map<string, string[]>();
    return rows.map((r) => {
      const gw = r.gw_port_id ? ports.get(r.gw_port_id) : undefined;
      return {
        id: r.id,
        name: r.name,
        admin_state_up: bool(r.admin_state_up),
        status: r.status,
        external_gateway_info: gw
          ? {
              network_id: gw.network_id,
              enable_snat: bool(r.enable_snat),
              external_fixed_ips: (ips.get(gw.id) ?? []).map((a) => ({ subnet_id: a.subnet_id, ip_address: a.ip_address })),
            }
          : null,
        routes: (routes.get(r.id) ?? []).map((x) => ({ destination: x.destination, nexthop: x.nexthop })),
        availability_zone_hints: hintsOf(r),
        availability_zones: zones.get(r.id) ?? [],
        ha: bool(r.ha ?? 0),
        ...standardAttributes(r, tags.get(r.id) ?? []),
      };
    });
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    const { rows, ids } = await listRows<RouterTable>(routerDef, this.visible(trx, ctx), q, 'r');
    return this.render(trx, rows, q.fields, ids);
  }

  async show(ctx: RequestContext, id: string, fields: string[] | null): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    return (await this.render(trx, [await this.find(trx, ctx, id)], fields))[0];
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    for (const i of items) authorize(i);
    // the projects' HA networks are made first, outside the routers' transaction (as Neutron)
    const haNetworks = new Map<string, string>();
    for (const i of items) {
      const project = i.project_id as string;
      if (this.wantsHa(i.ha) && !haNetworks.has(project)) haNetworks.set(project, await this.ha.networks.ensure(project, ctx.requestId));
    }
    const { rows, changes } = await inTransaction(this.s.db, async (trx, uow) => {
      const changes = new L3Changes();
      await this.s.callbacks.publish('router', 'before_create', { context: ctx, trx, counts: countBy(items.map((i) => i.project_id as string)) });
      const now = timestamp();
      const rows: RouterTable[] = [];
      for (const i of items) await this.zones.checkHints(trx, 'router', (i.availability_zone_hints as string[] | undefined) ?? []);
      for (const i of items) {
        const info = i.external_gateway_info as GatewayInfo | null;
        let row: RouterTable = {
          id: randomUUID(),
          project_id: i.project_id as string,
          name: i.name as string,
          description: i.description as string,
          created_at: now,
          updated_at: now,
          revision_number: 0,
          status: 'ACTIVE',
          admin_state_up: int(i.admin_state_up as boolean),
          gw_port_id: null,
          enable_snat: int(info?.enable_snat ?? this.s.config.bool('DEFAULT', 'enable_snat_by_default')),
          availability_zone_hints: hintsColumn(i.availability_zone_hints as string[] | undefined),
        };
        await trx.insertInto('routers').values(row).execute();
        const haNetwork = this.wantsHa(i.ha) ? haNetworks.get(row.project_id) : undefined;
        if (haNetwork) {
          await this.ha.routers.schedule(trx, uow, row, haNetwork, changes, ctx.requestId);
          row = (await trx.selectFrom('routers').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow()) as RouterTable;
        }
        const host = (await this.scheduler.ensureScheduled(trx, row.id, changes)) ?? '';
        if (info) row = { ...row, ...(await this.gateway.apply(trx, uow, ctx, row, info, host, changes)) };
        changes.routersUpdated.add(row.id);
        rows.push(row);
      }
      return { rows, changes };
    });
    for (const r of rows) this.s.log.info({ event: 'router.create', router_id: r.id, project_id: r.project_id, request_id: ctx.requestId }, 'router created');
    await this.announcer.announce(changes);
    await this.s.callbacks.publish('router', 'after_create', { context: ctx, ids: rows.map((r) => r.id) });
    return this.render(this.s.db.kysely, rows, null);
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    // becoming HA needs the project's HA network, made outside the transaction
    let haNetwork: string | null = null;
    if (changes.ha === true) {
      const before = await this.find(this.s.db.kysely, ctx, id);
      if (!bool(before.ha ?? 0)) haNetwork = await this.ha.networks.ensure(before.project_id, ctx.requestId);
    }
    const { row, l3 } = await inTransaction(this.s.db, async (trx, uow) => {
      const l3 = new L3Changes();
      let row = await this.find(trx, ctx, id, true);
      authorize(routerTarget(row));
      checkRevision(row.revision_number, ifMatch);
      if ('ha' in changes && changes.ha !== NOT_SPECIFIED && (changes.ha === true) !== bool(row.ha ?? 0)) {
        // router-admin-state-down-before-update: Neutron's _validate_migration
        const adminUp = 'admin_state_up' in changes ? changes.admin_state_up === true : bool(row.admin_state_up);
        if (adminUp) throw BadRequest({ resource: 'router', msg: 'Cannot change HA attribute of active routers. Please set router admin_state_up to False prior to upgrade' });
        row = await this.changeHa(trx, uow, row, changes.ha === true, haNetwork, l3, ctx.requestId);
      }
      const set: Partial<RouterTable> = {};
      if ('name' in changes) set.name = changes.name as string;
      if ('description' in changes) set.description = changes.description as string;
      if ('admin_state_up' in changes) set.admin_state_up = int(changes.admin_state_up as boolean);
      let gatewayNetwork = await this.gateway.networkOf(trx, row);
      if ('external_gateway_info' in changes) {
        const info = changes.external_gateway_info as GatewayInfo | null;
        gatewayNetwork = info?.network_id ?? null;
        // the routes that need the gateway must go first (or in the same request)
        const routes = 'routes' in changes ? (changes.routes as Route[]) : await routesOf(trx, id);
        validateRoutes(id, routes, await routerReach(trx, id, gatewayNetwork), this.s.config.int('DEFAULT', 'max_routes'));
        const host = info ? ((await this.scheduler.ensureScheduled(trx, id, l3)) ?? '') : '';
        Object.assign(set, await this.gateway.apply(trx, uow, ctx, row, info, host, l3));
      }
      if ('routes' in changes) {
        const routes = changes.routes as Route[];
        validateRoutes(id, routes, await routerReach(trx, id, gatewayNetwork), this.s.config.int('DEFAULT', 'max_routes'));
        await saveRoutes(trx, id, routes);
      }
      l3.routersUpdated.add(id);
      return { row: await saveChanges(trx, 'routers', row, set), l3 };
    });
    this.s.log.info({ event: 'router.update', router_id: id, request_id: ctx.requestId, changed: Object.keys(changes) }, 'router updated');
    await this.announcer.announce(l3);
    await this.s.callbacks.publish('router', 'after_update', { context: ctx, ids: [id] });
    return (await this.render(this.s.db.kysely, [row], null))[0];
  }

  /** Makes the router HA or not: off every agent it had (its HA ports and VRRP id gone), then scheduled the new way. */
  private async changeHa(trx: Trx, uow: UnitOfWork, row: RouterTable, ha: boolean, haNetwork: string | null, l3: L3Changes, requestId: string): Promise<RouterTable> {
    if (bool(row.ha ?? 0)) await this.ha.routers.unschedule(trx, uow, row, l3, false);
    else await this.scheduler.unbind(trx, row.id, l3);
    await trx
      .updateTable('routers')
      .set({ ha: int(ha), ha_vr_id: 0 })
      .where('id', '=', row.id)
      .execute();
    const now = (await trx.selectFrom('routers').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow()) as RouterTable;
    if (ha && haNetwork) await this.ha.routers.schedule(trx, uow, now, haNetwork, l3, requestId);
    else await this.scheduler.ensureScheduled(trx, row.id, l3);
    this.s.log.info({ event: 'router.ha_changed', router_id: row.id, ha, request_id: requestId }, `router ${row.id} is ${ha ? '' : 'no longer '}HA`);
    return (await trx.selectFrom('routers').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow()) as RouterTable;
  }

  /** extraroute-atomic: adds (or removes) routes to the router's set, in one transaction. */
  async changeRoutes(ctx: RequestContext, id: string, given: Route[], add: boolean, authorize: AuthorizeChange): Promise<ApiObject> {
    const { row, l3 } = await inTransaction(this.s.db, async (trx) => {
      const l3 = new L3Changes();
      const row = await this.find(trx, ctx, id, true);
      authorize(routerTarget(row));
      const key = (r: Route) => `${r.destination}|${r.nexthop}`;
      const current = await routesOf(trx, id);
      const givenKeys = new Set(given.map(key));
      const routes = add ? [...current, ...given.filter((g) => !current.some((c) => key(c) === key(g)))] : current.filter((c) => !givenKeys.has(key(c)));
      if (add) validateRoutes(id, routes, await routerReach(trx, id, await this.gateway.networkOf(trx, row)), this.s.config.int('DEFAULT', 'max_routes'));
      await saveRoutes(trx, id, routes);
      l3.routersUpdated.add(id);
      return { row: await saveChanges(trx, 'routers', row, {}), l3 };
    });
    this.s.log.info({ event: add ? 'router.routes_add' : 'router.routes_remove', router_id: id, routes: given, request_id: ctx.requestId }, add ? 'router routes added' : 'router routes removed');
    await this.announcer.announce(l3);
    await this.s.callbacks.publish('router', 'after_update', { context: ctx, ids: [id] });
    return (await this.render(this.s.db.kysely, [row], null))[0];
  }

  async delete(ctx: RequestContext, id: string, ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    const l3 = await inTransaction(this.s.db, async (trx, uow) => {
      const l3 = new L3Changes();
      const row = await this.find(trx, ctx, id, true);
      authorize(routerTarget(row));
      checkRevision(row.revision_number, ifMatch);
      const iface = await trx.selectFrom('routerports').select('port_id').where('router_id', '=', id).where('port_type', '=', DEVICE_OWNER_ROUTER_INTF).executeTakeFirst();
      if (iface) throw RouterInUse({ router_id: id });
      const fip = await trx.selectFrom('floatingips').select('id').where('router_id', '=', id).executeTakeFirst();
      if (fip) throw RouterExternalGatewayInUseByFloatingIp({ router_id: id, net_id: (await this.gateway.networkOf(trx, row)) ?? '' });
      const hosts = bool(row.ha ?? 0) ? [] : await this.scheduler.hostsOf(trx, id);
      if (bool(row.ha ?? 0)) await this.ha.routers.unschedule(trx, uow, row, l3, true);
      await this.gateway.remove(trx, uow, row, l3);
      await removeAllTags(this.s.db, trx, [id]);
      // routes and the agent binding go with the router (ON DELETE CASCADE)
      await trx.deleteFrom('routers').where('id', '=', id).execute();
      for (const h of hosts) l3.routersDeleted.push({ routerId: id, host: h.host });
      return l3;
    });
    this.s.log.info({ event: 'router.delete', router_id: id, request_id: ctx.requestId }, 'router deleted');
    await this.announcer.announce(l3);
    await this.s.callbacks.publish('router', 'after_delete', { context: ctx, ids: [id] });
  }
}
