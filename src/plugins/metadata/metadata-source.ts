// Where the metadata service's answers come from: which port a request came from (the
// metadata agent's RPC, as Neutron's agent asks get_ports), and everything an instance's trees
// say about it, read in a fixed number of queries. What an instance's trees say is kept for
// [DEFAULT] metadata_cache_expiration seconds (Nova's [api] option of that name: cloud-init asks
// a dozen paths in a row at boot); who is asking — the port behind a source address — is never
// cached, so an address given to a new instance is answered for the new one from its first request.
import { DEVICE_OWNER_NETWORK_PREFIX, DEVICE_OWNER_ROUTER_INTF } from '../../contract/device-owners.js';
import type { MetadataPort, MetadataPortQuery } from '../../contract/metadata.js';
import { normalizeIp } from '../../common/ip-address.js';
import type { Services } from '../services.js';
import type { InstanceMetadata, MetadataSubnet } from './metadata-tree.js';

/** Most instances whose data is kept at once; past it the oldest entry goes. */
const CACHE_MAX = 10_000;

export class MetadataSource {
  private readonly ttlMs: number;
  private readonly cache = new Map<string, { md: InstanceMetadata; until: number }>();

  constructor(private readonly s: Services) {
    this.ttlMs = s.config.int('DEFAULT', 'metadata_cache_expiration') * 1000;
  }

  /**
   * The instance port holding ip_address on the network, or on a network the router has an
   * interface on. null when none does — or when more than one does: the answer must never be
   * another instance's.
   */
  async portOf(q: MetadataPortQuery): Promise<MetadataPort | null> {
    const ip = typeof q.ip_address === 'string' ? normalizeIp(q.ip_address) : null;
    if (!ip || (q.router_id === undefined) === (q.network_id === undefined)) return null;
    const k = this.s.db.kysely;
    // one query: the router's networks are a subquery (its interfaces' ports)
    const ports = await k
      .selectFrom('ipallocations as a')
      .innerJoin('ports as p', 'p.id', 'a.port_id')
      .select(['p.id', 'p.network_id', 'p.device_id', 'p.project_id'])
      .where('a.ip_address', '=', ip)
      .where('p.device_owner', 'not like', `${DEVICE_OWNER_NETWORK_PREFIX}%`)
      .where(
        'a.network_id',
        'in',
        q.network_id !== undefined
          ? [String(q.network_id)]
          : k
              .selectFrom('routerports as rp')
              .innerJoin('ports as rpp', 'rpp.id', 'rp.port_id')
              .select('rpp.network_id')
              .where('rp.router_id', '=', String(q.router_id))
              .where('rp.port_type', '=', DEVICE_OWNER_ROUTER_INTF),
      )
      .execute();
    if (ports.length !== 1 || !ports[0].device_id) return null;
    const p = ports[0];
    return { port_id: p.id, network_id: p.network_id, device_id: p.device_id, project_id: p.project_id };
  }

  /**
   * The instance as the metadata service answers it: from the cache when read less than
   * metadata_cache_expiration seconds ago (an unknown instance is not remembered: one recorded
   * a moment later is found at once).
   */
  async instance(id: string): Promise<InstanceMetadata | null> {
    if (this.ttlMs <= 0) return this.readInstance(id);
    const now = Date.now();
    const hit = this.cache.get(id);
    if (hit && hit.until > now) return hit.md;
    const md = await this.readInstance(id);
    this.cache.delete(id);
    if (md) {
      if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(id, { md, until: now + this.ttlMs });
    }
    return md;
  }

  /** Drops what is kept of an instance (its record was deleted). */
  forget(id: string): void {
    this.cache.delete(id);
  }

  /** The instance with its ports (only its own project's), their subnets and floating IPs, read now; null when unknown. */
  async readInstance(id: string): Promise<InstanceMetadata | null> {
    const k = this.s.db.kysely;
    const inst = await k.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirst();
    if (!inst) return null;
    const ports = await k
      .selectFrom('ports as p')
      .innerJoin('networks as n', 'n.id', 'p.network_id')
      .select(['p.id', 'p.mac_address', 'p.network_id', 'n.mtu', 'p.created_at'])
      .where('p.device_id', '=', id)
      .where('p.project_id', '=', inst.project_id)
      .where('p.device_owner', 'not like', `${DEVICE_OWNER_NETWORK_PREFIX}%`)
      .orderBy('p.created_at')
      .orderBy('p.id')
      .execute();
    const portIds = ports.map((p) => p.id);
    const [allocs, fips] = portIds.length
      ? await Promise.all([
          k.selectFrom('ipallocations').selectAll().where('port_id', 'in', portIds).execute(),
          k.selectFrom('floatingips').select(['fixed_port_id', 'floating_ip_address']).where('fixed_port_id', 'in', portIds).execute(),
        ])
      : [[], []];
    const subnetIds = [...new Set(allocs.map((a) => a.subnet_id))];
    const subnets = new Map<string, MetadataSubnet>();
    if (subnetIds.length) {
      for (const s of await k.selectFrom('subnets').selectAll().where('id', 'in', subnetIds).execute()) {
        subnets.set(s.id, {
          id: s.id,
          cidr: s.cidr,
          ip_version: s.ip_version === 6 ? 6 : 4,
          gateway_ip: s.gateway_ip,
          enable_dhcp: Boolean(s.enable_dhcp),
          ipv6_address_mode: s.ipv6_address_mode,
          dns_nameservers: JSON.parse(s.dns_nameservers) as string[],
          host_routes: JSON.parse(s.host_routes) as { destination: string; nexthop: string }[],
        });
      }
    }
    return {
      id: inst.id,
      name: inst.name,
      hostname: inst.hostname,
      project_id: inst.project_id,
      availability_zone: inst.availability_zone,
      key_name: inst.key_name,
      public_keys: JSON.parse(inst.public_keys) as Record<string, string>,
      meta: JSON.parse(inst.meta) as Record<string, string>,
      user_data: inst.user_data,
      created_at: inst.created_at,
      ports: ports.map((p) => ({
        id: p.id,
        mac_address: p.mac_address,
        network_id: p.network_id,
        mtu: Number(p.mtu),
        fixed_ips: allocs
          .filter((a) => a.port_id === p.id && subnets.has(a.subnet_id))
          .map((a) => ({ ip_address: a.ip_address, subnet: subnets.get(a.subnet_id)! }))
          .sort((a, b) => a.subnet.ip_version - b.subnet.ip_version),
        floating_ips: fips.filter((f) => f.fixed_port_id === p.id).map((f) => f.floating_ip_address),
      })),
    };
  }
}
