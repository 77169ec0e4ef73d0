// nova-network's floating pools on the core model: a pool is an external network named after
// it (flat on the physical network named after the pool's interface), each `floating create`
// range a subnet of it. Its addresses become Neutron floating IPs when allocated.
import { randomUUID } from 'node:crypto';
import { adminContext } from '../../api/context.js';
import { InvalidInput } from '../../api/errors.js';
import { cidrLast, formatCidr, formatIp, parseCidr, parseIp } from '../../common/ip-address.js';
import { timestamp } from '../../common/time.js';
import type { NetworkTable, SubnetTable } from '../../db/schema.js';
import { inTransaction, type Trx } from '../../db/transaction.js';
import type { Services } from '../services.js';
import { FloatingRangeConflict, FloatingRangeInUse, FloatingRangeNotFound, InvalidNovaArgument } from './errors.js';
import { NO_PROJECT } from './nova-networks.js';

export interface FloatingAddress {
  address: string;
  pool: string;
  interface: string;
  /** the project that allocated it, null while free */
  projectId: string | null;
  /** the instance (port device_id) it is associated with */
  instanceId: string | null;
  host: string | null;
}

export interface FloatingRange {
  range: string;
  pool: string;
  interface: string;
  networkId: string;
  subnetId: string;
  addresses: number;
}

/** The most addresses one range may have: `floating list` shows each. */
const MAX_RANGE_PREFIX = 16;

function parseRange(text: string) {
  const c = parseCidr(text ?? '');
  if (!text || !c || c.version !== 4 || !text.includes('/')) throw InvalidNovaArgument({ option: '--ip_range', msg: `'${text ?? ''}' is not an IPv4 range in CIDR form (e.g. 172.24.4.0/28)` });
  if (c.hostBitsSet) throw InvalidNovaArgument({ option: '--ip_range', msg: `${text} has host bits set; did you mean ${formatCidr(c)}?` });
  if (c.prefixlen < MAX_RANGE_PREFIX) throw InvalidNovaArgument({ option: '--ip_range', msg: `${text} is larger than a /${MAX_RANGE_PREFIX}; create it as several ranges` });
  if (c.prefixlen > 30) throw InvalidNovaArgument({ option: '--ip_range', msg: `${text} has no usable address; use at most a /30` });
  return c;
}

export class FloatingPools {
  constructor(private readonly s: Services) {}

