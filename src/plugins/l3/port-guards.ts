// What the L3 plugin says when a port is deleted through the port API (Neutron's
// prevent_l3_port_deletion and disassociate_floatingips callbacks).
import { ServicePortInUse } from '../../api/errors.js';
import type { PortTable } from '../../db/schema.js';
import type { PortDeleteHook } from '../ml2/ports.js';
import type { Trx } from '../transaction.js';
import { DEVICE_OWNER_FLOATINGIP, L3_DEVICE_OWNERS } from './device-owners.js';
import type { FloatingIpPlugin } from './floating-ips.js';

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
