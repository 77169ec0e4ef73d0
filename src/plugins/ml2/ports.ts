// Ports (the core plugin's part): visibility, MAC, fixed IPs, security groups, binding, and
// the transaction around them. Attributes that extension drivers add (port security, address
// pairs, DHCP options …) are theirs (extensions/); what happens after commit is the announcer's.
import { randomUUID } from 'node:crypto';
import { sql, type ExpressionBuilder } from 'kysely';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import { MacAddressInUse, NetworkMacAddressGenerationFailure, NetworkNotFound, PortNotFound, PortSecurityAndIPRequiredForSecurityGroups, PortSecurityPortHasSecurityGroup } from '../../api/errors.js';
import { NOT_SPECIFIED, type ApiObject, type AuthorizeChange, type AuthorizeCreate, type Handler, type ListQuery, type ResourceDef } from '../../api/resource.js';
import { portDef } from '../../api/resources/port.js';
import { jsonColumn } from '../../common/json.js';
import { timestamp } from '../../common/time.js';
import { DEVICE_OWNER_NETWORK_PREFIX } from '../../contract/device-owners.js';
import type { Database, IpAllocationTable, NetworkTable, PortBindingTable, PortTable, SubnetTable } from '../../db/schema.js';
import { checkRevision, saveChanges } from '../revision.js';
import type { SecurityGroupPlugin } from '../securitygroups/security-groups.js';
import type { Services } from '../services.js';
import { standardAttributes } from '../standard-attributes.js';
import { removeAllTags, tagsOf } from '../tags/tag-store.js';
import type { Db } from '../../db/connection.js';
import { rowInsert, statement } from '../../db/statement.js';
import { inTransaction, lockedIf, type Trx, type UnitOfWork } from '../../db/transaction.js';
import { bool, countBy, groupBy, int, rowsForIds, type IdSet } from '../../db/rows.js';
import type { PortDraft } from './extensions/extension-driver.js';
import type { ExtensionManager } from './extensions/extension-manager.js';
import { byAddress, FixedIps, subnetsOf, type FixedIpSpec } from './fixed-ips.js';
import type { MechanismManager } from './mech/mechanism-manager.js';
import type { PortEvent } from './mech/mechanism-driver.js';
import { parentFacts, type NetworkPlugin } from './networks.js';
import { PortAnnouncer, type PortParts } from './port-announcer.js';
import { unboundBinding, type BindingWish, type PortBinder } from './port-binding.js';
import { applyPortFilters } from './port-filters.js';
import { MacAddresses } from './port-macs.js';

/** A binding asked for on create: any binding attribute other than its default. */
function bindingWish(item: ApiObject): BindingWish | null {
  const host = item['binding:host_id'] as string;
  const vnicType = item['binding:vnic_type'] as string;
  const profile = item['binding:profile'] as Record<string, unknown>;
  if (host === '' && vnicType === 'normal' && Object.keys(profile).length === 0) return null;
  return { host, vnicType, profile };
}

/** A port row as the policy rules see it. */
function policyView(r: PortTable): ApiObject {
  return { id: r.id, project_id: r.project_id, network_id: r.network_id, device_owner: r.device_owner, device_id: r.device_id, mac_address: r.mac_address };
}

type Extender = (row: PortTable, port: ApiObject) => void;

// The statements every show, update and delete of one port runs (src/db/statement.ts: compiled once).

/** A project sees its own ports and the ports on its networks. */
const seenBy = (projectId: string) => (eb: ExpressionBuilder<Database & { p: PortTable }, 'p'>) =>
  eb.or([eb('p.project_id', '=', projectId), eb('p.network_id', 'in', eb.selectFrom('networks').select('id').where('project_id', '=', projectId))]);
/** A port the caller may see: an admin any, a project its own and those on its networks. */
const visiblePort = (db: Db, id: string, projectId?: string) => {
  const qb = db.kysely.selectFrom('ports as p').selectAll('p').where('p.id', '=', id);
  return projectId === undefined ? qb : qb.where(seenBy(projectId));
};
/** The same, locked, with what the policy rules ask of its network (subqueries: the network row is not locked with it). */
const portForChange = (db: Db, id: string, projectId?: string) =>
  db.dialect.forUpdate(
    visiblePort(db, id, projectId)
      .select((eb) => eb.selectFrom('networks as n').select('n.project_id').whereRef('n.id', '=', 'p.network_id').as('network_project_id'))
      .select((eb) => eb.selectFrom('networks as n').select('n.shared').whereRef('n.id', '=', 'p.network_id').as('network_shared'))
      .select((eb) => eb.selectFrom('networks as n').select('n.router_external').whereRef('n.id', '=', 'p.network_id').as('network_router_external')),
  );
