// What the L3 plugin says when the core plugin deletes a port through the port API (Neutron's
// prevent_l3_port_deletion, disassociate_floatingips and prevent_internal_ip_change_for_fip
// callbacks) or changes a subnet.
import { BadRequest, ServicePortInUse } from '../../api/errors.js';
import type { Logger } from 'pino';
import type { Db } from '../../db/connection.js';
import type { IpAllocationTable, PortTable, SubnetTable } from '../../db/schema.js';
import type { PortDeleteHook } from '../ml2/ports.js';
import type { Trx } from '../../db/transaction.js';
import { DEVICE_OWNER_FLOATINGIP, L3_DEVICE_OWNERS } from './device-owners.js';
import type { FloatingIpPlugin } from './floating-ips.js';
import { L3Changes, type L3Announcer } from './l3-changes.js';

/** Router and floating IP ports go with their router or floating IP, not through DELETE /ports (409 ServicePortInUse). */
export const preventL3PortDeletion: PortDeleteHook = async (trx: Trx, port: PortTable) => {
  if (!L3_DEVICE_OWNERS.includes(port.device_owner)) return;
  // a port left behind by a router or floating IP that is gone may go
  const owner =
    port.device_owner === DEVICE_OWNER_FLOATINGIP
      ? await trx.selectFrom('floatingips').select('id').where('id', '=', port.device_id).executeTakeFirst()
      : await trx.selectFrom('routers').select('id').where('id', '=', port.device_id).executeTakeFirst();
  if (owner) throw ServicePortInUse({ port_id: port.id, reason: `has device owner ${port.device_owner}` });
};

/** Floating IPs on the port let go of it; their routers' agents hear of it after commit. */
export function disassociateOnPortDelete(fips: FloatingIpPlugin): PortDeleteHook {
  return async (trx, port) => {
    const routers = await fips.disassociateFromPort(trx, port.id);
    if (routers.length) return () => fips.routersChanged(routers);
  };
}

/** A port may not lose the fixed IP a floating IP is associated with (400, as Neutron). */
export async function keepFloatingIpAddress(trx: Trx, port: PortTable, ips: IpAllocationTable[]): Promise<void> {
  const fips = await trx.selectFrom('floatingips').select('fixed_ip_address').where('fixed_port_id', '=', port.id).execute();
  if (fips.some((f) => !ips.some((i) => i.ip_address === f.fixed_ip_address))) {
    throw BadRequest({ resource: 'port', msg: `Cannot update the fixed_ips of the port ${port.id}, because its original fixed_ip has been associated to a floating ip` });
  }
}

/** A subnet's gateway_ip changed: the agents of routers with ports on it re-read it (a gateway's default route follows it). */
export function routersOnSubnetChanged(db: Db, announcer: L3Announcer, log: Logger): (before: SubnetTable, after: SubnetTable) => void {
  return (before, after) => {
    if (before.gateway_ip === after.gateway_ip) return;
    void (async () => {
      const rows = await db.kysely
        .selectFrom('routerports as rp')
        .innerJoin('ipallocations as a', 'a.port_id', 'rp.port_id')
        .select('rp.router_id')
        .where('a.subnet_id', '=', after.id)
        .distinct()
        .execute();
      const changes = new L3Changes();
      rows.forEach((r) => changes.routersUpdated.add(r.router_id));
      await announcer.announce(changes);
    })().catch((err: Error) => log.warn({ event: 'l3.notify_failed', subnet_id: after.id, err: err.message }, 'could not tell L3 agents about a subnet gateway change'));
  };
}
