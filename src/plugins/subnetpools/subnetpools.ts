// subnet_allocation: /v2.0/subnetpools, with subnetpool-prefix-ops (add/remove_prefixes) and
// subnet_onboard (onboard_network_subnets). A pool's prefixes are rows of subnetpoolprefixes,
// compacted as Neutron stores them; its allocations are the subnets that name it
// (subnet-allocation.ts). Sharing is an access_as_shared entry in subnetpoolrbacs.
import { randomUUID } from 'node:crypto';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import { InvalidInput, NetworkNotFound, PolicyNotAuthorized } from '../../api/errors.js';
import {
  AddressScopePrefixConflict,
  IllegalSubnetPoolAssociationToAddressScope,
  IllegalSubnetPoolIpVersionAssociationToAddressScope,
  IllegalSubnetPoolPrefixUpdate,
  IllegalSubnetPoolUpdate,
  NetworkAddressScopeAffinityError,
  SubnetPoolDeleteError,
  SubnetPoolNotFound,
} from '../../api/errors-subnet-allocation.js';
import { NOT_SPECIFIED, type ApiObject, type AuthorizeChange, type AuthorizeCreate, type Handler, type ListQuery } from '../../api/resource.js';
import { subnetPoolDef } from '../../api/resources/subnetpool.js';
import { formatCidr, parseCidr, type Cidr } from '../../common/ip-address.js';
import { timestamp } from '../../common/time.js';
import { uniqueViolation } from '../../db/connection.js';
import { bool, countBy, groupBy, int, rowsForIds, type IdSet } from '../../db/rows.js';
import type { SubnetPoolTable } from '../../db/schema.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import { compactPrefixes, intersects, isSubset, difference, rangeSetOf, cidrsOf } from '../../ipam/prefix-set.js';
import { ACCESS_SHARED, WILDCARD } from '../rbac/network-access.js';
import { checkRevision, saveChanges } from '../revision.js';
import type { Services } from '../services.js';
import { standardAttributes } from '../standard-attributes.js';
import { removeAllTags, tagsOf } from '../tags/tag-store.js';
import type { AddressScopePlugin } from './address-scopes.js';
import { openTo, sharedToProject } from './pool-access.js';
import { readPoolSettings } from './pool-settings.js';

const cidrs = (prefixes: string[]): Cidr[] => prefixes.map((p) => parseCidr(p)!);

const ONE_DEFAULT = 'A default subnetpool for this IP family has already been set. Only one default may exist per IP family';

export class SubnetPoolPlugin implements Handler {
  constructor(
    private readonly s: Services,
    private readonly scopes: AddressScopePlugin,
  ) {}