const PORT = statement((db, id: string) => visiblePort(db, id));
const PROJECT_PORT = statement((db, id: string, projectId: string) => visiblePort(db, id, projectId));
const PORT_FOR_CHANGE = statement((db, id: string) => portForChange(db, id));
const PROJECT_PORT_FOR_CHANGE = statement((db, id: string, projectId: string) => portForChange(db, id, projectId));
const GROUPS_OF_PORT = statement((db, id: string) => db.kysely.selectFrom('securitygroupportbindings').select('security_group_id').where('port_id', '=', id));
const INSERT_PORT = rowInsert('ports');
const INSERT_GROUP_BINDING = rowInsert('securitygroupportbindings');
const IPS_OF_PORT = statement((db, id: string) => db.kysely.selectFrom('ipallocations').selectAll().where('port_id', '=', id));

/** What a remote group's members are made of (addresses, MACs, pairs): a change re-announces the port's groups. */
const MEMBER_ATTRIBUTES = ['fixed_ips', 'security_groups', 'allowed_address_pairs', 'mac_address', 'port_security_enabled'];

export class PortPlugin implements Handler {
  /** the port resource with the loaded extension drivers' attributes */
  readonly def: ResourceDef;
  private readonly macs: MacAddresses;
  private readonly fixedIps: FixedIps;
  private readonly announcer: PortAnnouncer;

  constructor(
    private readonly s: Services,
    private readonly networks: NetworkPlugin,
    private readonly groups: SecurityGroupPlugin,
    private readonly binder: PortBinder,
    mech: MechanismManager,
    private readonly extensions: ExtensionManager,
  ) {
    // a driver's attribute replaces the port's own of that name (tags: read-only, or given on create)
    const own = new Set(extensions.attributes.map((a) => a.name));
    this.def = { ...portDef, attributes: [...portDef.attributes.filter((a) => !own.has(a.name)), ...extensions.attributes] };
    this.macs = new MacAddresses(s.config);
    this.fixedIps = new FixedIps(s);
    this.announcer = new PortAnnouncer(s, binder, mech, (parts) => this.show_(parts));
  }

