// Server → L3 agent casts on l3_agent.<host>, after commit. Fire and forget, as in Neutron
// (and as src/plugins/ml2/agent-notifier.ts): a lost cast is repaired by the agent's resync.
import type { Logger } from 'pino';
import * as topics from '../../contract/topics.js';
import type { Bus } from '../../rpc/bus.js';

export class L3Notifier {
  constructor(
    private readonly bus: Bus,
    private readonly log: Logger,
  ) {}

  private cast(host: string, method: string, args: object): void {
    const topic = topics.onHost(topics.L3_AGENT, host);
    this.bus.cast(topic, method, args).then(
      () => this.log.debug({ event: 'rpc.notify', topic, method, ...args }, `sent ${method} to ${host}`),
      (err: Error) => this.log.warn({ event: 'rpc.notify_failed', topic, method, err: err.message }, `could not send ${method} to ${host}; the L3 agent catches up on its next resync`),
    );
  }

  routersUpdated(host: string, routerIds: string[]): void {
    if (routerIds.length) this.cast(host, 'routers_updated', { routers: routerIds });
  }

  routerDeleted(host: string, routerId: string): void {
    this.cast(host, 'router_deleted', { router_id: routerId });
  }

  routerAddedToAgent(host: string, routerIds: string[]): void {
    if (routerIds.length) this.cast(host, 'router_added_to_agent', { payload: routerIds });
  }

  routerRemovedFromAgent(host: string, routerId: string): void {
    this.cast(host, 'router_removed_from_agent', { payload: { router_id: routerId } });
  }
}
