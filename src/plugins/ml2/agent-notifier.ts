// Server → agent notifications, sent after the database change committed (ML2 postcommit).
// Fire and forget, as in Neutron: a lost notification is repaired by the agents' resync
// (on start, on reconnect, and when report_state says they were considered dead).
import type { Logger } from 'pino';
import type { Bus } from '../../rpc/bus.js';
import type { FdbEntries } from '../../contract/l2.js';
import * as topics from '../../contract/topics.js';
import type { CallbackRegistry } from '../callbacks/registry.js';

/** above this many hosts a message to some hosts is one fanout instead of a cast to each */
const CAST_AT_MOST = 16;

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

  /** to the port's host and, when the binding moved, the one it left (the L2 agents act only on
   *  devices present on their host; Neutron fans this out to every agent) */
  portUpdate(port: Record<string, unknown>, segment: { network_type: string | null; segmentation_id: number | null; physical_network: string | null } | null, hosts: string[]): void {
    const args = {
      port,
      network_type: segment?.network_type ?? null,
      segmentation_id: segment?.segmentation_id ?? null,
      physical_network: segment?.physical_network ?? null,
    };
    this.toHosts(topics.PORT_UPDATE, 'port_update', args, hosts);
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

  /** l2population's entries go to the hosts that need them: one cast each while they are few,
   *  one fanout (copied by the broker) when they are many. */
  addFdbEntries(entries: FdbEntries, hosts: string[], refresh = false): void {
    if (Object.keys(entries).length) this.toHosts(topics.L2POP_UPDATE, 'add_fdb_entries', { fdb_entries: entries, ...(refresh ? { refresh: true } : {}) }, hosts);
  }

  removeFdbEntries(entries: FdbEntries, hosts: string[]): void {
    if (Object.keys(entries).length) this.toHosts(topics.L2POP_UPDATE, 'remove_fdb_entries', { fdb_entries: entries }, hosts);
  }

  private toHosts(topic: string, method: string, args: object, hosts: string[]): void {
    if (hosts.length > CAST_AT_MOST) this.send('fanout', topic, method, args);
    else for (const h of hosts) this.send('cast', topics.onHost(topic, h), method, args);
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