  private visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('ports as p').selectAll('p');
    if (!ctx.isAdmin) {
      qb = qb.where(seenBy(ctx.projectId));
    }
    return qb;
  }

  async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<PortTable> {
    const row = lock
      ? await lockedIf(this.s.db, this.visible(trx, ctx).where('p.id', '=', id), lock).executeTakeFirst()
      : ctx.isAdmin
        ? await PORT.first(this.s.db, trx, id)
        : await PROJECT_PORT.first(this.s.db, trx, id, ctx.projectId);
    if (!row) throw PortNotFound({ id });
    return row as PortTable;
  }

  /**
   * A port the caller may see, locked, with what the policy rules ask of its network, in one
   * statement (subqueries, so that the network row is not locked with it).
   */
  private async findForChange(trx: Trx, ctx: RequestContext, id: string): Promise<{ row: PortTable; target: ApiObject }> {
    const found = ctx.isAdmin ? await PORT_FOR_CHANGE.first(this.s.db, trx, id) : await PROJECT_PORT_FOR_CHANGE.first(this.s.db, trx, id, ctx.projectId);
    if (!found) throw PortNotFound({ id });
    const { network_project_id, network_shared, network_router_external, ...row } = found as PortTable & {
      network_project_id: string;
      network_shared: number | boolean;
      network_router_external: number | boolean;
    };
    const net = { id: row.network_id, project_id: network_project_id, shared: Number(network_shared), router_external: Number(network_router_external) } as NetworkTable;
    // rule:shared asks whether the network is shared with the caller's project (RBAC included)
    const sharedWithCaller = bool(net.shared) || (net.project_id !== ctx.projectId && (await this.networks.accessTo(trx, ctx, net)).ports);
    return { row, target: { ...policyView(row), ...parentFacts(net, sharedWithCaller) } };
  }

  private renderOne(p: PortParts, extenders: Extender[]): ApiObject {
    const r = p.row;
    const b = p.binding;
    const ips = p.ips.length > 1 ? [...p.ips].sort(byAddress) : p.ips;
    const port: ApiObject = {
      id: r.id,
      name: r.name,
      network_id: r.network_id,
      mac_address: r.mac_address,
      admin_state_up: bool(r.admin_state_up),
      status: r.status,
      device_id: r.device_id,
      device_owner: r.device_owner,
      fixed_ips: ips.map((a) => ({ subnet_id: a.subnet_id, ip_address: a.ip_address })),
      security_groups: p.groups,
      // who sees where and how a port is bound is the policy's call (get_port:binding:*)
      'binding:host_id': b.host,
      'binding:vnic_type': b.vnic_type,
      'binding:profile': jsonColumn(b.profile, {}),
      'binding:vif_type': b.vif_type,
      'binding:vif_details': jsonColumn(b.vif_details, {}),
    };
    for (const extend of extenders) extend(r, port);
    return Object.assign(port, standardAttributes(r, p.tags));
  }

  /** Ports already read (or just written) as the API shows them. */
  private async show_(parts: PortParts[]): Promise<ApiObject[]> {
    const rows = parts.map((p) => p.row);
    const extenders = await this.extensions.extenders(
      this.s.db.kysely,
      rows,
      rows.map((r) => r.id),
      null,
    );
    return parts.map((p) => this.renderOne(p, extenders));
  }

  private async render(trx: Trx, rows: PortTable[], fields: string[] | null, ids: IdSet = rows.map((r) => r.id)): Promise<ApiObject[]> {
    const want = (f: string) => !fields || fields.includes(f);
    // one port (a show): statements compiled once
    const one = Array.isArray(ids) && ids.length === 1 ? ids[0] : null;
    const ips = want('fixed_ips')
      ? groupBy(
          one !== null ? await IPS_OF_PORT.all(this.s.db, trx, one) : await rowsForIds(this.s.db, ids, 'port_id', (where) => trx.selectFrom('ipallocations').selectAll().where(where).execute()),
          (a) => a.port_id,
        )
      : new Map<string, IpAllocationTable[]>();
    const groups = want('security_groups')
      ? one !== null
        ? new Map([[one, await GROUPS_OF_PORT.all(this.s.db, trx, one)]])
        : groupBy(await rowsForIds(this.s.db, ids, 'port_id', (where) => trx.selectFrom('securitygroupportbindings').selectAll().where(where).execute()), (b) => b.port_id)
      : new Map<string, { security_group_id: string }[]>();
    const tags = want('tags') ? await tagsOf(this.s.db, trx, ids) : new Map<string, string[]>();
    const bindings = !fields || fields.some((f) => f.startsWith('binding:')) ? await this.binder.bindingsOf(trx, ids) : new Map<string, PortBindingTable>();
    const extenders = await this.extensions.extenders(trx, rows, ids, fields);
    return rows.map((row) =>
      this.renderOne(
        {
          row,
          ips: ips.get(row.id) ?? [],
          groups: (groups.get(row.id) ?? []).map((g) => g.security_group_id).sort(),
          tags: tags.get(row.id) ?? [],
          binding: bindings.get(row.id) ?? unboundBinding(row.id),
        },
        extenders,
      ),
    );
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    const { rows, ids } = await listRows<PortTable>(this.def, this.visible(trx, ctx), q, 'p', (qb, rest) => this.extensions.filter(applyPortFilters(trx, qb, rest), rest, trx));
    return this.render(trx, rows, q.fields, ids);
  }

  async show(ctx: RequestContext, id: string, fields: string[] | null): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    return (await this.render(trx, [await this.find(trx, ctx, id)], fields))[0];
  }

  /**
   * What a port create reads, in one PostgreSQL round trip instead of four: the network, its
   * subnets, the project's default group and its port quota override. Each round trip costs
   * a system call on both sides, which dominates a create on PostgreSQL.
   */
  private async prefetch(trx: Trx, networkId: string, projectId: string) {
    const r = await sql<{ network: NetworkTable | null; subnets: SubnetTable[] | null; default_group: string | null; port_quota: number | null }>`
      select (select row_to_json(n) from networks n where n.id = ${networkId}) as network,
             (select json_agg(s order by s.created_at, s.id) from subnets s where s.network_id = ${networkId}) as subnets,
             (select security_group_id from default_security_group where project_id = ${projectId}) as default_group,
             (select "limit" from quotas where project_id = ${projectId} and resource = 'port') as port_quota`.execute(trx);
    const row = r.rows[0];
    return { network: row.network, subnets: row.subnets ?? [], defaultGroup: row.default_group, portQuota: row.port_quota };
  }

  /**
   * Writes new ports with their addresses and group bindings. On PostgreSQL that is one
   * statement (data-modifying CTEs; foreign keys are checked at its end), saving two round
   * trips per create.
   */
  private async insertPorts(trx: Trx, made: PortParts[]): Promise<void> {
    const ports = made.map((m) => m.row);
    const ips = made.flatMap((m) => m.ips);
    const bindings = made.flatMap((m) => m.groups.map((g) => ({ port_id: m.row.id, security_group_id: g })));
    if (!this.s.db.dialect.writableCtes) {
      if (ports.length === 1) await INSERT_PORT.run(this.s.db, trx, ports[0]);
      else await trx.insertInto('ports').values(ports).execute();
      await this.fixedIps.insert(trx, ips);
      if (bindings.length === 1) await INSERT_GROUP_BINDING.run(this.s.db, trx, bindings[0]);
      else if (bindings.length) await trx.insertInto('securitygroupportbindings').values(bindings).execute();
      return;
    }
    try {
      const withPorts = trx.with('new_ports', (db) => db.insertInto('ports').values(ports));
      if (ips.length && bindings.length) {
        await withPorts
          .with('new_ips', (db) => db.insertInto('ipallocations').values(ips))
          .insertInto('securitygroupportbindings')
          .values(bindings)
          .execute();
      } else if (ips.length) {
        await withPorts.insertInto('ipallocations').values(ips).execute();
      } else if (bindings.length) {
        await withPorts.insertInto('securitygroupportbindings').values(bindings).execute();
      } else {
        await trx.insertInto('ports').values(ports).execute();
      }
    } catch (e) {
      this.fixedIps.forgetSubnetsOnClash(e, ips);
      throw e;
    }
  }

  /**
   * `within`: a service plugin (routers, floating IPs) making its ports inside its own
   * transaction; it calls announce() with their ids after commit.
   */
  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate, within?: { trx: Trx; uow: UnitOfWork }): Promise<ApiObject[]> {
    const work = async (trx: Trx, uow: UnitOfWork): Promise<PortParts[]> => {
      // looked up once per request, however many ports it creates
      const networks = new Map<string, NetworkTable>();
      const subnets = new Map<string, SubnetTable[]>();
      const defaultGroups = new Map<string, string>();
      const macs = new Set<string>();
      // whether the caller may put ports on each network (owner, admin or access_as_shared)
      const mayUse = new Map<string, boolean>();
      const counts = countBy(items.map((i) => i.project_id as string));
      const netIds = new Set(items.map((i) => i.network_id as string));
      // as Neutron, ports a service plugin makes for itself are not held to the quota
      const internal = within !== undefined;
      if (this.s.db.dialect.jsonAggregates && counts.size === 1 && netIds.size === 1) {
        const [project] = [...counts.keys()];
        const [netId] = [...netIds];
        const pre = await this.prefetch(trx, netId, project);
        if (!pre.network) throw NetworkNotFound({ id: netId });
        const access = await this.networks.accessTo(trx, ctx, pre.network);
        if (!access.visible) throw NetworkNotFound({ id: netId });
        mayUse.set(netId, access.ports);
        networks.set(netId, pre.network);
        subnets.set(netId, pre.subnets);
        if (pre.defaultGroup) defaultGroups.set(project, pre.defaultGroup);
        await this.s.callbacks.publish('port', 'before_create', { context: ctx, trx, counts, internal, knownLimits: new Map([[project, pre.portQuota]]) });
      } else {
        await this.s.callbacks.publish('port', 'before_create', { context: ctx, trx, counts, internal });
      }
      const now = timestamp();
      const made: PortParts[] = [];
      for (const item of items) {
        const netId = item.network_id as string;
        const network = networks.get(netId) ?? (await this.networks.find(trx, ctx, netId));
        networks.set(netId, network);
        if (!subnets.has(netId)) subnets.set(netId, await subnetsOf(trx, netId));
        if (!mayUse.has(netId)) mayUse.set(netId, (await this.networks.accessTo(trx, ctx, network)).ports);
        // rule:shared asks whether the network is shared with the caller's project (RBAC included)
        authorize(item, parentFacts(network, bool(network.shared) || (network.project_id !== ctx.projectId && mayUse.get(netId))));
        const projectId = item.project_id as string;
        const id = randomUUID();
        const deviceOwner = item.device_owner as string;
        const mac = await this.chooseMac(trx, netId, item.mac_address, macs);

        const row: PortTable = {
          id,
          project_id: projectId,
          name: item.name as string,
          description: item.description as string,
          created_at: now,
          updated_at: now,
          revision_number: 0,
          network_id: netId,
          mac_address: mac,
          admin_state_up: int(item.admin_state_up as boolean),
          status: 'DOWN',
          device_id: item.device_id as string,
          device_owner: deviceOwner,
          port_security_enabled: network.port_security_enabled,
          allowed_address_pairs: '[]',
          extra_dhcp_opts: '[]',
        };
        const draft: PortDraft = { ctx, trx, network: async () => network, row, set: {}, portSecurity: bool(network.port_security_enabled) };
        await this.extensions.processCreate(draft, item, 'before-groups');
        let groups: string[];
        if (item.security_groups === NOT_SPECIFIED || item.security_groups === undefined) {
          if (draft.portSecurity && !deviceOwner.startsWith(DEVICE_OWNER_NETWORK_PREFIX)) {
            const sg = defaultGroups.get(projectId) ?? (await this.groups.ensureDefault(trx, projectId));
            defaultGroups.set(projectId, sg);
            groups = [sg];
          } else {
            groups = [];
          }
        } else {
          groups = await this.groups.checkUsable(trx, ctx, projectId, item.security_groups as string[]);
          if (groups.length && !draft.portSecurity) throw PortSecurityAndIPRequiredForSecurityGroups({});
        }
        await this.extensions.processCreate(draft, item, 'after-groups');

        const ips = await this.fixedIps.allocate(trx, uow, network, id, mac, deviceOwner, item.fixed_ips as FixedIpSpec[] | typeof NOT_SPECIFIED, [], subnets.get(netId));
        // tags given on create (tag_ports_during_bulk_creation driver, which writes them)
        made.push({ row, ips, groups, tags: Array.isArray(item.tags) ? [...(item.tags as string[])] : [], binding: unboundBinding(id) });
      }
      await this.insertPorts(trx, made);
      await this.extensions.afterCreate(
        trx,
        made.map((m, n) => ({ row: m.row, item: items[n] })),
      );
      for (const [n, item] of items.entries()) {
        const wish = bindingWish(item);
        if (wish) made[n].binding = await this.binder.bind(trx, made[n].row, wish);
      }
      return made;
    };
    const parts = within ? await work(within.trx, within.uow) : await inTransaction(this.s.db, work);
    for (const p of parts) {
      this.s.log.info(
        { event: 'port.create', port_id: p.row.id, network_id: p.row.network_id, ips: p.ips.map((i) => i.ip_address), host: p.binding.host || undefined, request_id: ctx.requestId },
        'port created',
      );
    }
    if (!within) await this.announcer.changed(parts, new Map());
    const shown = await this.show_(parts.map((p) => ({ ...p, groups: [...p.groups].sort() })));
    await this.s.callbacks.publish('port', 'after_create', { context: ctx, ports: shown, internal: within !== undefined });
    return shown;
  }

  /** The port's MAC: generated (a clash with another port is caught by the unique key and the request retried) or the one asked for. */
  /** The MACs a network's ports hold, in chooseMac's `taken` form. */
  private async macsOf(trx: Trx, netId: string): Promise<Set<string>> {
    const rows = await trx.selectFrom('ports').select('mac_address').where('network_id', '=', netId).execute();
    return new Set(rows.map((r) => `${netId}|${r.mac_address}`));
  }

  private async chooseMac(trx: Trx, netId: string, asked: unknown, taken: Set<string>): Promise<string> {
    let mac: string;
    if (asked === NOT_SPECIFIED || asked === undefined) {
      // a clash inside this request is avoided here
      let tries = 0;
      do {
        mac = this.macs.generate();
        if (++tries > this.macs.retries) throw NetworkMacAddressGenerationFailure({ net: netId });
      } while (taken.has(`${netId}|${mac}`));
    } else {
      mac = asked as string;
      if (taken.has(`${netId}|${mac}`)) throw MacAddressInUse({ net: netId, mac });
      await this.macs.checkFree(trx, netId, mac);
    }
    taken.add(`${netId}|${mac}`);
    return mac;
  }

  /** After commit: port_update and postcommit hooks for ports changed inside another plugin's transaction. */
  announce(portIds: string[], before: Map<string, PortEvent | null>): Promise<void> {
    return this.announcer.announce(portIds, before);
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    const before = await this.binder.portEvent(this.s.db.kysely, id);
    let groupsBefore: string[] = [];
    const parts = await inTransaction(this.s.db, async (trx, uow): Promise<PortParts> => {
      const { row, target } = await this.findForChange(trx, ctx, id);
      authorize(target);
      groupsBefore = (await GROUPS_OF_PORT.all(this.s.db, trx, id)).map((g) => g.security_group_id);
      checkRevision(row.revision_number, ifMatch);
      const set: Partial<PortTable> = {};
      for (const k of ['name', 'description', 'device_id', 'device_owner'] as const) {
        if (k in changes) set[k] = changes[k] as string;
      }
      if ('admin_state_up' in changes) set.admin_state_up = int(changes.admin_state_up as boolean);
      if ('mac_address' in changes) {
        // null (port-mac-address-regenerate): a new generated MAC, unique on the network
        const mac = changes.mac_address === NOT_SPECIFIED ? await this.chooseMac(trx, row.network_id, NOT_SPECIFIED, await this.macsOf(trx, row.network_id)) : (changes.mac_address as string);
        if (mac !== row.mac_address) {
          await this.macs.checkFree(trx, row.network_id, mac, id);
          set.mac_address = mac;
        }
      }
      let network: Promise<NetworkTable> | undefined;
      const networkOf = () => (network ??= trx.selectFrom('networks').selectAll().where('id', '=', row.network_id).executeTakeFirstOrThrow());
      const draft: PortDraft = { ctx, trx, network: networkOf, row: { ...row, ...set }, set, portSecurity: bool(row.port_security_enabled) };
      await this.extensions.processUpdate(draft, changes, row, 'before-groups');
      let groups: string[];
      if ('security_groups' in changes) {
        groups = await this.groups.checkUsable(trx, ctx, row.project_id, changes.security_groups as string[]);
        if (groups.length && !draft.portSecurity) throw PortSecurityAndIPRequiredForSecurityGroups({});
      } else {
        groups = groupsBefore;
        if (!draft.portSecurity && groups.length) throw PortSecurityPortHasSecurityGroup({});
      }
      await this.extensions.processUpdate(draft, changes, row, 'after-groups');

      let ips: IpAllocationTable[];
      let previousIps: IpAllocationTable[] | null = null;
      if ('fixed_ips' in changes) {
        const current = await trx.selectFrom('ipallocations').selectAll().where('port_id', '=', id).execute();
        previousIps = current;
        const wanted = await this.fixedIps.allocate(
          trx,
          uow,
          await networkOf(),
          id,
          set.mac_address ?? row.mac_address,
          set.device_owner ?? row.device_owner,
          changes.fixed_ips as FixedIpSpec[],
          current,
        );
        const key = (a: IpAllocationTable) => `${a.subnet_id}|${a.ip_address}`;
        const wantedKeys = new Set(wanted.map(key));
        const currentKeys = new Set(current.map(key));
        for (const a of current.filter((c) => !wantedKeys.has(key(c)))) {
          await trx.deleteFrom('ipallocations').where('subnet_id', '=', a.subnet_id).where('ip_address', '=', a.ip_address).execute();
          this.s.ipam.release(uow, a.subnet_id, a.ip_address);
        }
        await this.fixedIps.insert(
          trx,
          wanted.filter((w) => !currentKeys.has(key(w))),
        );
        ips = wanted;
      } else {
        ips = await IPS_OF_PORT.all(this.s.db, trx, id);
      }
      // a service plugin may veto (a floating IP holds one of the old addresses)
      await this.s.callbacks.publish('port', 'precommit_update', { context: ctx, trx, uow, port: row, fixedIps: 'fixed_ips' in changes ? ips : null, previousIps });
      if ('security_groups' in changes) {
        await trx.deleteFrom('securitygroupportbindings').where('port_id', '=', id).execute();
        if (groups.length)
          await trx
            .insertInto('securitygroupportbindings')
            .values(groups.map((g) => ({ port_id: id, security_group_id: g })))
            .execute();
      }
      const current = (await this.binder.bindingsOf(trx, [id])).get(id) ?? unboundBinding(id);
      let binding = current;
      const wish: BindingWish = {
        host: (changes['binding:host_id'] as string | undefined) ?? current.host,
        vnicType: (changes['binding:vnic_type'] as string | undefined) ?? current.vnic_type,
        profile: (changes['binding:profile'] as Record<string, unknown> | undefined) ?? jsonColumn(current.profile, {}),
      };
      // a new host (or vnic type, or profile) means a new binding, as in ML2; so does
      // retrying a failed one by setting the same host again
      const rebind =
        wish.host !== current.host ||
        wish.vnicType !== current.vnic_type ||
        JSON.stringify(wish.profile) !== current.profile ||
        ('binding:host_id' in changes && current.vif_type === 'binding_failed');
      if (rebind) {
        binding = await this.binder.bind(trx, { ...row, ...set } as PortTable, wish);
        // a fresh binding waits for its agents again
        set.status = 'DOWN';
      }
      const saved = await saveChanges(trx, 'ports', row, set);
      const tags = (await tagsOf(this.s.db, trx, [id])).get(id) ?? [];
      return { row: saved, ips, groups: [...groups].sort(), tags, binding };
    });
    this.s.log.info({ event: 'port.update', port_id: id, request_id: ctx.requestId, changed: Object.keys(changes) }, 'port updated');
    await this.announcer.changed(
      [parts],
      new Map([[id, before]]),
      groupsBefore,
      MEMBER_ATTRIBUTES.some((k) => k in changes),
    );
    const [shown] = await this.show_([parts]);
    await this.s.callbacks.publish('port', 'after_update', { context: ctx, ports: [shown] });
    return shown;
  }

  async delete(ctx: RequestContext, id: string, ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    const before = await this.binder.portEvent(this.s.db.kysely, id);
    const groups = (await GROUPS_OF_PORT.all(this.s.db, this.s.db.kysely, id)).map((g) => g.security_group_id);
    const gone = await inTransaction(this.s.db, async (trx, uow) => {
      const { row, target } = await this.findForChange(trx, ctx, id);
      authorize(target);
      checkRevision(row.revision_number, ifMatch);
      // service plugins may refuse (a router's port) or let go of the port (floating IPs)
      await this.s.callbacks.publish('port', 'precommit_delete', { context: ctx, trx, uow, port: row });
      const fixedIps = await this.deleteRow(trx, uow, id);
      return { networkId: row.network_id, fixedIps };
    });
    this.s.log.info({ event: 'port.delete', port_id: id, request_id: ctx.requestId }, 'port deleted');
    await this.announcer.deleted(ctx, id, gone.networkId, gone.fixedIps, before, groups);
  }

  /** The port's row, addresses and tags, inside the caller's transaction; returns the freed fixed IPs. */
  async deleteRow(trx: Trx, uow: UnitOfWork, id: string): Promise<{ subnet_id: string; ip_address: string }[]> {
    await this.extensions.beforeDelete(trx, id);
    const freed = await trx.deleteFrom('ipallocations').where('port_id', '=', id).returning(['subnet_id', 'ip_address']).execute();
    for (const a of freed) this.s.ipam.release(uow, a.subnet_id, a.ip_address);
    await removeAllTags(this.s.db, trx, [id]);
    // security group bindings go with the port (ON DELETE CASCADE)
    await trx.deleteFrom('ports').where('id', '=', id).execute();
    return freed.map((a) => ({ subnet_id: a.subnet_id, ip_address: a.ip_address }));
  }

  /** After commit: the DHCP agents, the L2 agents and the mechanism drivers hear that the port is gone. */
  announceDeleted(id: string, networkId: string, fixedIps: { subnet_id: string; ip_address: string }[], before: PortEvent | null): Promise<void> {
    return this.announcer.deleted(null, id, networkId, fixedIps, before);
  }
}
