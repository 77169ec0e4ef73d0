// The DHCP agents hear of network, subnet and port changes through the callback registry
// (Neutron's DhcpAgentNotifyAPI subscribes the same way); a network's first DHCP subnet
// schedules it to an agent first.
import type { ApiObject } from '../../api/resource.js';
import type { CallbackRegistry } from '../callbacks/registry.js';
import type { Services } from '../services.js';
import { inTransaction } from '../../db/transaction.js';
import { bool, groupBy } from '../../db/rows.js';
import type { DhcpAgentNotifier, DhcpEvent } from './dhcp-notifier.js';
import type { DhcpScheduler } from './dhcp-scheduler.js';

export function subscribeDhcpNotifier(s: Services, notifier: DhcpAgentNotifier, scheduler: DhcpScheduler): void {
  const registry: CallbackRegistry = s.callbacks;
  const name = 'dhcp-agent-notifier';

  /** A network with DHCP but no agent gets one first, and hears network_create_end instead. */
  const subnetChanged = async (networkId: string, dhcp: boolean, method: DhcpEvent, payload: object): Promise<void> => {
    if (dhcp && !(await notifier.hostsOf(networkId)).length) {
      await inTransaction(s.db, (trx) => scheduler.agentsFor(trx, networkId));
      const hosts = await notifier.hostsOf(networkId);
      if (hosts.length) return notifier.networkAdded(networkId, hosts);
    }
    await notifier.notify(networkId, method, payload);
  };
  const portsChanged = async (method: DhcpEvent, ports: ApiObject[]): Promise<void> => {
    for (const [networkId, list] of groupBy(ports, (p) => p.network_id as string))
      await notifier.notifyEach(
        networkId,
        method,
        list.map((port) => ({ port })),
      );
  };

  registry.subscribe('network', 'after_update', ({ network: n }) => notifier.notify(n.id, 'network_update_end', { network: { id: n.id, admin_state_up: bool(n.admin_state_up), mtu: n.mtu } }), {
    name,
  });
  // the bindings go with the network: whom to tell is read inside its transaction
  registry.subscribe(
    'network',
    'precommit_delete',
    async ({ trx, uow, network }) => {
      const hosts = await notifier.hostsOf(network.id, trx);
      uow.onCommit(() => notifier.networkRemoved(network.id, hosts));
    },
    { name },
  );

  registry.subscribe(
    'subnet',
    'after_create',
    async ({ subnets }) => {
      for (const { row, shown } of subnets) await subnetChanged(row.network_id, bool(row.enable_dhcp), 'subnet_create_end', { subnet: shown });
    },
    { name },
  );
  registry.subscribe('subnet', 'after_update', ({ after, shown }) => subnetChanged(after.network_id, bool(after.enable_dhcp), 'subnet_update_end', { subnet: shown }), { name });
  registry.subscribe('subnet', 'after_delete', ({ subnetId, networkId }) => subnetChanged(networkId, false, 'subnet_delete_end', { subnet_id: subnetId, network_id: networkId }), { name });

  // ports made inside a service plugin's transaction are told of when it announces them
  registry.subscribe('port', 'after_create', ({ ports, internal }) => (internal ? undefined : portsChanged('port_create_end', ports)), { name });
  registry.subscribe('port', 'after_update', ({ ports }) => portsChanged('port_update_end', ports), { name });
  registry.subscribe('port', 'after_delete', ({ portId, networkId, fixedIps }) => notifier.notify(networkId, 'port_delete_end', { port_id: portId, network_id: networkId, fixed_ips: fixedIps }), {
    name,
  });
}
