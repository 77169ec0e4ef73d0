// Ports: MACs, fixed IPs (through the IP allocator), port security, security groups,
// allowed address pairs and extra DHCP options.
import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type SelectQueryBuilder } from 'kysely';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import {
  AddressPairAndPortSecurityRequired, AllowedAddressPairExhausted, DuplicateAddressPairInRequest, HTTPBadRequest,
  InvalidInput, InvalidIpForNetwork, InvalidIpForSubnet, IpAddressAlreadyAllocated, IpAddressGenerationFailure,
  MacAddressInUse, NetworkMacAddressGenerationFailure, NetworkNotFound, PortNotFound,
  PortSecurityAndIPRequiredForSecurityGroups, PortSecurityPortHasSecurityGroup,
} from '../../api/errors.js';
import { NOT_SPECIFIED, type ApiObject, type AuthorizeChange, type AuthorizeCreate, type Handler, type ListQuery } from '../../api/resource.js';
import { portDef } from '../../api/resources/port.js';
import { jsonColumn } from '../../common/json.js';
import { timestamp } from '../../common/time.js';
import { uniqueViolation } from '../../db/connection.js';
import type { IpAllocationTable, NetworkTable, PortBindingTable, PortTable, SubnetTable } from '../../db/schema.js';
import { cidrContains, eui64Address, formatIp, normalizeIp, parseCidr, parseIp, usableRange } from '../../ipam/address.js';
import { checkRevision, saveChanges } from '../revision.js';
import type { SecurityGroupPlugin } from '../securitygroups/security-groups.js';
import type { Services } from '../services.js';
import { standardAttributes } from '../standard-attributes.js';
import { removeAllTags, tagsOf } from '../tags/tag-store.js';
import { inTransaction, lockedIf, type Trx, type UnitOfWork } from '../../db/transaction.js';
import { bool, countBy, groupBy, int, rowsForIds, type IdSet } from '../../db/rows.js';
import { isSlaac, parentFacts, ROUTER_OWNERS, type NetworkPlugin } from './networks.js';
import type { MechanismManager } from './mech/mechanism-manager.js';
import type { PortEvent } from './mech/mechanism-driver.js';
import { unboundBinding, type BindingWish, type PortBinder } from './port-binding.js';

interface FixedIpSpec { subnet_id?: string; ip_address?: string }
interface AddressPair { ip_address: string; mac_address?: string }
interface DhcpOpt { opt_name: string; opt_value: string | null; ip_version?: number }


interface PortParts {
  row: PortTable;
  ips: IpAllocationTable[];
  groups: string[];
  tags: string[];
  binding: PortBindingTable;
}

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

/**
 * A service plugin's say in deleting a port through the API (Neutron's port delete callbacks):
 * refuse by throwing, or clean up in the same transaction and return what to do after commit.
 */
export type PortDeleteHook = (trx: Trx, port: PortTable) => Promise<(() => void) | void>;

export class PortPlugin implements Handler {
  private readonly baseMac: string[];
  readonly deleteHooks: PortDeleteHook[] = [];
  /** A service plugin's veto on a port's new fixed IPs (a floating IP holds one of the old ones). */
  readonly fixedIpsHooks: ((trx: Trx, port: PortTable, ips: IpAllocationTable[]) => Promise<void>)[] = [];

  constructor(
    private readonly s: Services,
    private readonly networks: NetworkPlugin,
    private readonly groups: SecurityGroupPlugin,
    private readonly binder: PortBinder,
    private readonly mech: MechanismManager,
  ) {
    this.baseMac = s.config.str('DEFAULT', 'base_mac').toLowerCase().split(':');
    if (this.baseMac.length !== 6 || this.baseMac.some((b) => !/^[0-9a-f]{2}$/.test(b))) {
      throw new Error(`[DEFAULT] base_mac = ${s.config.str('DEFAULT', 'base_mac')}: not a MAC address like fa:16:3e:00:00:00`);
    }
  }

