// Server → agent notifications, sent after the database change committed (ML2 postcommit).
// Fire and forget, as in Neutron: a lost notification is repaired by the agents' resync
// (on start, on reconnect, and when report_state says they were considered dead).
import type { Logger } from 'pino';
import type { Bus } from '../../rpc/bus.js';
import type { FdbEntries } from '../../contract/l2.js';
import * as topics from '../../contract/topics.js';
import type { CallbackRegistry } from '../callbacks/registry.js';

export class AgentNotifier {
  constructor(
    private readonly bus: Bus,
    private readonly log: Logger,
  ) {}

  private send(kind: 'fanout' | 'cast', topic: string, method: string, args: object): void {
    const sent = kind === 'fanout' ? this.bus.fanout(topic, method, args) : this.bus.cast(topic, method, args);
    sent.then(
      () => this.log.debug({ event: 'rpc.notify', topic, method }, `sent ${method}`),
      (err: Error) => this.log.warn({ event: 'rpc.notify_failed', topic, method, err: err.message }, `could not send ${method}; agents will catch up on their next resync`),
    );
  }

  portUpdate(port: Record<string, unknown>, segment: { network_type: string | null; segmentation_id: number | null; physical_network: string | null } | null): void {
    this.send('fanout', topics.PORT_UPDATE, 'port_update', {
      port,
      network_type: segment?.network_type ?? null,
      segmentation_id: segment?.segmentation_id ?? null,
      physical_network: segment?.physical_network ?? null,
    });
  }

  portDelete(portId: string, networkId: string): void {
    this.send('fanout', topics.PORT_DELETE, 'port_delete', { port_id: portId, network_id: networkId });
  }

  networkUpdate(network: { id: string }): void {
    this.send('fanout', topics.NETWORK_UPDATE, 'network_update', { network: { id: network.id } });
  }

  networkDelete(networkId: string): void {
    this.send('fanout', topics.NETWORK_DELETE, 'network_delete', { network_id: networkId });
  }

  securityGroupsRuleUpdated(groupIds: string[]): void {
    if (groupIds.length) this.send('fanout', topics.SECURITY_GROUP_UPDATE, 'security_groups_rule_updated', { security_groups: groupIds });
  }

  securityGroupsMemberUpdated(groupIds: string[]): void {
    if (groupIds.length) this.send('fanout', topics.SECURITY_GROUP_UPDATE, 'security_groups_member_updated', { security_groups: groupIds });
  }

  tunnelUpdate(tunnelIp: string, tunnelType: string, host: string): void {
    this.send('fanout', topics.TUNNEL_UPDATE, 'tunnel_update', { tunnel_ip: tunnelIp, tunnel_type: tunnelType, host });
  }

  /** l2population: to every host, or (host given) only to that one. */
  /** refresh: entries are the host's whole picture of their networks (sent after its full sync) */
  addFdbEntries(entries: FdbEntries, host?: string, refresh = false): void {
    if (!Object.keys(entries).length) return;
    if (host) this.send('cast', topics.onHost(topics.L2POP_UPDATE, host), 'add_fdb_entries', { fdb_entries: entries, ...(refresh ? { refresh: true } : {}) });
    else this.send('fanout', topics.L2POP_UPDATE, 'add_fdb_entries', { fdb_entries: entries });
  }

  removeFdbEntries(entries: FdbEntries): void {
    if (Object.keys(entries).length) this.send('fanout', topics.L2POP_UPDATE, 'remove_fdb_entries', { fdb_entries: entries });
  }
}

/** The L2 agents hear of network and security group changes through the callback registry. */
export function subscribeAgentNotifier(registry: CallbackRegistry, notifier: AgentNotifier): void {
  const name = 'l2-agent-notifier';
  registry.subscribe('network', 'after_update', (p) => notifier.networkUpdate(p.network), { name });
  registry.subscribe('network', 'after_delete', (p) => notifier.networkDelete(p.networkId), { name });
  registry.subscribe('security_group', 'after_rules_update', (p) => notifier.securityGroupsRuleUpdated(p.groupIds), { name });
  registry.subscribe('security_group', 'after_members_update', (p) => notifier.securityGroupsMemberUpdated(p.groupIds), { name });
}
