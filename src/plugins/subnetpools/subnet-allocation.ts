// Subnets from subnet pools (subnet_allocation, default-subnetpools): which pool a subnet
// request names, and the cidr it gets from it — any free block of the asked prefix length, or
// the asked cidr if it is free — as Neutron's SubnetAllocator. Runs inside the subnet's
// transaction with the pool's row locked (FOR UPDATE on PostgreSQL; SQLite has one writer),
// so two requests on one pool are served one after the other and never get overlapping
// prefixes; the allocations are the subnets naming the pool, read after the lock.
import type { RequestContext } from '../../api/context.js';
import { BadRequest } from '../../api/errors.js';
import {
  MaxPrefixSubnetAllocationError,
  MinPrefixSubnetAllocationError,
  NetworkAddressScopeAffinityError,
  NetworkSubnetPoolAffinityError,
  SubnetAllocationError,
  SubnetPoolQuotaExceeded,
} from '../../api/errors-subnet-allocation.js';
import { NOT_SPECIFIED, type ApiObject } from '../../api/resource.js';
import { formatCidr, parseCidr, type Cidr, type IpVersion } from '../../common/ip-address.js';
import type { SubnetPoolTable, SubnetTable } from '../../db/schema.js';
import type { Trx, UnitOfWork } from '../../db/transaction.js';
import { difference, firstFit, fitsIn, quotaUnits, rangeSetOf, type RangeSet } from '../../ipam/prefix-set.js';
import type { SubnetPoolPlugin } from './subnetpools.js';

const badRequest = (msg: string) => BadRequest({ resource: 'subnets', msg });
const given = (v: unknown): boolean => v !== undefined && v !== null && v !== NOT_SPECIFIED;

/** A subnet already on the network, with the address scope of its pool. */
export type NetworkSubnet = Pick<SubnetTable, 'id' | 'ip_version' | 'subnetpool_id'> & { address_scope_id: string | null };

export class SubnetAllocation {
  /**
   * Each pool's free space as this process last left it, good while the pool's
   * allocation_generation is the one it was computed for (read under the pool's row lock): a
   * pool's allocations are not read again for every subnet. Another server's allocation,
   * a deleted subnet or a prefix change bumps the generation, and the next one rebuilds it.
   */
  private readonly freeSpace = new Map<string, { generation: number; free: RangeSet }>();

  constructor(private readonly pools: SubnetPoolPlugin) {}

  /**
   * Places one subnet request: returns the pool it comes from (null: none) and, for a pool,
   * sets item.cidr. `earlier`: subnets this request already placed (bulk), not yet written.
   */
  async place(trx: Trx, uow: UnitOfWork, ctx: RequestContext, item: ApiObject, siblings: NetworkSubnet[], earlier: SubnetTable[]): Promise<string | null> {
    const hasCidr = given(item.cidr);
    if (hasCidr && given(item.prefixlen)) throw badRequest('cidr and prefixlen must not be supplied together');
    const poolId = await this.poolIdOf(trx, ctx, item);
    if (!poolId) {
      if (!hasCidr) throw badRequest('a subnetpool must be specified in the absence of a cidr');
      await this.checkAffinity(trx, item, null, siblings, earlier);
      return null;
    }
    if (!hasCidr && given(item.allocation_pools)) throw badRequest('allocation_pools allowed only for specific subnet requests.');
    const pool = await this.pools.find(trx, ctx, poolId, true);
    const ipVersion = Number(pool.ip_version) as IpVersion;
    if (Number(item.ip_version) !== ipVersion) throw badRequest(`Cannot allocate IPv${item.ip_version as number} subnet from IPv${ipVersion} subnet pool`);
    await this.checkAffinity(trx, item, pool, siblings, earlier);

    const wanted = hasCidr ? parseCidr(item.cidr as string)! : null;
    if (wanted && wanted.version !== ipVersion) throw badRequest(`Cannot allocate IPv${wanted.version} subnet from IPv${ipVersion} subnet pool`);
    const prefixlen = wanted ? wanted.prefixlen : given(item.prefixlen) ? (item.prefixlen as number) : Number(pool.default_prefixlen);
    if (prefixlen > Number(pool.max_prefixlen)) throw MaxPrefixSubnetAllocationError({ prefixlen, max_prefixlen: Number(pool.max_prefixlen) });
    if (prefixlen < Number(pool.min_prefixlen)) throw MinPrefixSubnetAllocationError({ prefixlen, min_prefixlen: Number(pool.min_prefixlen) });

    if (pool.default_quota !== null && Number(pool.default_quota) > 0) await this.checkPoolQuota(trx, pool, item.project_id as string, prefixlen, earlier);

    const generation = Number(pool.allocation_generation);
    const cached = this.freeSpace.get(pool.id);
    const free = cached?.generation === generation ? cached.free : await this.freeFromDatabase(trx, pool, earlier);
    let cidr: Cidr | null;
    if (wanted) {
      if (!fitsIn(free, wanted)) throw SubnetAllocationError({ reason: 'Cannot allocate requested subnet from the available set of prefixes' });
      cidr = wanted;
    } else {
      cidr = firstFit(ipVersion, free, prefixlen);
      if (!cidr) throw SubnetAllocationError({ reason: `Insufficient prefix space to allocate subnet size /${prefixlen}` });
    }
    item.cidr = formatCidr(cidr);
    // the pool's row is locked: the new generation is ours, and so is the free space that goes with it
    await trx
      .updateTable('subnetpools')
      .set({ allocation_generation: generation + 1 })
      .where('id', '=', pool.id)
      .execute();
    const left = difference(free, rangeSetOf([cidr]));
    uow.onCommit(() => this.freeSpace.set(pool.id, { generation: generation + 1, free: left }));
    return pool.id;
  }