  /** `floating create`: the pool's network is made on first use; the range is a subnet of it. */
  async create(ipRange: string, pool: string, iface: string, gateway: string | null = null): Promise<FloatingRange> {
    const c = parseRange(ipRange);
    // Neutrino's addition: the upstream router of the range, for the mode gateway's default route
    // (nova's network host used its own routing table; a router namespace needs the route)
    const gw = gateway === null ? null : parseIp(gateway);
    if (gateway !== null && (!gw || gw.version !== 4 || gw.value <= c.network || gw.value >= cidrLast(c))) {
      throw InvalidNovaArgument({ option: '--gateway', msg: `'${gateway}' is not a host address of ${formatCidr(c)}` });
    }
    if (!pool?.trim()) throw InvalidNovaArgument({ option: '--pool', msg: 'a pool name is required (or set [DEFAULT] default_floating_pool)' });
    if (!iface || !/^[^\s/:]{1,15}$/.test(iface)) throw InvalidNovaArgument({ option: '--interface', msg: `'${iface ?? ''}' is not a Linux interface name (or set [DEFAULT] public_interface)` });
    const range = formatCidr(c);
    const seg = { network_type: 'flat', physical_network: iface, segmentation_id: null };
    if (!this.s.types.drivers.has('flat')) throw InvalidInput({ msg: 'floating pools are flat external networks, but [ml2] type_drivers does not load flat' });
    try {
      this.s.types.validate([seg]);
    } catch (e) {
      throw InvalidInput({ msg: `${(e as Error).message.replace(/\.$/, '')}; add ${iface} to [ml2_type_flat] flat_networks` });
    }
    const ctx = adminContext(NO_PROJECT, 'neutrino-manage');
    const made = await inTransaction(this.s.db, async (trx, uow) => {
      for (const o of await trx.selectFrom('subnets as s').innerJoin('networks as n', 'n.id', 's.network_id').select(['s.cidr', 'n.name']).where('s.ip_version', '=', 4).execute()) {
        const oc = parseCidr(o.cidr)!;
        if (oc.network <= cidrLast(c) && cidrLast(oc) >= c.network) throw FloatingRangeConflict({ range, other: o.cidr, pool: o.name });
      }
      const now = timestamp();
      let network = await this.poolNetwork(trx, pool);
      if (network) {
        const onIface = await trx.selectFrom('networksegments').select('physical_network').where('network_id', '=', network.id).executeTakeFirst();
        if (onIface?.physical_network !== iface) throw InvalidNovaArgument({ option: '--interface', msg: `pool ${pool} is on ${onIface?.physical_network ?? '(none)'}; its ranges share it` });
      } else {
        const taken = await trx.selectFrom('ml2_segment_allocations').select('network_id').where('network_type', '=', 'flat').where('physical_network', '=', iface).executeTakeFirst();
        if (taken) throw InvalidNovaArgument({ option: '--interface', msg: `${iface} already carries network ${taken.network_id}; give pool ${pool} another interface` });
        network = {
          id: randomUUID(),
          project_id: NO_PROJECT,
          name: pool,
          description: 'nova-network floating pool',
          created_at: now,
          updated_at: now,
          revision_number: 0,
          status: 'ACTIVE',
          admin_state_up: 1,
          shared: 0,
          router_external: 1,
          mtu: this.s.types.maxMtu([seg]),
          port_security_enabled: 1,
        };
        await trx.insertInto('networks').values(network).execute();
        await trx
          .insertInto('networksegments')
          .values({ id: randomUUID(), network_id: network.id, ...seg, segment_index: 0 })
          .execute();
        await trx.insertInto('ml2_segment_allocations').values({ network_type: 'flat', physical_network: iface, segmentation_id: 0, network_id: network.id }).execute();
        await this.s.callbacks.publish('network', 'precommit_create', { context: ctx, trx, uow, networks: [network] });
      }
      const { first, last } = { first: c.network + 1n, last: cidrLast(c) - 1n };
      const pools = gw
        ? [
            { start: first, end: gw.value - 1n },
            { start: gw.value + 1n, end: last },
          ].filter((p) => p.start <= p.end)
        : [{ start: first, end: last }];
      const subnet: SubnetTable = {
        id: randomUUID(),
        project_id: NO_PROJECT,
        name: `${pool} ${range}`,
        description: '',
        created_at: now,
        updated_at: now,
        revision_number: 0,
        network_id: network.id,
        ip_version: 4,
        cidr: range,
        // as nova: every host address of the range floats (but --gateway's); the network host routes them
        gateway_ip: gw ? formatIp(4, gw.value) : null,
        enable_dhcp: 0,
        ipv6_ra_mode: null,
        ipv6_address_mode: null,
        allocation_pools: JSON.stringify(pools.map((p) => ({ start: formatIp(4, p.start), end: formatIp(4, p.end) }))),
        dns_nameservers: '[]',
        host_routes: '[]',
        subnetpool_id: null,
      };
      await trx.insertInto('subnets').values(subnet).execute();
      await trx.insertInto('nova_floating_ranges').values({ subnet_id: subnet.id, interface: iface }).execute();
      return { network, subnet, addresses: Number(last - first + 1n) - (gw ? 1 : 0) };
    });
    this.s.log.info({ event: 'floating_range.create', network_id: made.network.id, subnet_id: made.subnet.id, range, pool }, 'floating range created');
    return { range, pool, interface: iface, networkId: made.network.id, subnetId: made.subnet.id, addresses: made.addresses };
  }

  /** The external network of a pool, by name. */
  private async poolNetwork(trx: Trx, pool: string): Promise<NetworkTable | undefined> {
    return (await trx.selectFrom('networks').selectAll().where('name', '=', pool).where('router_external', '=', 1).orderBy('created_at').executeTakeFirst()) as NetworkTable | undefined;
  }

