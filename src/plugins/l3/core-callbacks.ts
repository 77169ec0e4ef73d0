// What the L3 plugin says when the core plugin deletes a port through the port API (Neutron's
// prevent_l3_port_deletion, disassociate_floatingips and prevent_internal_ip_change_for_fip
// callbacks) or changes a subnet.
import { BadRequest, ServicePortInUse } from '../../api/errors.js';
import type { Logger } from 'pino';
import { DEVICE_OWNER_FLOATINGIP, DEVICE_OWNER_ROUTER_DVR_INTF, DEVICE_OWNER_ROUTER_HA_INTF, DEVICE_OWNER_ROUTER_INTF, L3_DEVICE_OWNERS } from '../../contract/device-owners.js';
import type { Db } from '../../db/connection.js';
import type { IpAllocationTable, PortTable, SubnetTable } from '../../db/schema.js';
import type { Trx } from '../../db/transaction.js';
import type { CallbackRegistry } from '../callbacks/registry.js';
import type { FloatingIpPlugin } from './floating-ips.js';
import { L3Changes, type L3Announcer } from './l3-changes.js';

/** Router and floating IP ports go with their router or floating IP, not through DELETE /ports (409 ServicePortInUse). */
async function preventL3PortDeletion(trx: Trx, port: PortTable): Promise<void> {
  if (!L3_DEVICE_OWNERS.includes(port.device_owner)) return;
  // a port left behind by a router or floating IP that is gone may go
  const owner =
    port.device_owner === DEVICE_OWNER_FLOATINGIP
      ? await trx.selectFrom('floatingips').select('id').where('id', '=', port.device_id).executeTakeFirst()
      : await trx.selectFrom('routers').select('id').where('id', '=', port.device_id).executeTakeFirst();
  if (owner) throw ServicePortInUse({ port_id: port.id, reason: `has device owner ${port.device_owner}` });
}

/** A port may not lose the fixed IP a floating IP is associated with (400, as Neutron). */
async function keepFloatingIpAddress(trx: Trx, port: PortTable, ips: IpAllocationTable[]): Promise<void> {
  const fips = await trx.selectFrom('floatingips').select('fixed_ip_address').where('fixed_port_id', '=', port.id).execute();
  if (fips.some((f) => !ips.some((i) => i.ip_address === f.fixed_ip_address))) {
    throw BadRequest({ resource: 'port', msg: `Cannot update the fixed_ips of the port ${port.id}, because its original fixed_ip has been associated to a floating ip` });
  }
}

/** Router ports whose addresses only the router API changes (Neutron's IP_UPDATE_NOT_ALLOWED_LIST, l3-port-ip-change-not-allowed); gateways may. */
const IP_UPDATE_NOT_ALLOWED = [DEVICE_OWNER_ROUTER_INTF, 'network:router_ha_interface', DEVICE_OWNER_ROUTER_HA_INTF, 'network:router_centralized_snat', DEVICE_OWNER_ROUTER_DVR_INTF];

/** An IPv4 address of such a port of an existing router may not change through the port API (400, as Neutron). */
async function preventRouterPortIpChange(trx: Trx, port: PortTable, before: IpAllocationTable[], after: IpAllocationTable[]): Promise<void> {
  if (!IP_UPDATE_NOT_ALLOWED.includes(port.device_owner)) return;
  const v4 = (ips: IpAllocationTable[]) => new Set(ips.filter((i) => !i.ip_address.includes(':')).map((i) => `${i.subnet_id}|${i.ip_address}`));
  const [b, a] = [v4(before), v4(after)];
  if (b.size === a.size && [...b].every((k) => a.has(k))) return;
  if (!(await trx.selectFrom('routers').select('id').where('id', '=', port.device_id).executeTakeFirst())) return;
  throw BadRequest({ resource: 'ports', msg: `IP updates for port ${port.id} are not allowed` });
}

/** A subnet's gateway_ip changed: the agents of routers with ports on it re-read it (a gateway's default route follows it). */
function routersOnSubnetChanged(db: Db, announcer: L3Announcer, log: Logger): (before: SubnetTable, after: SubnetTable) => void {
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

/** The L3 plugin's say in the core plugin's port deletions and updates and subnet changes. */
export function subscribeL3CoreCallbacks(registry: CallbackRegistry, deps: { db: Db; log: Logger; floatingIps: FloatingIpPlugin; announcer: L3Announcer }): void {
  const name = 'l3';
  registry.subscribe(
    'port',
    'precommit_delete',
    async ({ trx, uow, port }) => {
      await preventL3PortDeletion(trx, port);
      // floating IPs on the port let go of it; their routers' agents hear of it after commit
      const routers = await deps.floatingIps.disassociateFromPort(trx, port.id);
      if (routers.length) uow.onCommit(() => void deps.floatingIps.routersChanged(routers));
    },
    { name },
  );
  registry.subscribe(
    'port',
    'precommit_update',
    async ({ trx, port, fixedIps, previousIps }) => {
      if (fixedIps && previousIps) await preventRouterPortIpChange(trx, port, previousIps, fixedIps);
      if (fixedIps) await keepFloatingIpAddress(trx, port, fixedIps);
    },
    { name },
  );
  registry.subscribe(
    'network',
    'before_delete',
    async ({ trx, uow, network }) => {
      await deps.floatingIps.deleteDisassociatedOnNetwork(trx, uow, network.id);
    },
    { name },
  );
  const onSubnet = routersOnSubnetChanged(deps.db, deps.announcer, deps.log);
  registry.subscribe('subnet', 'after_update', ({ before, after }) => onSubnet(before, after), { name });
}
