// network-ip-availability: total and used addresses per network and subnet.
import type { Db } from '../../db/connection.js';
import { poolsOf } from '../../ipam/allocator.js';

/** Query filters: network_id, network_name, project_id / tenant_id, ip_version; each one value or several. */
export type IpAvailabilityFilters = Record<string, string | string[] | undefined>;

export type SubnetIpAvailability = {
  subnet_id: string;
  subnet_name: string;
  cidr: string;
  ip_version: number;
  total_ips: bigint;
  used_ips: number;
};

// a type, not an interface, so that it passes as a policy target (an index signature)
export type NetworkIpAvailability = {
  network_id: string;
  network_name: string;
  tenant_id: string;
  project_id: string;
  total_ips: bigint;
  used_ips: number;
  subnet_ip_availability: SubnetIpAvailability[];
};

export class IpAvailability {
  constructor(private readonly db: Db) {}

  /** The matching networks with their subnets' totals (BigInt: an IPv6 pool passes 2^53). */
  async networks(filters: IpAvailabilityFilters): Promise<NetworkIpAvailability[]> {
    let nq = this.db.kysely.selectFrom('networks').select(['id', 'name', 'project_id']);
    const vals = (k: string) => {
      const v = filters[k];
      return v === undefined ? undefined : Array.isArray(v) ? v : [v];
    };
    if (vals('network_id')) nq = nq.where('id', 'in', vals('network_id')!);
    if (vals('network_name')) nq = nq.where('name', 'in', vals('network_name')!);
    const projects = vals('project_id') ?? vals('tenant_id');
    if (projects) nq = nq.where('project_id', 'in', projects);
    const networks = await nq.orderBy('id').execute();
    if (!networks.length) return [];
    const ids = networks.map((n) => n.id);
    let sq = this.db.kysely.selectFrom('subnets').selectAll().where('network_id', 'in', ids);
    const versions = vals('ip_version');
    if (versions) sq = sq.where('ip_version', 'in', versions.map(Number));
    const subnets = await sq.orderBy('created_at').execute();
    const used = await this.db.kysely
      .selectFrom('ipallocations')
      .select(['subnet_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('network_id', 'in', ids)
      .groupBy('subnet_id')
      .execute();
    const usedBy = new Map(used.map((u) => [u.subnet_id, Number(u.n)]));
    return networks
      .map((n) => {
        const mine = subnets.filter((s) => s.network_id === n.id);
        const subnetInfo = mine.map((s) => ({
          subnet_id: s.id,
          subnet_name: s.name,
          cidr: s.cidr,
          ip_version: s.ip_version,
          total_ips: poolsOf(s).reduce((acc, p) => acc + (p.last - p.first + 1n), 0n),
          used_ips: usedBy.get(s.id) ?? 0,
        }));
        return {
          network_id: n.id,
          network_name: n.name,
          tenant_id: n.project_id,
          project_id: n.project_id,
          total_ips: subnetInfo.reduce((a, s) => a + s.total_ips, 0n),
          used_ips: subnetInfo.reduce((a, s) => a + s.used_ips, 0),
          subnet_ip_availability: subnetInfo,
        };
      })
      .filter((n) => !versions || n.subnet_ip_availability.length > 0);
  }
}