  async ranges(): Promise<FloatingRange[]> {
    const rows = await this.s.db.kysely
      .selectFrom('nova_floating_ranges as f')
      .innerJoin('subnets as s', 's.id', 'f.subnet_id')
      .innerJoin('networks as n', 'n.id', 's.network_id')
      .select(['s.id as subnet_id', 's.cidr', 'n.id as network_id', 'n.name', 'f.interface'])
      .execute();
    return rows
      .map((r) => {
        const c = parseCidr(r.cidr)!;
        return { range: r.cidr, pool: r.name, interface: r.interface, networkId: r.network_id, subnetId: r.subnet_id, addresses: Number(cidrLast(c) - c.network - 1n) };
      })
      .sort((a, b) => (parseCidr(a.range)!.network < parseCidr(b.range)!.network ? -1 : 1));
  }

  /** `floating list [--host H]`: every address of every range (free ones too, as nova), or those on H's instances. */
  async list(host?: string): Promise<FloatingAddress[]> {
    const ranges = await this.ranges();
    const fips = ranges.length
      ? await this.s.db.kysely
          .selectFrom('floatingips as f')
          .leftJoin('ports as p', 'p.id', 'f.fixed_port_id')
          .leftJoin('ml2_port_bindings as b', 'b.port_id', 'f.fixed_port_id')
          .select(['f.floating_ip_address', 'f.project_id', 'p.device_id', 'b.host'])
          .where(
            'f.floating_network_id',
            'in',
            ranges.map((r) => r.networkId),
          )
          .execute()
      : [];
    const byAddress = new Map(fips.map((f) => [f.floating_ip_address, f]));
    const out: FloatingAddress[] = [];
    for (const r of ranges) {
      const c = parseCidr(r.range)!;
      for (let v = c.network + 1n; v < cidrLast(c); v++) {
        const address = formatIp(4, v);
        const f = byAddress.get(address);
        const entry = { address, pool: r.pool, interface: r.interface, projectId: f?.project_id ?? null, instanceId: f?.device_id || null, host: f?.host || null };
        if (host === undefined || entry.host === host) out.push(entry);
      }
    }
    return out;
  }

  /** `floating delete --ip_range`: refused while an address of it is allocated; the pool goes with its last range. */
  async delete(ipRange: string): Promise<FloatingRange> {
    const range = formatCidr(parseRange(ipRange));
    const found = (await this.ranges()).find((r) => r.range === range);
    if (!found) throw FloatingRangeNotFound({ range });
    const ctx = adminContext(NO_PROJECT, 'neutrino-manage');
    const networkGone = await inTransaction(this.s.db, async (trx, uow) => {
      const used = await trx
        .selectFrom('ipallocations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('subnet_id', '=', found.subnetId)
        .executeTakeFirstOrThrow();
      if (Number(used.n)) throw FloatingRangeInUse({ range, count: Number(used.n) });
      await trx.deleteFrom('subnets').where('id', '=', found.subnetId).execute();
      const left = await trx.selectFrom('subnets').select('id').where('network_id', '=', found.networkId).executeTakeFirst();
      if (left) return false;
      const network = (await trx.selectFrom('networks').selectAll().where('id', '=', found.networkId).executeTakeFirstOrThrow()) as NetworkTable;
      const ports = await trx.selectFrom('ports').select('id').where('network_id', '=', network.id).executeTakeFirst();
      if (ports) return false;
      await this.s.callbacks.publish('network', 'precommit_delete', { context: ctx, trx, uow, network });
      await trx.deleteFrom('networks').where('id', '=', network.id).execute();
      return true;
    });
    this.s.ipam.invalidate(found.subnetId);
    this.s.log.info({ event: 'floating_range.delete', subnet_id: found.subnetId, range, pool: found.pool, network_deleted: networkGone }, 'floating range deleted');
    if (networkGone) await this.s.callbacks.publish('network', 'after_delete', { context: ctx, networkId: found.networkId });
    return found;
  }
}
