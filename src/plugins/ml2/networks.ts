// Networks: the core plugin's L2 domains.
import { randomUUID } from 'node:crypto';
import { convertFilterValue, listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import { DefaultExternalNetworkExists, InvalidInput, NetworkInUse, NetworkNotFound } from '../../api/errors.js';
import { NOT_SPECIFIED, type ApiObject, type AuthorizeChange, type AuthorizeCreate, type Handler, type ListQuery, type ResourceDef } from '../../api/resource.js';
import type { ExtensionManager } from './extensions/extension-manager.js';
import { networkDef } from '../../api/resources/network.js';
import { AUTO_DELETE_OWNERS } from '../../contract/device-owners.js';
import type { NetworkSegmentTable, NetworkTable } from '../../db/schema.js';
import { timestamp } from '../../common/time.js';
import { checkRevision, saveChanges } from '../revision.js';
import type { SecurityGroupPlugin } from '../securitygroups/security-groups.js';
import type { Services } from '../services.js';
import { standardAttributes } from '../standard-attributes.js';
import { removeAllTags, tagsOf } from '../tags/tag-store.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import { bool, countBy, groupBy, int, rowsForIds, type IdSet } from '../../db/rows.js';
import { ACCESS_EXTERNAL, ACCESS_SHARED, actionsGranted, networksOpenTo } from '../rbac/network-access.js';
import { providerView } from './types/type-manager.js';
import type { Segment } from './types/type-driver.js';
import { type AvailabilityZones, hintsColumn, hintsOf } from '../availability-zones/availability-zones.js';
import { releasePoolPrefixes } from '../subnetpools/pool-access.js';

const PROVIDER_ATTRS = ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id'] as const;

/** The segments an admin asked for (provider:* or segments), or [] for a project network. */
function requestedSegments(item: ApiObject): Segment[] {
  const given = PROVIDER_ATTRS.filter((a) => item[a] !== NOT_SPECIFIED && item[a] !== undefined);
  const segs = item.segments !== NOT_SPECIFIED && item.segments !== undefined ? (item.segments as Record<string, unknown>[]) : null;
  if (segs && given.length) throw InvalidInput({ msg: 'segments and provider values cannot both be set' });
  const one = (o: Record<string, unknown>): Segment => ({
    network_type: (o['provider:network_type'] ?? null) as string | null as string,
    physical_network: (o['provider:physical_network'] ?? null) as string | null,
    segmentation_id: (o['provider:segmentation_id'] ?? null) as number | null,
  });
  if (segs) return segs.map(one);
  if (!given.length) return [];
  return [one(Object.fromEntries(given.map((a) => [a, item[a]])))];
}

const SLAAC_MODES = ['slaac', 'dhcpv6-stateless'];

/** IPv6 subnets whose addresses the hosts make themselves from their MAC (EUI-64). */
export const isSlaac = (s: { ip_version: number; ipv6_address_mode: string | null; ipv6_ra_mode: string | null }): boolean =>
  s.ip_version === 6 && SLAAC_MODES.includes((s.ipv6_address_mode ?? s.ipv6_ra_mode) as string);

/** A network as the policy rules see it (and as the parent of subnets and ports, with network: names). */
export function policyTarget(n: NetworkTable): ApiObject {
  return { id: n.id, project_id: n.project_id, name: n.name, shared: bool(n.shared), 'router:external': bool(n.router_external) };
}

/** What the policy rules of a subnet or port may ask of its network (network:project_id, network:shared …). */
export function parentFacts(network: NetworkTable, sharedWithCaller?: boolean): ApiObject {
  const n = policyTarget(network);
  return {
    'network:project_id': n.project_id,
    'network:tenant_id': n.project_id,
    'network:shared': sharedWithCaller ?? n.shared,
    'network:router:external': n['router:external'],
  };
}

export class NetworkPlugin implements Handler {
  constructor(
    private readonly s: Services,
    private readonly groups: SecurityGroupPlugin,
    private readonly zones: AvailabilityZones,
    /** ML2's extension drivers: the network attributes some add (qos_policy_id) */
    private readonly extensions?: ExtensionManager,
  ) {
    const own = new Set((extensions?.networkAttributes ?? []).map((a) => a.name));
    this.def = own.size ? { ...networkDef, attributes: [...networkDef.attributes.filter((a) => !own.has(a.name)), ...extensions!.networkAttributes] } : networkDef;
  }

  /** the network resource with the loaded extension drivers' attributes */
  readonly def: ResourceDef;

  /** Own networks, and those an rbac-policies entry (shared or external) opens to the caller or to all. */
  private visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('networks as n').selectAll('n');
    if (!ctx.isAdmin) {
      qb = qb.where((eb) => eb.or([eb('n.project_id', '=', ctx.projectId), eb('n.id', 'in', networksOpenTo(trx, ctx.projectId, [ACCESS_SHARED, ACCESS_EXTERNAL]))]));
    }
    return qb;
  }

  /**
   * What the caller may do with a network row already in hand: see it (visible()'s rule) and
   * put ports on it (its own, or access_as_shared to it or '*'; access_as_external is not enough).
   */
  async accessTo(trx: Trx, ctx: RequestContext, n: NetworkTable): Promise<{ visible: boolean; ports: boolean }> {
    if (ctx.isAdmin || n.project_id === ctx.projectId) return { visible: true, ports: true };
    const granted = await actionsGranted(trx, n.id, ctx.projectId);
    return { visible: granted.size > 0, ports: granted.has(ACCESS_SHARED) };
  }

  /** Networks shared with exactly this project (not through '*'), which show shared=true to it, as in Neutron. */
  private sharedToProject(trx: Trx, ctx: RequestContext) {
    return trx.selectFrom('networkrbacs').select('object_id').where('action', '=', ACCESS_SHARED).where('target_tenant', '=', ctx.projectId);
  }

  /** A network the caller can see, or NetworkNotFound. */
  async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<NetworkTable> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('n.id', '=', id), lock).executeTakeFirst();
    if (!row) throw NetworkNotFound({ id });
    return row as NetworkTable;
  }

  /** `fresh`: rows made by this request, which no DHCP agent hosts yet (no zones to look up) */
  private async render(
    trx: Trx,
    ctx: RequestContext,
    rows: NetworkTable[],
    fields: string[] | null,
    ids: IdSet = rows.map((r) => r.id),
    mayShow?: ListQuery['mayShow'],
    fresh = false,
  ): Promise<ApiObject[]> {
    const want = (f: string) => !fields || fields.includes(f);
    // who may see provider attributes is the policy's call (get_network:provider:*), made on the
    // way out; a list where the caller may see them on no row (a member, by default) skips the query
    const segmentAttrs = [...PROVIDER_ATTRS, 'segments'].filter((a) => !fields || fields.includes(a));
    const anyShown = !mayShow || rows.some((r) => segmentAttrs.some((a) => mayShow(a, policyTarget(r))));
    const segments =
      segmentAttrs.length && anyShown
        ? groupBy(await rowsForIds(this.s.db, ids, 'network_id', (where) => trx.selectFrom('networksegments').selectAll().where(where).orderBy('segment_index').execute()), (r) => r.network_id)
        : null;
    // address-scope: a network's scope per IP version is its subnets' pools' (one by affinity)
    const subnets =
      want('subnets') || want('ipv4_address_scope') || want('ipv6_address_scope')
        ? groupBy(
            await rowsForIds(this.s.db, ids, 'network_id', (where) =>
              trx
                .selectFrom('subnets')
                .leftJoin('subnetpools', 'subnetpools.id', 'subnets.subnetpool_id')
                .select(['subnets.id', 'subnets.network_id', 'subnets.ip_version', 'subnetpools.address_scope_id'])
                .where(where)
                .orderBy('subnets.created_at')
                .execute(),
            ),
            (r) => r.network_id,
          )
        : new Map<string, { id: string; ip_version: number; address_scope_id: string | null }[]>();
    const scopeOf = (id: string, version: number) => (subnets.get(id) ?? []).find((s) => Number(s.ip_version) === version && s.address_scope_id)?.address_scope_id ?? null;
    const tags = want('tags') ? await tagsOf(this.s.db, trx, ids) : new Map<string, string[]>();
    const zones = want('availability_zones') && !fresh ? await this.zones.zonesOfNetworks(trx, ids) : new Map<string, string[]>();
    const sharedHere = want('shared')
      ? new Set((await rowsForIds(this.s.db, ids, 'object_id', (where) => this.sharedToProject(trx, ctx).where(where).execute())).map((r) => r.object_id))
      : new Set<string>();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      admin_state_up: bool(r.admin_state_up),
      status: r.status,
      subnets: (subnets.get(r.id) ?? []).map((s) => s.id),
      shared: bool(r.shared) || sharedHere.has(r.id),
      'router:external': bool(r.router_external),
      is_default: bool(r.is_default ?? 0),
      dns_domain: r.dns_domain ?? '',
      mtu: r.mtu,
      port_security_enabled: bool(r.port_security_enabled),
      ipv4_address_scope: scopeOf(r.id, 4),
      ipv6_address_scope: scopeOf(r.id, 6),
      availability_zone_hints: hintsOf(r),
      availability_zones: zones.get(r.id) ?? [],
      ...(segments ? providerView(segments.get(r.id) ?? []) : {}),
      ...standardAttributes(r, tags.get(r.id) ?? []),
      ...Object.fromEntries((this.extensions?.networkAttributes ?? []).map((a) => [a.name, (r as unknown as Record<string, unknown>)[a.column!] ?? null])),
    }));
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    // shared=… follows the rendered value: a wildcard entry, or one for the caller's project
    const sharedWanted = q.filters.get('shared');
    const filters = new Map(q.filters);
    filters.delete('shared');
    const sharedAttr = networkDef.attributes.find((a) => a.name === 'shared')!;
    const sharedValues = new Set((sharedWanted ?? []).map((v) => convertFilterValue(sharedAttr, v)));
    const { rows, ids } = await listRows<NetworkTable>(this.def, this.visible(trx, ctx), { ...q, filters }, 'n', (qb, rest) => {
      if (sharedValues.size === 1) {
        const yes = sharedValues.has(1);
        qb = qb.where((eb) =>
          yes ? eb.or([eb('n.shared', '=', 1), eb('n.id', 'in', this.sharedToProject(trx, ctx))]) : eb.and([eb('n.shared', '=', 0), eb('n.id', 'not in', this.sharedToProject(trx, ctx))]),
        );
      }
      // provider:* filters match any segment of the network
      for (const a of PROVIDER_ATTRS) {
        const values = rest.get(a);
        if (!values) continue;
        const column = a.slice('provider:'.length) as 'network_type' | 'physical_network' | 'segmentation_id';
        const converted = column === 'segmentation_id' ? values.map((v) => (/^\d+$/.test(v) ? Number(v) : -1)) : values;
        qb = qb.where('n.id', 'in', trx.selectFrom('networksegments').select('network_id').where(column, 'in', converted));
      }
      return qb;
    });
    return this.render(trx, ctx, rows, q.fields, ids, q.mayShow);
  }

  async show(ctx: RequestContext, id: string, fields: string[] | null): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    return (await this.render(trx, ctx, [await this.find(trx, ctx, id)], fields))[0];
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    for (const i of items) authorize(i);
    // provider segments are checked before anything is written
    const requested = items.map((i) => this.s.types.validate(requestedSegments(i)));
    const rows = await inTransaction(this.s.db, async (trx, uow) => {
      const counts = countBy(items.map((i) => i.project_id as string));
      await this.s.callbacks.publish('network', 'before_create', { context: ctx, trx, counts });
      // as Neutron: a project's first network brings its default security group
      for (const project of counts.keys()) await this.groups.ensureDefault(trx, project);
      for (const i of items) await this.zones.checkHints(trx, 'network', (i.availability_zone_hints as string[] | undefined) ?? []);
      for (const i of items) if (i.is_default) await this.checkDefaultExternal(trx, Boolean(i['router:external']), null);
      if (items.filter((i) => i.is_default).length > 1) throw DefaultExternalNetworkExists({ net_id: 'another network of this request' });
      const now = timestamp();
      const rows: NetworkTable[] = [];
      for (const [n, i] of items.entries()) {
        const id = randomUUID();
        const segments = await this.s.types.createSegments(trx, id, requested[n]);
        const row = this.newRow(id, i, now, segments);
        await this.extensions?.processCreateNetwork(trx, ctx, i, row);
        rows.push(row);
      }
      await trx.insertInto('networks').values(rows).execute();
      // as Neutron: shared and router:external become rbac-policies entries of the owner
      await this.s.callbacks.publish('network', 'precommit_create', { context: ctx, trx, uow, networks: rows });
      return rows;
    });
    for (const r of rows) this.s.log.info({ event: 'network.create', network_id: r.id, project_id: r.project_id, request_id: ctx.requestId }, 'network created');
    await this.s.callbacks.publish('network', 'after_create', { context: ctx, networks: rows });
    return this.render(this.s.db.kysely, ctx, rows, null, undefined, undefined, true);
  }

  private newRow(id: string, i: ApiObject, now: string, segments: NetworkSegmentTable[]): NetworkTable {
    const maxMtu = this.s.types.maxMtu(segments);
    if (i.mtu !== NOT_SPECIFIED && (i.mtu as number) > maxMtu) throw InvalidInput({ msg: `Requested MTU is too big, maximum is ${maxMtu}` });
    return {
      id,
      project_id: i.project_id as string,
      name: i.name as string,
      description: i.description as string,
      created_at: now,
      updated_at: now,
      revision_number: 0,
      status: 'ACTIVE',
      admin_state_up: int(i.admin_state_up as boolean),
      shared: int(i.shared as boolean),
      router_external: int(i['router:external'] as boolean),
      mtu: i.mtu === NOT_SPECIFIED ? maxMtu : (i.mtu as number),
      port_security_enabled: int(i.port_security_enabled as boolean),
      availability_zone_hints: hintsColumn(i.availability_zone_hints as string[] | undefined),
      is_default: int(Boolean(i.is_default)),
      dns_domain: (i.dns_domain as string | undefined) ?? '',
    };
  }

  /**
   * auto-allocated-topology: one external network may be the default. is_default on a network
   * that is not router:external is refused (Neutron keeps it with the external flag).
   */
  private async checkDefaultExternal(trx: Trx, external: boolean, self: string | null): Promise<void> {
    if (!external) throw InvalidInput({ msg: 'is_default can only be set on a router:external network' });
    let q = trx.selectFrom('networks').select('id').where('is_default', '=', 1);
    if (self) q = q.where('id', '!=', self);
    const other = await q.executeTakeFirst();
    if (other) throw DefaultExternalNetworkExists({ net_id: other.id });
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    const row = await inTransaction(this.s.db, async (trx, uow) => {
      const row = await this.find(trx, ctx, id, true);
      authorize(policyTarget(row));
      checkRevision(row.revision_number, ifMatch);
      const set: Partial<NetworkTable> = {};
      if ('name' in changes) set.name = changes.name as string;
      if ('description' in changes) set.description = changes.description as string;
      if ('admin_state_up' in changes) set.admin_state_up = int(changes.admin_state_up as boolean);
      if (PROVIDER_ATTRS.some((a) => a in changes) || 'segments' in changes) await this.checkSegmentsUnchanged(trx, id, changes);
      if ('mtu' in changes) {
        const maxMtu = this.s.types.maxMtu((await this.s.types.segmentsOf(trx, [id])).get(id) ?? []);
        if ((changes.mtu as number) > maxMtu) throw InvalidInput({ msg: `Requested MTU is too big, maximum is ${maxMtu}` });
        set.mtu = changes.mtu as number;
      }
      if ('port_security_enabled' in changes) set.port_security_enabled = int(changes.port_security_enabled as boolean);
      if ('dns_domain' in changes) set.dns_domain = changes.dns_domain as string;
      if ('is_default' in changes && Boolean(changes.is_default) !== bool(row.is_default ?? 0)) {
        const external = 'router:external' in changes ? Boolean(changes['router:external']) : bool(row.router_external);
        if (changes.is_default) await this.checkDefaultExternal(trx, external, id);
        set.is_default = int(Boolean(changes.is_default));
      } else if ('router:external' in changes && !changes['router:external'] && bool(row.is_default ?? 0)) {
        // a network that stops being external stops being the default
        set.is_default = 0;
      }
      await this.extensions?.processUpdateNetwork(trx, ctx, changes, set);
      // shared and router:external are the RBAC plugin's (rbac-policies entries)
      await this.s.callbacks.publish('network', 'precommit_update', { context: ctx, trx, uow, before: row, changes, set });
      return saveChanges(trx, 'networks', row, set);
    });
    this.s.log.info({ event: 'network.update', network_id: id, request_id: ctx.requestId, changed: Object.keys(changes) }, 'network updated');
    await this.s.callbacks.publish('network', 'after_update', { context: ctx, network: row });
    return (await this.render(this.s.db.kysely, ctx, [row], null))[0];
  }

  /** Segments are fixed once made: an update may repeat them, not change them. */
  private async checkSegmentsUnchanged(trx: Trx, id: string, changes: ApiObject): Promise<void> {
    const current = providerView((await this.s.types.segmentsOf(trx, id ? [id] : [])).get(id) ?? []);
    const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    for (const a of [...PROVIDER_ATTRS, 'segments']) {
      if (a in changes && !same(changes[a], current[a])) throw InvalidInput({ msg: `updating ${a} of a network is not supported: create a new network` });
    }
  }

  async delete(ctx: RequestContext, id: string, ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    await inTransaction(this.s.db, async (trx, uow) => {
      const row = await this.find(trx, ctx, id, true);
      authorize(policyTarget(row));
      checkRevision(row.revision_number, ifMatch);
      // the L3 plugin removes the network's unassociated floating IPs first, as Neutron's BEFORE_DELETE
      await this.s.callbacks.publish('network', 'before_delete', { context: ctx, trx, uow, network: row });
      const inUse = await trx.selectFrom('ports').select('id').where('network_id', '=', id).where('device_owner', 'not in', AUTO_DELETE_OWNERS).orderBy('id').execute();
      if (inUse.length) throw NetworkInUse({ net_id: id, reason: `There are one or more ports still in use on the network, id for these ports is: ${inUse.map((p) => p.id).join(',')}` });
      const ports = await trx.selectFrom('ports').select('id').where('network_id', '=', id).execute();
      const subnets = await trx.selectFrom('subnets').select(['id', 'subnetpool_id']).where('network_id', '=', id).execute();
      await removeAllTags(this.s.db, trx, [id, ...ports.map((p) => p.id), ...subnets.map((s) => s.id)]);
      await trx.deleteFrom('ipallocations').where('network_id', '=', id).execute();
      await trx.deleteFrom('ports').where('network_id', '=', id).execute();
      await trx.deleteFrom('subnets').where('network_id', '=', id).execute();
      await releasePoolPrefixes(
        trx,
        subnets.map((s) => s.subnetpool_id),
      );
      await this.s.callbacks.publish('network', 'precommit_delete', { context: ctx, trx, uow, network: row });
      await trx.deleteFrom('networks').where('id', '=', id).execute();
      uow.onCommit(() => subnets.forEach((s) => this.s.ipam.invalidate(s.id)));
    });
    this.s.log.info({ event: 'network.delete', network_id: id, request_id: ctx.requestId }, 'network deleted');
    await this.s.callbacks.publish('network', 'after_delete', { context: ctx, networkId: id });
  }
}
