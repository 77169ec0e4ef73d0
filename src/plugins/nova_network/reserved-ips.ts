// `fixed reserve|unreserve`: a reserved fixed IP is held by a port of no instance
// (device_owner network:reserved), so IPAM on every server skips it — the database's unique
// (subnet, address) key guards it even against a server whose free-address cache is stale.
import { adminContext } from '../../api/context.js';
import { createItems } from '../../api/request-body.js';
import { ALLOW_ALL } from '../../api/resource.js';
import { cidrContains, cidrLast, formatIp, parseCidr, parseIp } from '../../common/ip-address.js';
import { inTransaction } from '../../db/transaction.js';
import type { CoreParts } from './core-parts.js';
import type { Services } from '../services.js';
import { FixedIpNotFoundForAddress, FixedIpNotReservable, FixedIpNotReserved, InvalidNovaArgument } from './errors.js';

export const DEVICE_OWNER_RESERVED = 'network:reserved';

export interface ReservedIp {
  address: string;
  networkId: string;
  portId: string;
}

export class ReservedIps {
  constructor(
    private readonly s: Services,
    private readonly core: CoreParts,
  ) {}

  /** The nova network subnet holding the address. */
  private async subnetOf(address: string) {
    const ip = parseIp(address);
    if (ip?.version !== 4) throw InvalidNovaArgument({ option: '--address', msg: `'${address}' is not an IPv4 address` });
    const subnets = await this.s.db.kysely
      .selectFrom('nova_networks as m')
      .innerJoin('subnets as s', 's.network_id', 'm.network_id')
      .select(['s.id', 's.network_id', 's.cidr', 's.gateway_ip', 's.project_id'])
      .where('s.ip_version', '=', 4)
      .execute();
    const subnet = subnets.find((s) => cidrContains(parseCidr(s.cidr)!, ip));
    if (!subnet) throw FixedIpNotFoundForAddress({ address });
    const text = formatIp(4, ip.value);
    const cidr = parseCidr(subnet.cidr)!;
    if (ip.value === cidr.network) throw FixedIpNotReservable({ address: text, why: `it is the network address of ${subnet.cidr}` });
    if (ip.value === cidrLast(cidr)) throw FixedIpNotReservable({ address: text, why: `it is the broadcast address of ${subnet.cidr}` });
    if (text === subnet.gateway_ip) throw FixedIpNotReservable({ address: text, why: `it is the gateway of ${subnet.cidr}` });
    return { ...subnet, address: text };
  }

  async reserve(address: string): Promise<ReservedIp> {
    const subnet = await this.subnetOf(address);
    const ctx = adminContext(subnet.project_id, 'neutrino-manage');
    const holder = await this.s.db.kysely
      .selectFrom('ipallocations as a')
      .innerJoin('ports as p', 'p.id', 'a.port_id')
      .select(['p.id', 'p.device_owner', 'p.device_id'])
      .where('a.subnet_id', '=', subnet.id)
      .where('a.ip_address', '=', subnet.address)
      .executeTakeFirst();
    if (holder?.device_owner === DEVICE_OWNER_RESERVED) throw FixedIpNotReservable({ address: subnet.address, why: 'it is reserved already' });
    if (holder) throw FixedIpNotReservable({ address: subnet.address, why: `port ${holder.id} (${holder.device_owner || 'no owner'} ${holder.device_id}) holds it; release it first` });
    const body = {
      port: {
        network_id: subnet.network_id,
        name: `reserved ${subnet.address}`,
        device_owner: DEVICE_OWNER_RESERVED,
        device_id: 'reserved',
        security_groups: [],
        fixed_ips: [{ subnet_id: subnet.id, ip_address: subnet.address }],
      },
    };
    // inside our own transaction: a reservation is the network's, not counted to a quota
    const port = await inTransaction(this.s.db, async (trx, uow) => {
      const { items } = createItems(this.core.ports.def, body, ctx);
      const [port] = await this.core.ports.create(ctx, items, ALLOW_ALL, { trx, uow });
      return port;
    });
    this.s.log.info({ event: 'fixed_ip.reserve', address: subnet.address, port_id: port.id, network_id: subnet.network_id }, 'fixed IP reserved');
    return { address: subnet.address, networkId: subnet.network_id, portId: port.id as string };
  }

  async unreserve(address: string): Promise<ReservedIp> {
    const subnet = await this.subnetOf(address);
    const port = await this.s.db.kysely
      .selectFrom('ipallocations as a')
      .innerJoin('ports as p', 'p.id', 'a.port_id')
      .select(['p.id', 'p.project_id'])
      .where('a.subnet_id', '=', subnet.id)
      .where('a.ip_address', '=', subnet.address)
      .where('p.device_owner', '=', DEVICE_OWNER_RESERVED)
      .executeTakeFirst();
    if (!port) throw FixedIpNotReserved({ address: subnet.address });
    await this.core.ports.delete(adminContext(port.project_id, 'neutrino-manage'), port.id, null, ALLOW_ALL);
    this.s.log.info({ event: 'fixed_ip.unreserve', address: subnet.address, port_id: port.id, network_id: subnet.network_id }, 'fixed IP unreserved');
    return { address: subnet.address, networkId: subnet.network_id, portId: port.id };
  }

  /** Reserved addresses, for `network list` and the compute API's os-fixed-ips. */
  async isReserved(address: string): Promise<boolean> {
    const r = await this.s.db.kysely
      .selectFrom('ipallocations as a')
      .innerJoin('ports as p', 'p.id', 'a.port_id')
      .select('p.id')
      .where('a.ip_address', '=', address)
      .where('p.device_owner', '=', DEVICE_OWNER_RESERVED)
      .executeTakeFirst();
    return r !== undefined;
  }
}