  private visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('subnetpools as p').selectAll('p');
    if (!ctx.isAdmin) qb = qb.where((eb) => eb.or([eb('p.project_id', '=', ctx.projectId), eb('p.id', 'in', openTo(trx, 'subnetpoolrbacs', ctx.projectId))]));
    return qb;
  }

  /** A pool the caller may see (and so allocate from), or SubnetPoolNotFound; locked when asked (allocation, changes). */
  async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<SubnetPoolTable> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('p.id', '=', id), lock).executeTakeFirst();
    if (!row) throw SubnetPoolNotFound({ subnetpool_id: id });
    return row as SubnetPoolTable;
  }

  /** The pool's prefixes, in address order. */
  async prefixesOf(trx: Trx, id: string): Promise<string[]> {
    const rows = await trx.selectFrom('subnetpoolprefixes').select('cidr').where('subnetpool_id', '=', id).execute();
    return sortCidrs(rows.map((r) => r.cidr));
  }

  /** The default pool of an IP version the caller may use, if any. */
  async defaultPool(trx: Trx, ctx: RequestContext, ipVersion: number): Promise<SubnetPoolTable | undefined> {
    return (await this.visible(trx, ctx).where('p.is_default', '=', 1).where('p.ip_version', '=', ipVersion).executeTakeFirst()) as SubnetPoolTable | undefined;
  }

  private async render(trx: Trx, ctx: RequestContext, rows: SubnetPoolTable[], fields: string[] | null, ids: IdSet = rows.map((r) => r.id)): Promise<ApiObject[]> {
    const want = (f: string) => !fields || fields.includes(f);
    const prefixes = want('prefixes')
      ? groupBy(await rowsForIds(this.s.db, ids, 'subnetpool_id', (where) => trx.selectFrom('subnetpoolprefixes').selectAll().where(where).execute()), (r) => r.subnetpool_id)
      : new Map<string, { cidr: string }[]>();
    const tags = want('tags') ? await tagsOf(this.s.db, trx, ids) : new Map<string, string[]>();
    const sharedHere =
      want('shared') && !ctx.isAdmin
        ? new Set((await rowsForIds(this.s.db, ids, 'object_id', (where) => sharedToProject(trx, 'subnetpoolrbacs', ctx).where(where).execute())).map((r) => r.object_id))
        : new Set<string>();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      ip_version: Number(r.ip_version),
      prefixes: sortCidrs((prefixes.get(r.id) ?? []).map((p) => p.cidr)),
      default_prefixlen: Number(r.default_prefixlen),
      min_prefixlen: Number(r.min_prefixlen),
      max_prefixlen: Number(r.max_prefixlen),
      default_quota: r.default_quota === null ? null : Number(r.default_quota),
      is_default: bool(r.is_default),
      shared: bool(r.shared) || sharedHere.has(r.id),
      address_scope_id: r.address_scope_id,
      ...standardAttributes(r, tags.get(r.id) ?? []),
    }));
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    const { rows, ids } = await listRows<SubnetPoolTable>(subnetPoolDef, this.visible(trx, ctx), q, 'p');
    return this.render(trx, ctx, rows, q.fields, ids);
  }

  async show(ctx: RequestContext, id: string, fields: string[] | null): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    return (await this.render(trx, ctx, [await this.find(trx, ctx, id)], fields))[0];
  }

  private async checkNoOtherDefault(trx: Trx, ipVersion: number, except?: string): Promise<void> {
    let q = trx.selectFrom('subnetpools').select('id').where('is_default', '=', 1).where('ip_version', '=', ipVersion);
    if (except) q = q.where('id', '!=', except);
    if (await q.executeTakeFirst()) throw InvalidInput({ msg: ONE_DEFAULT });
  }

  /**
   * Whether a pool may join an address scope (Neutron's _validate_address_scope_id): the scope
   * is the caller's or shared with it, of the pool's IP version, the pool's networks stay of
   * one scope, and no other pool of the scope holds any of its prefixes. The scope row is
   * locked so that two pools joining at once are checked one after the other.
   */
  private async checkScope(trx: Trx, ctx: RequestContext, scopeId: string | null, poolId: string, prefixes: string[], ipVersion: number): Promise<void> {
    if (scopeId === null) return;
    const scope = await this.scopes.find(trx, ctx, scopeId, true).catch(() => null);
    if (!scope) throw IllegalSubnetPoolAssociationToAddressScope({ subnetpool_id: poolId, address_scope_id: scopeId });
    if (Number(scope.ip_version) !== ipVersion) {
      throw IllegalSubnetPoolIpVersionAssociationToAddressScope({ subnetpool_id: poolId, address_scope_id: scopeId, ip_version: Number(scope.ip_version) });
    }
    await this.checkNetworkAffinity(trx, poolId, ipVersion);
    const others = await trx
      .selectFrom('subnetpoolprefixes as x')
      .innerJoin('subnetpools as p', 'p.id', 'x.subnetpool_id')
      .select('x.cidr')
      .where('p.address_scope_id', '=', scopeId)
      .where('p.id', '!=', poolId)
      .execute();
    if (intersects(rangeSetOf(cidrs(prefixes)), rangeSetOf(cidrs(others.map((o) => o.cidr))))) throw AddressScopePrefixConflict({});
  }

  /** Re-scoping a pool may not leave one of its networks with subnets of one IP version in two scopes. */
  private async checkNetworkAffinity(trx: Trx, poolId: string, ipVersion: number): Promise<void> {
    const stray = await trx
      .selectFrom('subnets as s')
      .select('s.id')
      .where('s.ip_version', '=', ipVersion)
      .where('s.network_id', 'in', trx.selectFrom('subnets').select('network_id').where('subnetpool_id', '=', poolId))
      .where((eb) => eb.or([eb('s.subnetpool_id', 'is', null), eb('s.subnetpool_id', '!=', poolId)]))
      .executeTakeFirst();
    if (stray) throw NetworkAddressScopeAffinityError({});
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    for (const item of items) authorize(item);
    const settings = items.map((i) => readPoolSettings(i as { prefixes: string[] }));
    try {
      const rows = await inTransaction(this.s.db, async (trx) => {
        await this.s.callbacks.publish('subnetpool', 'before_create', { context: ctx, trx, counts: countBy(items.map((i) => i.project_id as string)) });
        const now = timestamp();
        const rows: SubnetPoolTable[] = [];
        for (const [n, item] of items.entries()) {
          const sp = settings[n];
          const id = randomUUID();
          const scopeId = item.address_scope_id === NOT_SPECIFIED ? null : (item.address_scope_id as string | null);
          if (item.is_default) await this.checkNoOtherDefault(trx, sp.ipVersion);
          await this.checkScope(trx, ctx, scopeId, id, sp.prefixes, sp.ipVersion);
          const row: SubnetPoolTable = {
            id,
            project_id: item.project_id as string,
            name: item.name as string,
            description: item.description as string,
            created_at: now,
            updated_at: now,
            revision_number: 0,
            ip_version: sp.ipVersion,
            default_prefixlen: sp.defaultPrefixlen,
            min_prefixlen: sp.minPrefixlen,
            max_prefixlen: sp.maxPrefixlen,
            shared: int(item.shared as boolean),
            is_default: int(item.is_default as boolean),
            default_quota: item.default_quota === NOT_SPECIFIED ? null : (item.default_quota as number | null),
            address_scope_id: scopeId,
            allocation_generation: 0,
          };
          await trx.insertInto('subnetpools').values(row).execute();
          await trx
            .insertInto('subnetpoolprefixes')
            .values(sp.prefixes.map((cidr) => ({ subnetpool_id: id, cidr })))
            .execute();
          if (item.shared) await trx.insertInto('subnetpoolrbacs').values({ id: randomUUID(), project_id: row.project_id, object_id: id, action: ACCESS_SHARED, target_tenant: WILDCARD }).execute();
          rows.push(row);
        }
        return rows;
      });
      for (const r of rows) this.s.log.info({ event: 'subnetpool.create', subnetpool_id: r.id, request_id: ctx.requestId }, 'subnet pool created');
      return this.render(this.s.db.kysely, ctx, rows, null);
    } catch (e) {
      throw defaultRace(e);
    }
  }

  /**
   * Changes a pool the caller may see: `authorize` is asked with the pool as shown. Shared by
   * PUT and the prefix actions, which are prefix updates by another name (as in Neutron).
   */
  private async change(
    ctx: RequestContext,
    id: string,
    ifMatch: number | null,
    authorize: AuthorizeChange,
    compute: (trx: Trx, row: SubnetPoolTable, prefixes: string[]) => Promise<ApiObject>,
  ): Promise<SubnetPoolTable> {
    try {
      const row = await inTransaction(this.s.db, async (trx) => {
        const row = await this.find(trx, ctx, id, true);
        authorize((await this.render(trx, ctx, [row], null))[0]);
        checkRevision(row.revision_number, ifMatch);
        const current = await this.prefixesOf(trx, id);
        const changes = await compute(trx, row, current);
        return this.applyChanges(trx, ctx, row, current, changes);
      });
      this.s.log.info({ event: 'subnetpool.update', subnetpool_id: id, request_id: ctx.requestId }, 'subnet pool updated');
      return row;
    } catch (e) {
      throw defaultRace(e);
    }
  }

  private async applyChanges(trx: Trx, ctx: RequestContext, row: SubnetPoolTable, current: string[], changes: ApiObject): Promise<SubnetPoolTable> {
    const id = row.id;
    let prefixes = current;
    if (Array.isArray(changes.prefixes)) {
      const wanted = changes.prefixes as string[];
      if (wanted.some((p) => parseCidr(p)!.version !== Number(row.ip_version))) {
        // mixed versions are PrefixVersionMismatch, as Neutron's reader says
        readPoolSettings({ prefixes: [...current, ...wanted] });
      }
      if (!isSubset(rangeSetOf(cidrs(current)), rangeSetOf(cidrs(wanted)))) throw IllegalSubnetPoolPrefixUpdate({ msg: 'Existing prefixes must be a subset of the new prefixes' });
      prefixes = compactPrefixes(wanted);
    }
    const sp = readPoolSettings(
      { prefixes, min_prefixlen: changes.min_prefixlen, max_prefixlen: changes.max_prefixlen, default_prefixlen: changes.default_prefixlen },
      { minPrefixlen: Number(row.min_prefixlen), maxPrefixlen: Number(row.max_prefixlen), defaultPrefixlen: Number(row.default_prefixlen) },
    );
    const set: Partial<SubnetPoolTable> = {};
    if ('is_default' in changes && (changes.is_default as boolean) !== bool(row.is_default)) {
      if (changes.is_default) await this.checkNoOtherDefault(trx, sp.ipVersion, id);
      set.is_default = int(changes.is_default as boolean);
    }
    // a pool in another project's (shared) scope is that project's business (Neutron's rule)
    if (row.address_scope_id) {
      const scope = await trx.selectFrom('address_scopes').select('project_id').where('id', '=', row.address_scope_id).executeTakeFirst();
      if (scope && scope.project_id !== ctx.projectId) {
        throw IllegalSubnetPoolUpdate({ reason: `subnetpool ${id} cannot be updated when associated with shared address scope ${row.address_scope_id}` });
      }
    }
    const scopeId = 'address_scope_id' in changes && changes.address_scope_id !== NOT_SPECIFIED ? (changes.address_scope_id as string | null) : row.address_scope_id;
    await this.checkScope(trx, ctx, scopeId, id, sp.prefixes, sp.ipVersion);
    if (scopeId !== row.address_scope_id) set.address_scope_id = scopeId;
    if ('name' in changes) set.name = changes.name as string;
    if ('description' in changes) set.description = changes.description as string;
    if ('default_quota' in changes) set.default_quota = changes.default_quota as number | null;
    if (sp.minPrefixlen !== Number(row.min_prefixlen)) set.min_prefixlen = sp.minPrefixlen;
    if (sp.maxPrefixlen !== Number(row.max_prefixlen)) set.max_prefixlen = sp.maxPrefixlen;
    if (sp.defaultPrefixlen !== Number(row.default_prefixlen)) set.default_prefixlen = sp.defaultPrefixlen;
    // any change may change the free space (onboarded subnets, prefixes): cached copies are stale
    set.allocation_generation = Number(row.allocation_generation) + 1;
    if (prefixes.join() !== current.join()) {
      await trx.deleteFrom('subnetpoolprefixes').where('subnetpool_id', '=', id).execute();
      await trx
        .insertInto('subnetpoolprefixes')
        .values(prefixes.map((cidr) => ({ subnetpool_id: id, cidr })))
        .execute();
    }
    return saveChanges(trx, 'subnetpools', row, set);
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    const row = await this.change(ctx, id, ifMatch, authorize, async () => changes);
    return (await this.render(this.s.db.kysely, ctx, [row], null))[0];
  }

  /** PUT /v2.0/subnetpools/{id}/add_prefixes: the pool's prefixes afterwards. */
  async addPrefixes(ctx: RequestContext, id: string, add: string[], authorize: AuthorizeChange): Promise<{ prefixes: string[] }> {
    await this.change(ctx, id, null, authorize, async (_trx, _row, current) => (add.length ? { prefixes: [...current, ...add] } : {}));
    return { prefixes: await this.prefixesOf(this.s.db.kysely, id) };
  }

  /** PUT /v2.0/subnetpools/{id}/remove_prefixes: refused while a subnet holds any of them. */
  async removePrefixes(ctx: RequestContext, id: string, remove: string[], authorize: AuthorizeChange): Promise<{ prefixes: string[] }> {
    const removal = rangeSetOf(cidrs(remove));
    await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize((await this.render(trx, ctx, [row], null))[0]);
      const current = await this.prefixesOf(trx, id);
      const all = rangeSetOf(cidrs(current));
      if (!remove.length || !intersects(all, removal)) return;
      const allocated = await trx.selectFrom('subnets').select('cidr').where('subnetpool_id', '=', id).execute();
      if (intersects(rangeSetOf(cidrs(allocated.map((a) => a.cidr))), removal)) throw IllegalSubnetPoolPrefixUpdate({ msg: 'One or more the prefixes to be removed is in use by a subnet' });
      const left = cidrsOf(Number(row.ip_version) as 4 | 6, difference(all, removal)).map(formatCidr);
      if (!left.length) throw IllegalSubnetPoolPrefixUpdate({ msg: 'a subnet pool keeps at least one prefix' });
      await trx.deleteFrom('subnetpoolprefixes').where('subnetpool_id', '=', id).execute();
      await trx
        .insertInto('subnetpoolprefixes')
        .values(left.map((cidr) => ({ subnetpool_id: id, cidr })))
        .execute();
      await saveChanges(trx, 'subnetpools', row, { allocation_generation: Number(row.allocation_generation) + 1 });
    });
    this.s.log.info({ event: 'subnetpool.remove_prefixes', subnetpool_id: id, request_id: ctx.requestId }, 'subnet pool prefixes removed');
    return { prefixes: await this.prefixesOf(this.s.db.kysely, id) };
  }

  /**
   * PUT /v2.0/subnetpools/{id}/onboard_network_subnets (subnet_onboard): the network's subnets
   * of the pool's IP version join the pool, their cidrs becoming prefixes of it.
   */
  async onboardNetworkSubnets(ctx: RequestContext, id: string, networkId: unknown, authorize: AuthorizeChange): Promise<{ id: string; cidr: string }[]> {
    if (typeof networkId !== 'string' || networkId === '') throw InvalidInput({ msg: 'network_id must be specified.' });
    const onboarded = await inTransaction(this.s.db, async (trx) => {
      const network = await trx.selectFrom('networks').select(['id', 'project_id']).where('id', '=', networkId).executeTakeFirst();
      if (!network) throw NetworkNotFound({ id: networkId });
      // as Neutron: only the network's owner (or an admin) moves its subnets into a pool
      if (!ctx.isAdmin && network.project_id !== ctx.projectId) throw PolicyNotAuthorized({ action: 'onboard_network_subnets' });
      const row = await this.find(trx, ctx, id, true);
      authorize((await this.render(trx, ctx, [row], null))[0]);
      const subnets = await trx.selectFrom('subnets').select(['id', 'cidr', 'subnetpool_id']).where('network_id', '=', networkId).where('ip_version', '=', row.ip_version).execute();
      const mine = subnets.filter((s) => s.subnetpool_id !== id);
      const allocated = rangeSetOf(cidrs((await trx.selectFrom('subnets').select('cidr').where('subnetpool_id', '=', id).execute()).map((a) => a.cidr)));
      for (const s of mine) {
        if (intersects(rangeSetOf(cidrs([s.cidr])), allocated)) {
          throw IllegalSubnetPoolUpdate({ reason: `Onboarding subnet ${s.id}: ${s.cidr} conflicts with allocated prefixes in subnet pool ${id}` });
        }
      }
      const current = await this.prefixesOf(trx, id);
      if (mine.length) {
        await trx
          .updateTable('subnets')
          .set({ subnetpool_id: id })
          .where(
            'id',
            'in',
            mine.map((s) => s.id),
          )
          .execute();
        await this.applyChanges(trx, ctx, row, current, { prefixes: [...current, ...mine.map((s) => s.cidr)] });
      }
      return subnets.map((s) => ({ id: s.id, cidr: s.cidr }));
    });
    this.s.log.info({ event: 'subnetpool.onboard', subnetpool_id: id, network_id: networkId, subnets: onboarded.length, request_id: ctx.requestId }, 'network subnets onboarded');
    return onboarded;
  }

  async delete(ctx: RequestContext, id: string, ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize((await this.render(trx, ctx, [row], null))[0]);
      checkRevision(row.revision_number, ifMatch);
      if (await trx.selectFrom('subnets').select('id').where('subnetpool_id', '=', id).executeTakeFirst()) throw SubnetPoolDeleteError({ reason: 'Subnet pool has existing allocations' });
      await removeAllTags(this.s.db, trx, [id]);
      await trx.deleteFrom('subnetpoolrbacs').where('object_id', '=', id).execute();
      await trx.deleteFrom('subnetpoolprefixes').where('subnetpool_id', '=', id).execute();
      await trx.deleteFrom('subnetpools').where('id', '=', id).execute();
    });
    this.s.log.info({ event: 'subnetpool.delete', subnetpool_id: id, request_id: ctx.requestId }, 'subnet pool deleted');
  }
}

/** Two requests making a default pool of one IP version at once: the database's index caught the second. */
function defaultRace(e: unknown): unknown {
  return uniqueViolation(e)?.includes('subnetpools') ? InvalidInput({ msg: ONE_DEFAULT }) : e;
}

/** Prefixes in address order (IPv4 and IPv6 compared as numbers). */
function sortCidrs(list: string[]): string[] {
  return list
    .map((t) => ({ t, c: parseCidr(t)! }))
    .sort((a, b) => (a.c.network < b.c.network ? -1 : a.c.network > b.c.network ? 1 : a.c.prefixlen - b.c.prefixlen))
    .map((x) => x.t);
}
