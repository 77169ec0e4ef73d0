// Fixed-IP allocation. Each subnet's free addresses are kept in memory as ranges (loaded from
// the database on first use), so picking an address is O(1) and never scans the subnet.
// The database's unique (subnet_id, ip_address) key is the final guard: another server, or a
// cache gone stale, makes the insert fail, the transaction is retried and the cache reloaded.
import type { UnitOfWork, Trx } from '../db/transaction.js';
import { formatIp, parseCidr, parseIp, type IpRange, type IpVersion } from '../common/ip-address.js';
import { FreeRanges } from './free-ranges.js';

export interface SubnetForIpam {
  id: string;
  cidr: string;
  allocation_pools: string; // JSON [{start,end}]
}

interface SubnetState {
  version: IpVersion;
  pools: IpRange[];
  free: FreeRanges;
  /** taken by transactions of this process that have not ended yet */
  pending: Set<bigint>;
}

const SPREAD = 64;
const CONTENDED_MS = 30_000;

export function poolsOf(subnet: SubnetForIpam): IpRange[] {
  const pools = JSON.parse(subnet.allocation_pools) as { start: string; end: string }[];
  return pools.map((p) => ({ first: parseIp(p.start)!.value, last: parseIp(p.end)!.value }));
}

export class IpAllocator {
  private readonly subnets = new Map<string, SubnetState>();
  /** survives invalidate(): in-flight allocations must not be handed out again after a reload */
  private readonly pendingBySubnet = new Map<string, Set<bigint>>();
  /**
   * Subnets where another server raced us (until this time): there every server picks one of
   * the lowest SPREAD free addresses at random instead of the lowest, so racing servers stop
   * choosing the same address, as Neutron's random window does.
   */
  private readonly contendedUntil = new Map<string, number>();

  private pendingOf(subnetId: string): Set<bigint> {
    let p = this.pendingBySubnet.get(subnetId);
    if (!p) this.pendingBySubnet.set(subnetId, (p = new Set()));
    return p;
  }

  private async load(trx: Trx, subnet: SubnetForIpam): Promise<SubnetState> {
    const cidr = parseCidr(subnet.cidr)!;
    const rows = await trx.selectFrom('ipallocations').select('ip_address').where('subnet_id', '=', subnet.id).execute();
    const pending = this.pendingOf(subnet.id);
    const used = rows.map((r) => parseIp(r.ip_address)!.value);
    const free = new FreeRanges(poolsOf(subnet), [...used, ...pending]);
    const state: SubnetState = { version: cidr.version, pools: poolsOf(subnet), free, pending };
    this.subnets.set(subnet.id, state);
    return state;
  }

  private async state(trx: Trx, subnet: SubnetForIpam): Promise<SubnetState> {
    return this.subnets.get(subnet.id) ?? (await this.load(trx, subnet));
  }

  private track(uow: UnitOfWork, subnetId: string, st: SubnetState, ip: bigint): void {
    st.pending.add(ip);
    uow.onCommit(() => st.pending.delete(ip));
    uow.onRollback(() => {
      st.pending.delete(ip);
      if (this.subnets.get(subnetId) === st) st.free.release(ip);
    });
  }

  /** The lowest free address of the subnet's pools, or null when they are full. */
  async allocateAny(trx: Trx, uow: UnitOfWork, subnet: SubnetForIpam): Promise<string | null> {
    let st = await this.state(trx, subnet);
    let ip = this.pick(subnet.id, st);
    if (ip === null) {
      // others may have freed addresses since we loaded: look again before saying "full"
      st = await this.load(trx, subnet);
      ip = this.pick(subnet.id, st);
      if (ip === null) return null;
    }
    this.track(uow, subnet.id, st, ip);
    return formatIp(st.version, ip);
  }

  /** Marks a caller-chosen address as taken in the cache (the caller has checked the database). */
  async allocateSpecific(trx: Trx, uow: UnitOfWork, subnet: SubnetForIpam, address: string): Promise<void> {
    const st = await this.state(trx, subnet);
    const ip = parseIp(address)!.value;
    if (st.free.takeSpecific(ip)) this.track(uow, subnet.id, st, ip);
  }

  /** Gives an address back once the transaction that freed it has committed. */
  release(uow: UnitOfWork, subnetId: string, address: string): void {
    uow.onCommit(() => {
      const st = this.subnets.get(subnetId);
      if (!st) return; // not cached: the next load reads the database
      const ip = parseIp(address)!.value;
      if (st.pools.some((p) => ip >= p.first && ip <= p.last)) st.free.release(ip);
    });
  }

  private pick(subnetId: string, st: SubnetState): bigint | null {
    const until = this.contendedUntil.get(subnetId);
    if (until === undefined || until < Date.now()) return st.free.take();
    const window = st.free.size < BigInt(SPREAD) ? Number(st.free.size) : SPREAD;
    return window === 0 ? null : st.free.takeNth(Math.floor(Math.random() * window));
  }

  /** Forget a subnet (deleted or pools changed). */
  invalidate(subnetId: string): void {
    this.subnets.delete(subnetId);
  }

  /** Another server took an address we thought free: reload, and spread picks for a while. */
  raced(subnetId: string): void {
    this.subnets.delete(subnetId);
    this.contendedUntil.set(subnetId, Date.now() + CONTENDED_MS);
  }
}
