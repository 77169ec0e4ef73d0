// Subnets: cidr, gateway, allocation pools, DNS and host routes, validated as Neutron does.
import type { SegmentPlugin } from '../segments/segments.js';
import { randomUUID } from 'node:crypto';
import { type SqlBool, sql } from 'kysely';
import { convertFilterValue, listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import {
  BadRequest,
  DNSNameServersExhausted,
  GatewayConflictWithAllocationPools,
  GatewayIpInUse,
  HostRoutesExhausted,
  InvalidAllocationPool,
  InvalidInput,
  OutOfBoundsAllocationPool,
  OverlappingAllocationPools,
  SubnetInUse,
  SubnetNotFound,
} from '../../api/errors.js';
import { NOT_SPECIFIED, type ApiObject, type AuthorizeChange, type AuthorizeCreate, type Handler, type ListQuery } from '../../api/resource.js';
import { subnetWithPoolsDef } from '../../api/resources/subnetpool.js';
import { jsonColumn } from '../../common/json.js';
import { timestamp } from '../../common/time.js';
import { AUTO_DELETE_OWNERS, ROUTER_OWNERS } from '../../contract/device-owners.js';
import type { SubnetTable } from '../../db/schema.js';
import { cidrContains, cidrsOverlap, defaultPools, eui64Address, formatIp, parseCidr, parseIp, usableRange, type Cidr } from '../../common/ip-address.js';
import { bumpRevision, checkRevision, saveChanges } from '../revision.js';
import type { Services } from '../services.js';
import { standardAttributes } from '../standard-attributes.js';
import { removeAllTags, tagsOf } from '../tags/tag-store.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import { bool, countBy, int, type IdSet } from '../../db/rows.js';
import { isSlaac, parentFacts, type NetworkPlugin } from './networks.js';
import { ACCESS_SHARED, networksOpenTo, WILDCARD } from '../rbac/network-access.js';
import type { SubnetAllocation } from '../subnetpools/subnet-allocation.js';
import { likeJsonString, serviceTypesColumn, serviceTypesOf } from './subnet-service-types.js';
import { releasePoolPrefixes } from '../subnetpools/pool-access.js';

interface Pool {
  start: string;
  end: string;
}
interface Route {
  destination: string;
  nexthop: string;
}

export class SubnetPlugin implements Handler {
  constructor(
    private readonly s: Services,
    private readonly networks: NetworkPlugin,
    /** subnet_allocation: subnets from subnet pools (src/plugins/subnetpools) */
    private readonly allocation?: SubnetAllocation,
    /** segment: subnets on a routed network's segments (src/plugins/segments) */
    private readonly segments?: SegmentPlugin,
  ) {}

  private visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('subnets as s').selectAll('s');
    if (!ctx.isAdmin) {
      qb = qb.where((eb) =>
        eb.or([
          eb('s.project_id', '=', ctx.projectId),
          // as Neutron: subnets of networks shared with the project (or all); external alone is not enough
          eb('s.network_id', 'in', networksOpenTo(trx, ctx.projectId, [ACCESS_SHARED])),
        ]),
      );
    }
    return qb;
  }

  /** A subnet the caller may see, as the policy rules see it: with its network's owner. */
  private async findForChange(trx: Trx, ctx: RequestContext, id: string): Promise<{ row: SubnetTable; target: ApiObject }> {
    const found = await lockedIf(
      this.s.db,
      this.visible(trx, ctx)
        .where('s.id', '=', id)
        .select((eb) => eb.selectFrom('networks as n').select('n.project_id').whereRef('n.id', '=', 's.network_id').as('network_project_id')),
      true,
    ).executeTakeFirst();
    if (!found) throw SubnetNotFound({ id });
    const { network_project_id, ...row } = found as SubnetTable & { network_project_id: string | null };
    return { row, target: { id, project_id: row.project_id, network_id: row.network_id, name: row.name, 'network:project_id': network_project_id } };
  }

  async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<SubnetTable> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('s.id', '=', id), lock).executeTakeFirst();
    if (!row) throw SubnetNotFound({ id });
    return row as SubnetTable;
  }

  private async render(trx: Trx, rows: SubnetTable[], fields: string[] | null, ids: IdSet = rows.map((r) => r.id)): Promise<ApiObject[]> {
    const tags = !fields || fields.includes('tags') ? await tagsOf(this.s.db, trx, ids) : new Map<string, string[]>();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      network_id: r.network_id,
      ip_version: r.ip_version,
      cidr: r.cidr,
      gateway_ip: r.gateway_ip,
      allocation_pools: jsonColumn<Pool[]>(r.allocation_pools, []),
      dns_nameservers: jsonColumn<string[]>(r.dns_nameservers, []),
      host_routes: jsonColumn<Route[]>(r.host_routes, []),
      enable_dhcp: bool(r.enable_dhcp),
      ipv6_ra_mode: r.ipv6_ra_mode,
      ipv6_address_mode: r.ipv6_address_mode,
      subnetpool_id: r.subnetpool_id ?? null,
      segment_id: r.segment_id ?? null,
      service_types: serviceTypesOf(r),
      ...standardAttributes(r, tags.get(r.id) ?? []),
    }));
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    // shared=… (a filter, not an attribute shown, as in Neutron): the network is shared with the caller's project or all
    const shared = new Set((q.filters.get('shared') ?? []).map((v) => convertFilterValue({ name: 'shared', post: false, put: false, filter: 'bool' }, v)));
    const serviceTypes = q.filters.get('service_types') ?? [];
    const { rows, ids } = await listRows<SubnetTable>(subnetWithPoolsDef, this.visible(trx, ctx), q, 's', (qb) => {
      // service_types=X: subnets that serve device owner X (one of the values)
      if (serviceTypes.length) qb = qb.where((eb) => eb.or(serviceTypes.map((t) => sql<SqlBool>`${sql.ref('s.service_types')} like ${likeJsonString(t)} escape '!'`)));
      if (shared.size !== 1) return qb;
      const sharedNets = trx.selectFrom('networkrbacs').select('object_id').where('action', '=', ACCESS_SHARED).where('target_tenant', 'in', [WILDCARD, ctx.projectId]);
      return qb.where('s.network_id', shared.has(1) ? 'in' : 'not in', sharedNets);
    });
    return this.render(trx, rows, q.fields, ids);
  }

  async show(ctx: RequestContext, id: string, fields: string[] | null): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    return (await this.render(trx, [await this.find(trx, ctx, id)], fields))[0];
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    const rows = await inTransaction(this.s.db, async (trx, uow) => {
      // policy before quota: a caller who may not create learns nothing of the quota
      const networks = [];
      for (const item of items) {
        const network = await this.networks.find(trx, ctx, item.network_id as string);
        authorize(item, parentFacts(network));
        networks.push(network);
      }
      await this.s.callbacks.publish('subnet', 'before_create', { context: ctx, trx, counts: countBy(items.map((i) => i.project_id as string)) });
      const now = timestamp();
      const created: SubnetTable[] = [];
      for (const [n, item] of items.entries()) {
        const network = networks[n];
        // a pool (subnetpool_id, use_default_subnetpool) chooses or checks the cidr, its row locked until commit
        // the network's subnets, read once: the pool's affinity rules and the overlap check below
        const siblings = await trx
          .selectFrom('subnets as s')
          .leftJoin('subnetpools as p', 'p.id', 's.subnetpool_id')
          .select(['s.id', 's.cidr', 's.network_id', 's.ip_version', 's.subnetpool_id', 'p.address_scope_id'])
          .where('s.network_id', '=', network.id)
          .execute();
        const poolId = this.allocation ? await this.allocation.place(trx, uow, ctx, item, siblings, created) : null;
        const row = this.buildRow(item, now, poolId);
        if (item.segment_id !== undefined && item.segment_id !== null) {
          if (!this.segments) throw InvalidInput({ msg: 'segment_id: segments are not served here' });
        }
        if (this.segments) {
          row.segment_id = (item.segment_id as string | null | undefined) ?? null;
          await this.segments.checkSubnetSegment(trx, row, row.segment_id);
        }
        // allow_overlapping_ips = false: a CIDR may overlap no other subnet of any network, as Neutron
        const everywhere = !this.s.config.bool('DEFAULT', 'allow_overlapping_ips');
        const others = everywhere
          ? await trx.selectFrom('subnets').select(['id', 'cidr', 'network_id']).where('ip_version', '=', row.ip_version).execute()
          : siblings.filter((o) => Number(o.ip_version) === row.ip_version);
        const cidr = parseCidr(row.cidr)!;
        for (const o of [...others, ...created.filter((c) => everywhere || c.network_id === network.id)]) {
          if (cidrsOverlap(cidr, parseCidr(o.cidr)!)) {
            const where = o.network_id === network.id ? 'another subnet' : `subnet ${o.id} of network ${o.network_id} (allow_overlapping_ips = false)`;
            throw InvalidInput({ msg: `Requested subnet with cidr: ${row.cidr} for network: ${network.id} overlaps with ${where}` });
          }
        }
        created.push(row);
      }
      await trx.insertInto('subnets').values(created).execute();
      await this.addSlaacAddresses(trx, created);
      await this.revisesNetworks(trx, created);
      return created;
    });
    for (const r of rows) this.s.log.info({ event: 'subnet.create', subnet_id: r.id, network_id: r.network_id, cidr: r.cidr, request_id: ctx.requestId }, 'subnet created');
    const shown = await this.render(this.s.db.kysely, rows, null);
    await this.s.callbacks.publish('subnet', 'after_create', { context: ctx, subnets: rows.map((row, i) => ({ row, shown: shown[i] })) });
    return shown;
  }

  /** As Neutron: a new SLAAC subnet gives every port already on the network (routers aside) its EUI-64 address. */
  private async addSlaacAddresses(trx: Trx, created: SubnetTable[]): Promise<void> {
    for (const s of created.filter(isSlaac)) {
      const ports = await trx.selectFrom('ports').select(['id', 'mac_address']).where('network_id', '=', s.network_id).where('device_owner', 'not in', ROUTER_OWNERS).execute();
      const cidr = parseCidr(s.cidr)!;
      const rows = ports.map((p) => ({ port_id: p.id, subnet_id: s.id, network_id: s.network_id, ip_address: formatIp(6, eui64Address(cidr, p.mac_address)) }));
      if (rows.length) await trx.insertInto('ipallocations').values(rows).execute();
    }
  }

  private buildRow(item: ApiObject, now: string, subnetpoolId: string | null = null): SubnetTable {
    if (item.cidr === NOT_SPECIFIED) throw BadRequest({ resource: 'subnets', msg: 'a subnetpool must be specified in the absence of a cidr' });
    const ipVersion = Number(item.ip_version);
    const cidr = parseCidr(item.cidr as string)!;
    if (cidr.version !== ipVersion) {
      throw InvalidInput({ msg: `Cidr ${item.cidr as string} does not match ip_version ${ipVersion}` });
    }
    const raMode = item.ipv6_ra_mode as string | null;
    const addrMode = item.ipv6_address_mode as string | null;
    if (ipVersion === 4 && (raMode || addrMode)) {
      throw InvalidInput({ msg: 'ipv6_ra_mode and ipv6_address_mode can only be set on IPv6 subnets' });
    }
    if (raMode && addrMode && raMode !== addrMode) {
      throw InvalidInput({ msg: `ipv6_ra_mode set to '${raMode}' with ipv6_address_mode set to '${addrMode}' is not valid: when both are set they must be the same` });
    }
    if ((raMode || addrMode) && !item.enable_dhcp && (addrMode ?? raMode) !== 'slaac') {
      throw InvalidInput({ msg: 'ipv6_ra_mode or ipv6_address_mode needs enable_dhcp to be true' });
    }
    const mode = addrMode ?? raMode;
    if ((mode === 'slaac' || mode === 'dhcpv6-stateless') && cidr.prefixlen !== 64) {
      throw InvalidInput({ msg: `Invalid CIDR ${item.cidr as string} for IPv6 address mode '${mode}': it must have a /64 prefix` });
    }

    let gateway: bigint | null;
    if (item.gateway_ip === NOT_SPECIFIED) {
      const { first } = usableRange(cidr);
      gateway = cidr.version === 4 && cidr.prefixlen >= 31 ? null : first;
    } else if (item.gateway_ip === null) {
      gateway = null;
    } else {
      gateway = this.checkGateway(cidr, item.gateway_ip as string);
    }
    const pools =
      item.allocation_pools === NOT_SPECIFIED
        ? defaultPools(cidr, gateway).map((p) => ({ start: formatIp(cidr.version, p.first), end: formatIp(cidr.version, p.last) }))
        : this.checkPools(cidr, item.allocation_pools as Pool[], gateway);

    const dns = item.dns_nameservers as string[];
    const maxDns = this.s.config.int('DEFAULT', 'max_dns_nameservers');
    if (dns.length > maxDns) throw DNSNameServersExhausted({ subnet: item.cidr as string, quota: maxDns });
    const routes = item.host_routes as Route[];
    this.checkRoutes(cidr, routes, item.cidr as string);

    return {
      id: randomUUID(),
      project_id: item.project_id as string,
      name: item.name as string,
      description: item.description as string,
      created_at: now,
      updated_at: now,
      revision_number: 0,
      network_id: item.network_id as string,
      ip_version: ipVersion,
      cidr: item.cidr as string,
      gateway_ip: gateway === null ? null : formatIp(cidr.version, gateway),
      enable_dhcp: int(item.enable_dhcp as boolean),
      ipv6_ra_mode: raMode,
      ipv6_address_mode: addrMode,
      allocation_pools: JSON.stringify(pools),
      dns_nameservers: JSON.stringify(dns),
      host_routes: JSON.stringify(routes),
      subnetpool_id: subnetpoolId,
      service_types: serviceTypesColumn(item.service_types as string[] | undefined),
    };
  }

  private checkRoutes(cidr: Cidr, routes: Route[], name: string): void {
    const maxRoutes = this.s.config.int('DEFAULT', 'max_subnet_host_routes');
    if (routes.length > maxRoutes) throw HostRoutesExhausted({ subnet: name, quota: maxRoutes });
    for (const r of routes) {
      if (parseCidr(r.destination)!.version !== cidr.version || parseIp(r.nexthop)!.version !== cidr.version) {
        throw InvalidInput({ msg: `host_routes: route ${r.destination} via ${r.nexthop} is not of the subnet's IP version ${cidr.version}` });
      }
    }
  }

  private checkGateway(cidr: Cidr, text: string): bigint {
    const ip = parseIp(text)!;
    const { first, last } = usableRange(cidr);
    if (!cidrContains(cidr, ip) || ip.value < first || ip.value > last) {
      throw InvalidInput({ msg: `gateway_ip ${text} is not a usable address of subnet ${formatIp(cidr.version, cidr.network)}/${cidr.prefixlen}` });
    }
    return ip.value;
  }

  private checkPools(cidr: Cidr, pools: Pool[], gateway: bigint | null): Pool[] {
    const cidrText = `${formatIp(cidr.version, cidr.network)}/${cidr.prefixlen}`;
    const { first, last } = usableRange(cidr);
    const parsed = pools.map((p) => {
      const s = parseIp(p.start)!;
      const e = parseIp(p.end)!;
      const label = `${p.start}-${p.end}`;
      if (s.version !== cidr.version || e.version !== cidr.version || s.value > e.value) throw InvalidAllocationPool({ pool: label });
      if (s.value < first || e.value > last) throw OutOfBoundsAllocationPool({ pool: label, cidr: cidrText });
      return { label, first: s.value, last: e.value, start: formatIp(cidr.version, s.value), end: formatIp(cidr.version, e.value) };
    });
    const sorted = [...parsed].sort((a, b) => (a.first < b.first ? -1 : 1));
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i].first <= sorted[i - 1].last) {
        throw OverlappingAllocationPools({ a: sorted[i - 1].label, b: sorted[i].label, cidr: cidrText });
      }
    }
    if (gateway !== null) {
      const hit = parsed.find((p) => gateway >= p.first && gateway <= p.last);
      if (hit) throw GatewayConflictWithAllocationPools({ ip: formatIp(cidr.version, gateway), pool: hit.label });
    }
    return parsed.map((p) => ({ start: p.start, end: p.end }));
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    let before: SubnetTable | undefined;
    const row = await inTransaction(this.s.db, async (trx, uow) => {
      const { row, target } = await this.findForChange(trx, ctx, id);
      authorize(target);
      checkRevision(row.revision_number, ifMatch);
      const cidr = parseCidr(row.cidr)!;
      const set: Partial<SubnetTable> = {};
      let gateway = row.gateway_ip === null ? null : parseIp(row.gateway_ip)!.value;
      if ('gateway_ip' in changes) {
        gateway = changes.gateway_ip === null ? null : this.checkGateway(cidr, changes.gateway_ip as string);
        set.gateway_ip = gateway === null ? null : formatIp(cidr.version, gateway);
        if (set.gateway_ip !== null && set.gateway_ip !== row.gateway_ip) {
          const holder = await trx
            .selectFrom('ipallocations as a')
            .innerJoin('ports as p', 'p.id', 'a.port_id')
            .select(['p.id', 'p.device_owner'])
            .where('a.subnet_id', '=', id)
            .where('a.ip_address', '=', set.gateway_ip)
            .executeTakeFirst();
          if (holder && !ROUTER_OWNERS.includes(holder.device_owner)) throw GatewayIpInUse({ ip: set.gateway_ip, port: holder.id });
        }
      }
      const pools = 'allocation_pools' in changes ? (changes.allocation_pools as Pool[]) : jsonColumn<Pool[]>(row.allocation_pools, []);
      if ('allocation_pools' in changes || 'gateway_ip' in changes) {
        set.allocation_pools = JSON.stringify(this.checkPools(cidr, pools, gateway));
        uow.onCommit(() => this.s.ipam.invalidate(id));
      }
      if ('dns_nameservers' in changes) {
        const dns = changes.dns_nameservers as string[];
        const maxDns = this.s.config.int('DEFAULT', 'max_dns_nameservers');
        if (dns.length > maxDns) throw DNSNameServersExhausted({ subnet: id, quota: maxDns });
        set.dns_nameservers = JSON.stringify(dns);
      }
      if ('service_types' in changes) set.service_types = serviceTypesColumn(changes.service_types as string[]);
      if ('host_routes' in changes) {
        this.checkRoutes(cidr, changes.host_routes as Route[], id);
        set.host_routes = JSON.stringify(changes.host_routes);
      }
      if ('enable_dhcp' in changes) set.enable_dhcp = int(changes.enable_dhcp as boolean);
      if ('segment_id' in changes && this.segments) {
        await this.segments.checkSubnetSegment(trx, row, changes.segment_id as string | null, true);
        set.segment_id = changes.segment_id as string | null;
      }
      if ('name' in changes) set.name = changes.name as string;
      if ('description' in changes) set.description = changes.description as string;
      before = row;
      const saved = await saveChanges(trx, 'subnets', row, set);
      await this.revisesNetworks(trx, [row]);
      return saved;
    });
    this.s.log.info({ event: 'subnet.update', subnet_id: id, request_id: ctx.requestId, changed: Object.keys(changes) }, 'subnet updated');
    const shown = (await this.render(this.s.db.kysely, [row], null))[0];
    await this.s.callbacks.publish('subnet', 'after_update', { context: ctx, before: before!, after: row, shown });
    return shown;
  }

  /** A subnet made, changed or removed is a change of its network too (Neutron's Subnet revises_on_change), once per transaction. */
  private async revisesNetworks(trx: Trx, subnets: Pick<SubnetTable, 'network_id'>[]): Promise<void> {
    for (const networkId of new Set(subnets.map((s) => s.network_id))) await bumpRevision(trx, 'networks', networkId);
  }

  async delete(ctx: RequestContext, id: string, ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    const networkId = await inTransaction(this.s.db, async (trx, uow) => {
      const { row, target } = await this.findForChange(trx, ctx, id);
      authorize(target);
      checkRevision(row.revision_number, ifMatch);
      const inUse = await trx
        .selectFrom('ipallocations as a')
        .innerJoin('ports as p', 'p.id', 'a.port_id')
        .select('p.id')
        .where('a.subnet_id', '=', id)
        // SLAAC addresses are the hosts' own: they go with the subnet, only a router holds it
        .where('p.device_owner', isSlaac(row) ? 'in' : 'not in', isSlaac(row) ? ROUTER_OWNERS : AUTO_DELETE_OWNERS)
        .executeTakeFirst();
      if (inUse) throw SubnetInUse({ id });
      await trx.deleteFrom('ipallocations').where('subnet_id', '=', id).execute();
      await removeAllTags(this.s.db, trx, [id]);
      await trx.deleteFrom('subnets').where('id', '=', id).execute();
      await releasePoolPrefixes(trx, [row.subnetpool_id]);
      await this.revisesNetworks(trx, [row]);
      uow.onCommit(() => this.s.ipam.invalidate(id));
      return row.network_id;
    });
    this.s.log.info({ event: 'subnet.delete', subnet_id: id, request_id: ctx.requestId }, 'subnet deleted');
    await this.s.callbacks.publish('subnet', 'after_delete', { context: ctx, subnetId: id, networkId });
  }
}
