// A port's fixed IPs: which addresses it gets (what it asked for, or the lowest free one per
// IP version; SLAAC addresses from its MAC) and writing them, through the IP allocator.
import { InvalidInput, InvalidIpForNetwork, InvalidIpForSubnet, IpAddressAlreadyAllocated, IpAddressGenerationFailure } from '../../api/errors.js';
import { NOT_SPECIFIED } from '../../api/resource.js';
import { uniqueViolation } from '../../db/connection.js';
import type { IpAllocationTable, NetworkTable, SubnetTable } from '../../db/schema.js';
import { cidrContains, eui64Address, formatIp, parseCidr, parseIp, usableRange } from '../../common/ip-address.js';
import type { Services } from '../services.js';
import { rowInsert } from '../../db/statement.js';
import type { Trx, UnitOfWork } from '../../db/transaction.js';
import { ROUTER_OWNERS } from '../../contract/device-owners.js';
import { isSlaac } from './networks.js';
import { subnetsForOwner } from './subnet-service-types.js';

export interface FixedIpSpec {
  subnet_id?: string;
  ip_address?: string;
}

const INSERT_ALLOCATION = rowInsert('ipallocations');

export function subnetsOf(trx: Trx, networkId: string): Promise<SubnetTable[]> {
  return trx.selectFrom('subnets').selectAll().where('network_id', '=', networkId).orderBy('created_at').orderBy('id').execute();
}

export class FixedIps {
  constructor(private readonly s: Services) {}

  /** Picks addresses for a port: what it asked for, or one per IP version (SLAAC: every SLAAC subnet). */
  async allocate(
    trx: Trx,
    uow: UnitOfWork,
    network: NetworkTable,
    portId: string,
    mac: string,
    deviceOwner: string,
    wanted: FixedIpSpec[] | typeof NOT_SPECIFIED,
    keep: IpAllocationTable[] = [],
    known?: SubnetTable[],
  ): Promise<IpAllocationTable[]> {
    // subnet-service-types: only the subnets that serve this device owner
    const subnets = subnetsForOwner(known ?? (await subnetsOf(trx, network.id)), network.id, deviceOwner);
    const byId = new Map(subnets.map((s) => [s.id, s]));
    const out: IpAllocationTable[] = [];
    const alloc = (subnet: SubnetTable, ip: string) => out.push({ port_id: portId, subnet_id: subnet.id, network_id: network.id, ip_address: ip });

    const any = async (subnet: SubnetTable): Promise<string | null> => (isSlaac(subnet) ? formatIp(6, eui64Address(parseCidr(subnet.cidr)!, mac)) : this.s.ipam.allocateAny(trx, uow, subnet));

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

  forgetSubnetsOnClash(e: unknown, rows: IpAllocationTable[]): void {
    if (uniqueViolation(e)?.includes('ipallocations')) for (const s of new Set(rows.map((r) => r.subnet_id))) this.s.ipam.raced(s);
  }

  /** Inserts allocations; a unique-key clash means our cache of that subnet was stale. */
  async insert(trx: Trx, rows: IpAllocationTable[]): Promise<void> {
    if (!rows.length) return;
    try {
      if (rows.length === 1) await INSERT_ALLOCATION.run(this.s.db, trx, rows[0]);
      else await trx.insertInto('ipallocations').values(rows).execute();
    } catch (e) {
      this.forgetSubnetsOnClash(e, rows);
      throw e;
    }
  }
}

/** Orders a port's addresses as Neutron shows them: IPv4 first, then by value. */
export function byAddress(a: IpAllocationTable, b: IpAllocationTable): number {
  const x = parseIp(a.ip_address)!;
  const y = parseIp(b.ip_address)!;
  if (x.version !== y.version) return x.version - y.version;
  return x.value < y.value ? -1 : x.value > y.value ? 1 : 0;
}