  /** The pool's prefixes minus its subnets (and this request's earlier ones). */
  private async freeFromDatabase(trx: Trx, pool: SubnetPoolTable, earlier: SubnetTable[]): Promise<RangeSet> {
    const prefixes = await this.pools.prefixesOf(trx, pool.id);
    const taken = [...(await trx.selectFrom('subnets').select('cidr').where('subnetpool_id', '=', pool.id).execute()), ...earlier.filter((e) => e.subnetpool_id === pool.id)];
    return difference(rangeSetOf(prefixes.map((p) => parseCidr(p)!)), rangeSetOf(taken.map((t) => parseCidr(t.cidr)!)));
  }

  /** subnetpool_id, or the default pool of the IP version when use_default_subnetpool asks for it. */
  private async poolIdOf(trx: Trx, ctx: RequestContext, item: ApiObject): Promise<string | null> {
    const poolId = given(item.subnetpool_id) ? (item.subnetpool_id as string) : null;
    if (item.use_default_subnetpool && poolId) throw badRequest('subnetpool_id and use_default_subnetpool cannot both be specified');
    if (poolId || !item.use_default_subnetpool) return poolId;
    const ipVersion = given(item.cidr) ? parseCidr(item.cidr as string)!.version : Number(item.ip_version);
    const pool = await this.pools.defaultPool(trx, ctx, ipVersion);
    if (!pool) throw badRequest(`No default subnetpool found for IPv${ipVersion}`);
    return pool.id;
  }

  /**
   * The pool's default_quota: how much of it one project may hold, in /32s (IPv4) or /64s
   * (IPv6). Neutron counts the pool owner's allocations here whoever asks (its
   * _allocations_used_by_project); the project the subnet is for is counted here, as the
   * quota's description says.
   */
  private async checkPoolQuota(trx: Trx, pool: SubnetPoolTable, project: string, prefixlen: number, earlier: SubnetTable[]): Promise<void> {
    const ipVersion = Number(pool.ip_version) as IpVersion;
    const mine = [
      ...(await trx.selectFrom('subnets').select('cidr').where('subnetpool_id', '=', pool.id).where('project_id', '=', project).execute()),
      ...earlier.filter((e) => e.subnetpool_id === pool.id && e.project_id === project),
    ];
    const used = mine.reduce((n, t) => n + quotaUnits(parseCidr(t.cidr)!), 0);
    if (used + quotaUnits({ version: ipVersion, network: 0n, prefixlen }) > Number(pool.default_quota)) throw SubnetPoolQuotaExceeded({});
  }

  /**
   * Neutron's network affinity: a network's subnets of one IP version come from one pool, or,
   * with address scopes, from pools of one scope.
   */
  private async checkAffinity(trx: Trx, item: ApiObject, pool: SubnetPoolTable | null, siblings: NetworkSubnet[], earlier: SubnetTable[]): Promise<void> {
    const networkId = item.network_id as string;
    const ipVersion = Number(item.ip_version);
    const mine = earlier.filter((e) => e.network_id === networkId);
    const existing: NetworkSubnet[] = [...siblings, ...mine.map((e) => ({ ...e, address_scope_id: null }))];
    if (!existing.length) return;
    // this request's earlier subnets carry no scope yet: their pools' are looked up
    const unknown = [...new Set(mine.map((e) => e.subnetpool_id).filter((p): p is string => p !== null))];
    const scopes = new Map(existing.filter((s) => s.subnetpool_id).map((s) => [s.subnetpool_id!, s.address_scope_id]));
    if (unknown.length) for (const p of await trx.selectFrom('subnetpools').select(['id', 'address_scope_id']).where('id', 'in', unknown).execute()) scopes.set(p.id, p.address_scope_id);
    const networkScope =
      existing
        .filter((s) => Number(s.ip_version) === ipVersion && s.subnetpool_id)
        .map((s) => scopes.get(s.subnetpool_id!) ?? null)
        .find((x) => x !== null) ?? null;
    if (networkScope && (!pool || pool.address_scope_id !== networkScope)) throw NetworkAddressScopeAffinityError({});
    for (const s of existing) {
      if (Number(s.ip_version) !== ipVersion) continue;
      if (pool ? s.subnetpool_id !== pool.id && !networkScope : s.subnetpool_id !== null) throw NetworkSubnetPoolAffinityError({});
    }
  }
}