  private visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('ports as p').selectAll('p');
    if (!ctx.isAdmin) {
      qb = qb.where((eb) =>
        eb.or([
          eb('p.project_id', '=', ctx.projectId),
          eb('p.network_id', 'in', eb.selectFrom('networks').select('id').where('project_id', '=', ctx.projectId)),
        ]),
      );
    }
    return qb;
  }

  async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<PortTable> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('p.id', '=', id), lock).executeTakeFirst();
    if (!row) throw PortNotFound({ id });
    return row as PortTable;
  }

  /**
   * A port the caller may see, locked, with what the policy rules ask of its network, in one
   * statement (subqueries, so that the network row is not locked with it).
   */
  private async findForChange(trx: Trx, ctx: RequestContext, id: string): Promise<{ row: PortTable; target: ApiObject }> {
    const found = await lockedIf(
      this.s.db,
      this.visible(trx, ctx)
        .where('p.id', '=', id)
        .select((eb) => eb.selectFrom('networks as n').select('n.project_id').whereRef('n.id', '=', 'p.network_id').as('network_project_id'))
        .select((eb) => eb.selectFrom('networks as n').select('n.shared').whereRef('n.id', '=', 'p.network_id').as('network_shared'))
        .select((eb) => eb.selectFrom('networks as n').select('n.router_external').whereRef('n.id', '=', 'p.network_id').as('network_router_external')),
      true,
    ).executeTakeFirst();
    if (!found) throw PortNotFound({ id });
    const { network_project_id, network_shared, network_router_external, ...row } = found as PortTable & {
      network_project_id: string; network_shared: number | boolean; network_router_external: number | boolean;
    };
    const net = { id: row.network_id, project_id: network_project_id, shared: Number(network_shared), router_external: Number(network_router_external) } as NetworkTable;
    // rule:shared asks whether the network is shared with the caller's project (RBAC included)
    const sharedWithCaller = bool(net.shared) || (net.project_id !== ctx.projectId && (await this.networks.accessTo(trx, ctx, net)).ports);
    return { row, target: { ...policyView(row), ...parentFacts(net, sharedWithCaller) } };
  }

  private renderOne(p: PortParts): ApiObject {
    const r = p.row;
    const b = p.binding;
    // who sees where and how a port is bound is the policy's call (get_port:binding:*)
    const binding: ApiObject = {
      'binding:host_id': b.host,
      'binding:vnic_type': b.vnic_type,
      'binding:profile': jsonColumn(b.profile, {}),
      'binding:vif_type': b.vif_type,
      'binding:vif_details': jsonColumn(b.vif_details, {}),
    };
    const ips = p.ips.length > 1 ? [...p.ips].sort(byAddress) : p.ips;
    return {
      id: r.id,
      name: r.name,
      network_id: r.network_id,
      mac_address: r.mac_address,
      admin_state_up: bool(r.admin_state_up),
      status: r.status,
      device_id: r.device_id,
      device_owner: r.device_owner,
      fixed_ips: ips.map((a) => ({ subnet_id: a.subnet_id, ip_address: a.ip_address })),
      allowed_address_pairs: jsonColumn<AddressPair[]>(r.allowed_address_pairs, []),
      extra_dhcp_opts: jsonColumn<DhcpOpt[]>(r.extra_dhcp_opts, []),
      port_security_enabled: bool(r.port_security_enabled),
      security_groups: p.groups,
      ...binding,
      ...standardAttributes(r, p.tags),
    };
  }

  private async render(trx: Trx, ctx: RequestContext, rows: PortTable[], fields: string[] | null, ids: IdSet = rows.map((r) => r.id)): Promise<ApiObject[]> {
    const want = (f: string) => !fields || fields.includes(f);
    const ips = want('fixed_ips')
      ? groupBy(await rowsForIds(this.s.db, ids, 'port_id', (where) => trx.selectFrom('ipallocations').selectAll().where(where).execute()), (a) => a.port_id)
      : new Map<string, IpAllocationTable[]>();
    const groups = want('security_groups')
      ? groupBy(await rowsForIds(this.s.db, ids, 'port_id', (where) => trx.selectFrom('securitygroupportbindings').selectAll().where(where).execute()), (b) => b.port_id)
      : new Map<string, { security_group_id: string }[]>();
    const tags = want('tags') ? await tagsOf(this.s.db, trx, ids) : new Map<string, string[]>();
    const bindings = !fields || fields.some((f) => f.startsWith('binding:')) ? await this.binder.bindingsOf(trx, ids) : new Map<string, PortBindingTable>();
    return rows.map((row) =>
      this.renderOne(
        {
          row,
          ips: ips.get(row.id) ?? [],
          groups: (groups.get(row.id) ?? []).map((g) => g.security_group_id).sort(),
          tags: tags.get(row.id) ?? [],
          binding: bindings.get(row.id) ?? unboundBinding(row.id),
        },
      ),
    );
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    const { rows, ids } = await listRows<PortTable>(portDef, this.visible(trx, ctx), q, 'p', (qb, rest) => this.portFilters(trx, qb, rest));
    return this.render(trx, ctx, rows, q.fields, ids);
  }

  /** fixed_ips=ip_address=…|subnet_id=…|ip_address_substr=… and security_groups=… */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private portFilters(trx: Trx, qb: SelectQueryBuilder<any, any, any>, rest: Map<string, string[]>) {
    const fixed = rest.get('fixed_ips');
    if (fixed) {
      const bySubnet: string[] = [];
      const byIp: string[] = [];
      const bySubstring: string[] = [];
      for (const f of fixed) {
        const [k, ...value] = f.split('=');
        const v = value.join('=');
        if (k === 'subnet_id') bySubnet.push(v);
        else if (k === 'ip_address') byIp.push(normalizeIp(v) ?? v);
        else if (k === 'ip_address_substr') bySubstring.push(v);
        else throw HTTPBadRequest({ msg: `fixed_ips filter '${f}' must be subnet_id=<id>, ip_address=<address> or ip_address_substr=<text>` });
      }
      const holders = () => trx.selectFrom('ipallocations').select('port_id');
      if (bySubnet.length) qb = qb.where('p.id', 'in', holders().where('subnet_id', 'in', bySubnet));
      if (byIp.length) qb = qb.where('p.id', 'in', holders().where('ip_address', 'in', byIp));
      // ip-substring-filtering: the values are ORed, like repeated filters; LIKE wildcards are taken literally
      if (bySubstring.length) {
        const like = (t: string) => `%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        qb = qb.where('p.id', 'in', holders().where((eb) => eb.or(bySubstring.map((t) => eb(sql`ip_address`, 'like', sql`${like(t)} escape '\\'`)))));
      }
    }
    for (const [name, column] of [['binding:host_id', 'host'], ['binding:vif_type', 'vif_type'], ['binding:vnic_type', 'vnic_type']] as const) {
      const values = rest.get(name);
      if (!values) continue;
      const unboundMatches = values.includes(unboundBinding('')[column]);
      // ports without a binding row are unbound (host '', vif_type unbound, vnic_type normal)
      qb = qb.where((eb) =>
        eb.or([
          eb('p.id', 'in', trx.selectFrom('ml2_port_bindings').select('port_id').where(column, 'in', values)),
          ...(unboundMatches ? [eb('p.id', 'not in', trx.selectFrom('ml2_port_bindings').select('port_id'))] : []),
        ]),
      );
    }
    const sgs = rest.get('security_groups');
    if (sgs) {
      qb = qb.where('p.id', 'in', trx.selectFrom('securitygroupportbindings').select('port_id').where('security_group_id', 'in', sgs));
    }
    return qb;
  }

  async show(ctx: RequestContext, id: string, fields: string[] | null): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    return (await this.render(trx, ctx, [await this.find(trx, ctx, id)], fields))[0];
  }

  private generateMac(): string {
    const rnd = randomBytes(6);
    return this.baseMac.map((b, i) => (i >= 3 && b === '00' ? rnd[i].toString(16).padStart(2, '0') : b)).join(':');
  }

  private async checkMacFree(trx: Trx, networkId: string, mac: string, portId?: string): Promise<void> {
    let q = trx.selectFrom('ports').select('id').where('network_id', '=', networkId).where('mac_address', '=', mac);
    if (portId) q = q.where('id', '!=', portId);
    if (await q.executeTakeFirst()) throw MacAddressInUse({ net: networkId, mac });
  }

  /** Picks addresses for a port: what it asked for, or one per IP version (SLAAC: every SLAAC subnet). */
  private async allocateFixedIps(
    trx: Trx, uow: UnitOfWork, network: NetworkTable, portId: string, mac: string, deviceOwner: string,
    wanted: FixedIpSpec[] | typeof NOT_SPECIFIED, keep: IpAllocationTable[] = [], known?: SubnetTable[],
  ): Promise<IpAllocationTable[]> {
    const subnets = known ?? (await this.subnetsOf(trx, network.id));
    const byId = new Map(subnets.map((s) => [s.id, s]));
    const out: IpAllocationTable[] = [];
    const alloc = (subnet: SubnetTable, ip: string) => out.push({ port_id: portId, subnet_id: subnet.id, network_id: network.id, ip_address: ip });

    const any = async (subnet: SubnetTable): Promise<string | null> =>
      isSlaac(subnet) ? formatIp(6, eui64Address(parseCidr(subnet.cidr)!, mac)) : this.s.ipam.allocateAny(trx, uow, subnet);

    if (wanted === NOT_SPECIFIED) {
      for (const version of [4, 6]) {
        const candidates = subnets.filter((s) => s.ip_version === version && !isSlaac(s));
        if (candidates.length) {
          let got: string | null = null;
          for (const s of candidates) {
            got = await this.s.ipam.allocateAny(trx, uow, s);
            if (got) {
              alloc(s, got);
              break;
            }
          }
          if (!got) throw IpAddressGenerationFailure({ net: network.id });
        }
      }
      for (const s of subnets.filter(isSlaac)) alloc(s, (await any(s))!);
      return out;
    }

    const kept = new Set(keep.map((k) => `${k.subnet_id}|${k.ip_address}`));
    for (const spec of wanted) {
      if (spec.subnet_id !== undefined && !byId.has(spec.subnet_id)) {
        throw InvalidInput({ msg: `Failed to create port on network ${network.id}, because fixed_ips included invalid subnet ${spec.subnet_id}` });
      }
      if (spec.ip_address === undefined) {
        if (spec.subnet_id === undefined) throw InvalidInput({ msg: 'fixed_ips: each entry needs a subnet_id or an ip_address' });
        const subnet = byId.get(spec.subnet_id)!;
        // on update, {subnet_id} alone keeps the address the port already has there
        const held = keep.find((k) => k.subnet_id === subnet.id && !out.some((o) => o.subnet_id === k.subnet_id && o.ip_address === k.ip_address));
        if (held) {
          alloc(subnet, held.ip_address);
          continue;
        }
        const ip = await any(subnet);
        if (!ip) throw IpAddressGenerationFailure({ net: network.id });
        alloc(subnet, ip);
        continue;
      }
      const ip = parseIp(spec.ip_address)!;
      let subnet: SubnetTable | undefined;
      if (spec.subnet_id !== undefined) {
        subnet = byId.get(spec.subnet_id)!;
        if (!cidrContains(parseCidr(subnet.cidr)!, ip)) throw InvalidIpForSubnet({ ip: spec.ip_address });
      } else {
        subnet = subnets.find((s) => cidrContains(parseCidr(s.cidr)!, ip));
        if (!subnet) throw InvalidIpForNetwork({ ip: spec.ip_address });
      }
      const text = formatIp(ip.version, ip.value);
      if (kept.has(`${subnet.id}|${text}`)) {
        alloc(subnet, text);
        continue;
      }
      const cidr = parseCidr(subnet.cidr)!;
      const { first, last } = usableRange(cidr);
      if (ip.value < first || ip.value > last) throw InvalidIpForSubnet({ ip: spec.ip_address });
      if (subnet.gateway_ip === text && !ROUTER_OWNERS.includes(deviceOwner)) {
        throw InvalidInput({ msg: `IP address ${text} is the gateway of subnet ${subnet.id}: only a router port may use it` });
      }
      if (out.some((o) => o.subnet_id === subnet!.id && o.ip_address === text)) {
        throw InvalidInput({ msg: `fixed_ips lists IP address ${text} twice` });
      }
      const taken = await trx.selectFrom('ipallocations').select('port_id').where('subnet_id', '=', subnet.id).where('ip_address', '=', text).executeTakeFirst();
      if (taken) throw IpAddressAlreadyAllocated({ ip: text, subnet: subnet.id });
      await this.s.ipam.allocateSpecific(trx, uow, subnet, text);
      alloc(subnet, text);
    }
    return out;
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

  private subnetsOf(trx: Trx, networkId: string): Promise<SubnetTable[]> {
    return trx.selectFrom('subnets').selectAll().where('network_id', '=', networkId).orderBy('created_at').orderBy('id').execute();
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
    if (this.s.db.dialect.name !== 'postgres') {
      await trx.insertInto('ports').values(ports).execute();
      await this.insertAllocations(trx, ips);
      if (bindings.length) await trx.insertInto('securitygroupportbindings').values(bindings).execute();
      return;
    }
    try {
      const withPorts = trx.with('new_ports', (db) => db.insertInto('ports').values(ports));
      if (ips.length && bindings.length) {
        await withPorts.with('new_ips', (db) => db.insertInto('ipallocations').values(ips)).insertInto('securitygroupportbindings').values(bindings).execute();
      } else if (ips.length) {
        await withPorts.insertInto('ipallocations').values(ips).execute();
      } else if (bindings.length) {
        await withPorts.insertInto('securitygroupportbindings').values(bindings).execute();
      } else {
        await trx.insertInto('ports').values(ports).execute();
      }
    } catch (e) {
      this.forgetSubnetsOnClash(e, ips);
      throw e;
    }
  }

  private forgetSubnetsOnClash(e: unknown, rows: IpAllocationTable[]): void {
    if (uniqueViolation(e)?.includes('ipallocations')) for (const s of new Set(rows.map((r) => r.subnet_id))) this.s.ipam.raced(s);
  }

  /** Inserts allocations; a unique-key clash means our cache of that subnet was stale. */
  private async insertAllocations(trx: Trx, rows: IpAllocationTable[]): Promise<void> {
    if (!rows.length) return;
    try {
      await trx.insertInto('ipallocations').values(rows).execute();
    } catch (e) {
      this.forgetSubnetsOnClash(e, rows);
      throw e;
    }
  }

  private checkAddressPairs(pairs: AddressPair[], mac: string): AddressPair[] {
    const max = this.s.config.int('DEFAULT', 'max_allowed_address_pair');
    if (pairs.length > max) throw AllowedAddressPairExhausted({ quota: max });
    const seen = new Set<string>();
    return pairs.map((p) => {
      const full = { ip_address: p.ip_address, mac_address: p.mac_address ?? mac };
      const key = `${full.mac_address}|${full.ip_address}`;
      if (seen.has(key)) throw DuplicateAddressPairInRequest({ mac: full.mac_address, ip: full.ip_address });
      seen.add(key);
      return full;
    });
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
        const projects = countBy(items.map((i) => i.project_id as string));
        const netIds = new Set(items.map((i) => i.network_id as string));
        if (this.s.db.dialect.name === 'postgres' && projects.size === 1 && netIds.size === 1) {
          const [[project, n]] = [...projects];
          const [netId] = [...netIds];
          const pre = await this.prefetch(trx, netId, project);
          if (!pre.network) throw NetworkNotFound({ id: netId });
          const access = await this.networks.accessTo(trx, ctx, pre.network);
          if (!access.visible) throw NetworkNotFound({ id: netId });
          mayUse.set(netId, access.ports);
          networks.set(netId, pre.network);
          subnets.set(netId, pre.subnets);
          if (pre.defaultGroup) defaultGroups.set(project, pre.defaultGroup);
          // as Neutron, ports a service plugin makes for itself are not held to the quota
          if (!within) await this.s.quotas.checkWithOverride(trx, project, 'port', n, pre.portQuota);
        } else {
          if (!within) for (const [project, n] of projects) await this.s.quotas.check(trx, project, 'port', n);
        }
        const now = timestamp();
        const made: PortParts[] = [];
        for (const item of items) {
          const netId = item.network_id as string;
          const network = networks.get(netId) ?? (await this.networks.find(trx, ctx, netId));
          networks.set(netId, network);
          if (!subnets.has(netId)) subnets.set(netId, await this.subnetsOf(trx, netId));
          if (!mayUse.has(netId)) mayUse.set(netId, (await this.networks.accessTo(trx, ctx, network)).ports);
          // rule:shared asks whether the network is shared with the caller's project (RBAC included)
          authorize(item, parentFacts(network, bool(network.shared) || (network.project_id !== ctx.projectId && mayUse.get(netId))));
          const projectId = item.project_id as string;
          const id = randomUUID();
          const deviceOwner = item.device_owner as string;

          let mac: string;
          if (item.mac_address === NOT_SPECIFIED) {
            // a clash with an existing port is caught by the unique key (and the request retried);
            // a clash inside this request is avoided here
            let tries = 0;
            do {
              mac = this.generateMac();
              if (++tries > this.s.config.int('DEFAULT', 'mac_generation_retries')) throw NetworkMacAddressGenerationFailure({ net: netId });
            } while (macs.has(`${netId}|${mac}`));
          } else {
            mac = item.mac_address as string;
            if (macs.has(`${netId}|${mac}`)) throw MacAddressInUse({ net: netId, mac });
            await this.checkMacFree(trx, netId, mac);
          }
          macs.add(`${netId}|${mac}`);

          const portSecurity = item.port_security_enabled === NOT_SPECIFIED ? bool(network.port_security_enabled) : (item.port_security_enabled as boolean);
          let groups: string[];
          if (item.security_groups === NOT_SPECIFIED) {
            if (portSecurity && !deviceOwner.startsWith('network:')) {
              const sg = defaultGroups.get(projectId) ?? (await this.groups.ensureDefault(trx, projectId));
              defaultGroups.set(projectId, sg);
              groups = [sg];
            } else {
              groups = [];
            }
          } else {
            groups = await this.groups.checkUsable(trx, ctx, projectId, item.security_groups as string[]);
            if (groups.length && !portSecurity) throw PortSecurityAndIPRequiredForSecurityGroups({});
          }
          const pairs = this.checkAddressPairs(item.allowed_address_pairs as AddressPair[], mac);
          if (pairs.length && !portSecurity) throw AddressPairAndPortSecurityRequired({});

          const ips = await this.allocateFixedIps(trx, uow, network, id, mac, deviceOwner, item.fixed_ips as FixedIpSpec[] | typeof NOT_SPECIFIED, [], subnets.get(netId));
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
            port_security_enabled: int(portSecurity),
            allowed_address_pairs: JSON.stringify(pairs),
            extra_dhcp_opts: JSON.stringify(mergeDhcpOpts([], item.extra_dhcp_opts as DhcpOpt[])),
          };
          made.push({ row, ips, groups, tags: [], binding: unboundBinding(id) });
        }
        await this.insertPorts(trx, made);
        for (const [n, item] of items.entries()) {
          const wish = bindingWish(item);
          if (wish) made[n].binding = await this.binder.bind(trx, made[n].row, wish);
        }
        return made;
    };
    const parts = within ? await work(within.trx, within.uow) : await inTransaction(this.s.db, work);
    for (const p of parts) {
      this.s.log.info({ event: 'port.create', port_id: p.row.id, network_id: p.row.network_id, ips: p.ips.map((i) => i.ip_address), host: p.binding.host || undefined, request_id: ctx.requestId }, 'port created');
    }
    if (!within) await this.notifyChanged(parts, new Map());
    const shown = parts.map((p) => this.renderOne({ ...p, groups: [...p.groups].sort() }));
    // ports made inside a service plugin's transaction are told of by its announce()
    if (!within) for (const [networkId, ports] of groupBy(shown, (p) => p.network_id as string)) await this.s.dhcpNotifier?.notifyEach(networkId, 'port_create_end', ports.map((port) => ({ port })));
    return shown;
  }

  /**
   * After commit: bound ports go to the agents (port_update), security groups whose members
   * changed are announced, and the mechanism drivers' postcommit hooks run.
   */
  private async notifyChanged(parts: PortParts[], before: Map<string, PortEvent | null>, groupsBefore: string[] = []): Promise<void> {
    const groups = new Set(groupsBefore);
    for (const p of parts) {
      p.groups.forEach((g) => groups.add(g));
      const wasBound = before.get(p.row.id)?.host;
      if (p.binding.host || wasBound) this.s.notifier.portUpdate(await this.agentView(p), await this.boundSegment(p.binding));
      if (before.get(p.row.id) || p.binding.host) {
        const now = await this.binder.portEvent(this.s.db.kysely, p.row.id);
        if (now) await this.mech.portUpdated(now, before.get(p.row.id) ?? null);
      }
    }
    this.s.notifier.securityGroupsMemberUpdated([...groups]);
  }

  /** After commit: port_update and postcommit hooks for ports changed inside another plugin's transaction. */
  async announce(portIds: string[], before: Map<string, PortEvent | null>): Promise<void> {
    const trx = this.s.db.kysely;
    const rows = await trx.selectFrom('ports').selectAll().where('id', 'in', portIds).execute();
    const ips = groupBy(await trx.selectFrom('ipallocations').selectAll().where('port_id', 'in', portIds).execute(), (a) => a.port_id);
    const groups = groupBy(await trx.selectFrom('securitygroupportbindings').selectAll().where('port_id', 'in', portIds).execute(), (b) => b.port_id);
    const bindings = await this.binder.bindingsOf(trx, portIds);
    const parts = rows.map((row) => ({
      row, ips: ips.get(row.id) ?? [], groups: (groups.get(row.id) ?? []).map((g) => g.security_group_id), tags: [], binding: bindings.get(row.id) ?? unboundBinding(row.id),
    }));
    await this.notifyChanged(parts, before);
    for (const [networkId, ports] of groupBy(parts, (p) => p.row.network_id)) {
      await this.s.dhcpNotifier?.notifyEach(networkId, 'port_update_end', ports.map((p) => ({ port: this.renderOne({ ...p, groups: [...p.groups].sort() }) })));
    }
  }

  private async boundSegment(b: PortBindingTable) {
    if (!b.segment_id) return null;
    return (await this.binder.segments(this.s.db.kysely, [b.segment_id])).get(b.segment_id) ?? null;
  }

  /** What agents need to know of a changed port (they fetch the rest with get_devices_details_list). */
  private async agentView(p: PortParts): Promise<Record<string, unknown>> {
    return {
      id: p.row.id,
      network_id: p.row.network_id,
      mac_address: p.row.mac_address,
      admin_state_up: bool(p.row.admin_state_up),
      device_owner: p.row.device_owner,
      fixed_ips: p.ips.map((a) => ({ subnet_id: a.subnet_id, ip_address: a.ip_address })),
      'binding:host_id': p.binding.host,
      'binding:vif_type': p.binding.vif_type,
      security_groups: p.groups,
      port_security_enabled: bool(p.row.port_security_enabled),
    };
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    const before = await this.binder.portEvent(this.s.db.kysely, id);
    let groupsBefore: string[] = [];
    const parts = await inTransaction(this.s.db, async (trx, uow): Promise<PortParts> => {
      const { row, target } = await this.findForChange(trx, ctx, id);
      authorize(target);
      groupsBefore = (await trx.selectFrom('securitygroupportbindings').select('security_group_id').where('port_id', '=', id).execute()).map((g) => g.security_group_id);
      checkRevision(row.revision_number, ifMatch);
      const network = () => trx.selectFrom('networks').selectAll().where('id', '=', row.network_id).executeTakeFirstOrThrow();
      const set: Partial<PortTable> = {};
      for (const k of ['name', 'description', 'device_id', 'device_owner'] as const) {
        if (k in changes) set[k] = changes[k] as string;
      }
      if ('admin_state_up' in changes) set.admin_state_up = int(changes.admin_state_up as boolean);
      const mac = (changes.mac_address as string | undefined) ?? row.mac_address;
      if ('mac_address' in changes && mac !== row.mac_address) {
        await this.checkMacFree(trx, row.network_id, mac, id);
        set.mac_address = mac;
      }

      const portSecurity = 'port_security_enabled' in changes ? (changes.port_security_enabled as boolean) : bool(row.port_security_enabled);
      set.port_security_enabled = int(portSecurity);
      let groups: string[];
      if ('security_groups' in changes) {
        groups = await this.groups.checkUsable(trx, ctx, row.project_id, changes.security_groups as string[]);
        if (groups.length && !portSecurity) throw PortSecurityAndIPRequiredForSecurityGroups({});
      } else {
        groups = (await trx.selectFrom('securitygroupportbindings').select('security_group_id').where('port_id', '=', id).execute()).map((g) => g.security_group_id);
        if (!portSecurity && groups.length) throw PortSecurityPortHasSecurityGroup({});
      }
      let pairs = jsonColumn<AddressPair[]>(row.allowed_address_pairs, []);
      if ('allowed_address_pairs' in changes) pairs = this.checkAddressPairs(changes.allowed_address_pairs as AddressPair[], mac);
      if (pairs.length && !portSecurity) throw AddressPairAndPortSecurityRequired({});
      set.allowed_address_pairs = JSON.stringify(pairs);
      if ('extra_dhcp_opts' in changes) {
        set.extra_dhcp_opts = JSON.stringify(mergeDhcpOpts(jsonColumn<DhcpOpt[]>(row.extra_dhcp_opts, []), changes.extra_dhcp_opts as DhcpOpt[]));
      }

      let ips: IpAllocationTable[];
      if ('fixed_ips' in changes) {
        const net = await network();
        const current = await trx.selectFrom('ipallocations').selectAll().where('port_id', '=', id).execute();
        const wanted = await this.allocateFixedIps(trx, uow, net, id, mac, (set.device_owner ?? row.device_owner), changes.fixed_ips as FixedIpSpec[], current);
        const key = (a: IpAllocationTable) => `${a.subnet_id}|${a.ip_address}`;
        const wantedKeys = new Set(wanted.map(key));
        const currentKeys = new Set(current.map(key));
        for (const a of current.filter((c) => !wantedKeys.has(key(c)))) {
          await trx.deleteFrom('ipallocations').where('subnet_id', '=', a.subnet_id).where('ip_address', '=', a.ip_address).execute();
          this.s.ipam.release(uow, a.subnet_id, a.ip_address);
        }
        await this.insertAllocations(trx, wanted.filter((w) => !currentKeys.has(key(w))));
        ips = wanted;
        for (const hook of this.fixedIpsHooks) await hook(trx, row, ips);
      } else {
        ips = await trx.selectFrom('ipallocations').selectAll().where('port_id', '=', id).execute();
      }
      if ('security_groups' in changes) {
        await trx.deleteFrom('securitygroupportbindings').where('port_id', '=', id).execute();
        if (groups.length) await trx.insertInto('securitygroupportbindings').values(groups.map((g) => ({ port_id: id, security_group_id: g }))).execute();
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
        wish.host !== current.host || wish.vnicType !== current.vnic_type || JSON.stringify(wish.profile) !== current.profile ||
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
    await this.notifyChanged([parts], new Map([[id, before]]), groupsBefore);
    const shown = this.renderOne(parts);
    await this.s.dhcpNotifier?.notify(parts.row.network_id, 'port_update_end', { port: shown });
    return shown;
  }

  async delete(ctx: RequestContext, id: string, ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    const before = await this.binder.portEvent(this.s.db.kysely, id);
    const groups = (await this.s.db.kysely.selectFrom('securitygroupportbindings').select('security_group_id').where('port_id', '=', id).execute()).map((g) => g.security_group_id);
    const gone = await inTransaction(this.s.db, async (trx, uow) => {
      const { row, target } = await this.findForChange(trx, ctx, id);
      authorize(target);
      checkRevision(row.revision_number, ifMatch);
      const afterCommit: (() => void)[] = [];
      for (const hook of this.deleteHooks) {
        const after = await hook(trx, row);
        if (after) afterCommit.push(after);
      }
      const fixedIps = await this.deleteRow(trx, uow, id);
      return { afterCommit, networkId: row.network_id, fixedIps };
    });
    this.s.log.info({ event: 'port.delete', port_id: id, request_id: ctx.requestId }, 'port deleted');
    for (const after of gone.afterCommit) after();
    await this.announceDeleted(id, gone.networkId, gone.fixedIps, before);
    this.s.notifier.securityGroupsMemberUpdated(groups);
  }

  /** The port's row, addresses and tags, inside the caller's transaction; returns the freed fixed IPs. */
  async deleteRow(trx: Trx, uow: UnitOfWork, id: string): Promise<{ subnet_id: string; ip_address: string }[]> {
    const freed = await trx.deleteFrom('ipallocations').where('port_id', '=', id).returning(['subnet_id', 'ip_address']).execute();
    for (const a of freed) this.s.ipam.release(uow, a.subnet_id, a.ip_address);
    await removeAllTags(this.s.db, trx, [id]);
    // security group bindings go with the port (ON DELETE CASCADE)
    await trx.deleteFrom('ports').where('id', '=', id).execute();
    return freed.map((a) => ({ subnet_id: a.subnet_id, ip_address: a.ip_address }));
  }

  /** After commit: the DHCP agents, the L2 agents and the mechanism drivers hear that the port is gone. */
  async announceDeleted(id: string, networkId: string, fixedIps: { subnet_id: string; ip_address: string }[], before: PortEvent | null): Promise<void> {
    await this.s.dhcpNotifier?.notify(networkId, 'port_delete_end', { port_id: id, network_id: networkId, fixed_ips: fixedIps });
    if (before) {
      this.s.notifier.portDelete(id, before.networkId);
      await this.mech.portDeleted(before);
    }
  }
}

/** extra_dhcp_opts updates merge by (opt_name, ip_version); a null opt_value removes the option. */
function mergeDhcpOpts(current: DhcpOpt[], changes: DhcpOpt[]): DhcpOpt[] {
  const key = (o: DhcpOpt) => `${o.opt_name}|${o.ip_version ?? 4}`;
  const out = new Map(current.map((o) => [key(o), o]));
  for (const c of changes) {
    const o = { opt_name: c.opt_name, opt_value: c.opt_value, ip_version: Number(c.ip_version ?? 4) };
    if (o.opt_value === null) out.delete(key(o));
    else out.set(key(o), o);
  }
  return [...out.values()];
}

function byAddress(a: IpAllocationTable, b: IpAllocationTable): number {
  const x = parseIp(a.ip_address)!;
  const y = parseIp(b.ip_address)!;
  if (x.version !== y.version) return x.version - y.version;
  return x.value < y.value ? -1 : x.value > y.value ? 1 : 0;
}
