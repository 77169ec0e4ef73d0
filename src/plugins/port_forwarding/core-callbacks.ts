// The port forwarding plugin's say in other plugins' changes (callback registry):
//  - a floating IP with forwardings cannot be associated with a port (FipInUseByPortForwarding);
//  - a port being deleted takes its forwardings with it, and an update that drops the internal
//    address of a forwarding deletes that forwarding (as Neutron's _process_port_request);
//    floating IPs left without forwardings lose their router.
import { parseIp } from '../../common/ip-address.js';
import type { CallbackRegistry } from '../callbacks/registry.js';
import type { Trx, UnitOfWork } from '../../db/transaction.js';
import type { Logger } from 'pino';
import { FipInUseByPortForwarding } from './errors.js';
import type { PortForwardingNotifier } from './pf-notifier.js';
import type { PortForwardingPlugin } from './port-forwardings.js';

export function subscribePortForwardingCallbacks(callbacks: CallbackRegistry, deps: { plugin: PortForwardingPlugin; notifier: PortForwardingNotifier; log: Logger }): void {
  callbacks.subscribe(
    'floatingip',
    'precommit_update',
    async ({ trx, floatingip }) => {
      const pf = await trx.selectFrom('portforwardings').select('id').where('floatingip_id', '=', floatingip.id).executeTakeFirst();
      if (pf) throw FipInUseByPortForwarding(floatingip.id);
    },
    { name: 'port_forwarding.fip_in_use' },
  );

  const drop = async (trx: Trx, uow: UnitOfWork, portId: string, keep: Set<string>) => {
    const gone = (
      await trx
        .selectFrom('portforwardings as pf')
        .innerJoin('floatingips as f', 'f.id', 'pf.floatingip_id')
        .select(['pf.id', 'pf.floatingip_id', 'pf.internal_ip_address', 'f.router_id'])
        .where('pf.internal_neutron_port_id', '=', portId)
        .execute()
    ).filter((r) => !keep.has(r.internal_ip_address));
    if (!gone.length) return;
    await trx
      .deleteFrom('portforwardings')
      .where(
        'id',
        'in',
        gone.map((g) => g.id),
      )
      .execute();
    const routers = [...new Set(gone.map((g) => g.router_id).filter((r): r is string => r !== null))];
    const released = await deps.plugin.releaseIfUnused(trx, [...new Set(gone.map((g) => g.floatingip_id))]);
    uow.onCommit(() => {
      deps.log.info({ event: 'port_forwarding.delete', port_forwarding_ids: gone.map((g) => g.id), port_id: portId }, 'port forwardings deleted with their internal address');
      deps.notifier.changed(routers, released).catch((err: Error) => deps.log.warn({ event: 'port_forwarding.notify_failed', err: err.message }, 'could not tell L3 agents'));
    });
  };

  callbacks.subscribe('port', 'precommit_delete', ({ trx, uow, port }) => drop(trx, uow, port.id, new Set()), { name: 'port_forwarding.port_delete' });
  callbacks.subscribe(
    'port',
    'precommit_update',
    ({ trx, uow, port, fixedIps }) => {
      if (!fixedIps) return;
      return drop(trx, uow, port.id, new Set(fixedIps.map((f) => f.ip_address).filter((ip) => parseIp(ip)?.version === 4)));
    },
    { name: 'port_forwarding.port_update' },
  );
}
