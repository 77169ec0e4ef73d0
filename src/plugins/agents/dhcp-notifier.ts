// Server → DHCP agent notifications (Neutron's DhcpAgentNotifyAPI), sent after commit as casts
// to dhcp_agent.<host> of the agents hosting the network, with Neutron's method names
// (network_create_end, subnet_update_end, port_delete_end …). Fire and forget: an agent that
// missed one catches up at its next full sync.
import type { Logger } from 'pino';
import { AGENT_TYPE_DHCP } from '../../contract/agent-types.js';
import * as topics from '../../contract/topics.js';
import type { Db } from '../../db/connection.js';
import { statement } from '../../db/statement.js';
import type { Trx } from '../../db/transaction.js';
import type { Bus } from '../../rpc/bus.js';
import type { DhcpScheduler } from './dhcp-scheduler.js';

/** Run on every port change (src/db/statement.ts: compiled once). */
const HOSTS_OF_NETWORK = statement((db, networkId: string) =>
  db.kysely
    .selectFrom('networkdhcpagentbindings as b')
    .innerJoin('agents as a', 'a.id', 'b.dhcp_agent_id')
    .select('a.host')
    .where('b.network_id', '=', networkId)
    .where('a.agent_type', '=', AGENT_TYPE_DHCP)
    .where('a.admin_state_up', '=', 1),
);

export type DhcpEvent =
  | 'network_create_end'
  | 'network_update_end'
  | 'network_delete_end'
  | 'subnet_create_end'
  | 'subnet_update_end'
  | 'subnet_delete_end'
  | 'port_create_end'
  | 'port_update_end'
  | 'port_delete_end';

export class DhcpAgentNotifier {
  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly log: Logger,
    private readonly scheduler: DhcpScheduler,
  ) {}

  /** Hosts of the enabled DHCP agents bound to the network (one query). */
  async hostsOf(networkId: string, trx: Trx = this.db.kysely): Promise<string[]> {
    return (await HOSTS_OF_NETWORK.all(this.db, trx, networkId)).map((r) => r.host);
  }

  cast(hosts: string[], method: DhcpEvent, payload: object): void {
    for (const host of hosts) {
      this.bus.cast(topics.onHost(topics.DHCP_AGENT, host), method, payload).then(
        () => this.log.debug({ event: 'rpc.notify', topic: topics.DHCP_AGENT, host, method }, `sent ${method} to ${host}`),
        (err: Error) =>
          this.log.warn(
            { event: 'rpc.notify_failed', topic: topics.DHCP_AGENT, host, method, err: err.message },
            `could not send ${method} to the DHCP agent on ${host}; it catches up at its next resync`,
          ),
      );
    }
  }

  /** An event of a network: to its agents, preceded by network_create_end if it was scheduled just now. */
  notify(networkId: string, method: DhcpEvent, payload: object): Promise<void> {
    return this.notifyEach(networkId, method, [payload]);
  }

  /** Several events of one network (a bulk create): one look-up of its agents. */
  async notifyEach(networkId: string, method: DhcpEvent, payloads: object[]): Promise<void> {
    try {
      const hosts = await this.hostsOf(networkId);
      if (!hosts.length) return;
      if (this.scheduler.recentlyScheduled.delete(networkId)) this.cast(hosts, 'network_create_end', { network: { id: networkId } });
      for (const payload of payloads) this.cast(hosts, method, payload);
    } catch (err) {
      this.log.warn({ event: 'rpc.notify_failed', network_id: networkId, method, err: (err as Error).message }, `could not notify DHCP agents of ${method}`);
    }
  }

  /** A network newly given to agents (scheduled, added by an admin, or moved by failover). */
  networkAdded(networkId: string, hosts: string[]): void {
    this.scheduler.recentlyScheduled.delete(networkId);
    this.cast(hosts, 'network_create_end', { network: { id: networkId } });
  }

  /** A network taken from agents: they stop serving it. */
  networkRemoved(networkId: string, hosts: string[]): void {
    this.cast(hosts, 'network_delete_end', { network_id: networkId });
  }
}
