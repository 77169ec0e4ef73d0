// The L3 agent's RPC client to the server (Neutron's L3PluginApi), topic q-l3-plugin.
import type { Bus } from '../../rpc/bus.js';
import type { FloatingIpStatus, SyncRouter } from '../../contract/l3.js';
import { L3_PLUGIN } from '../../contract/topics.js';

export class L3PluginApi {
  constructor(
    private readonly bus: Bus,
    private readonly host: string,
  ) {}

  /** The routers scheduled to this host (only `routerIds` when given). */
  syncRouters(routerIds?: string[]): Promise<SyncRouter[]> {
    return this.bus.call(L3_PLUGIN, 'sync_routers', routerIds ? { host: this.host, router_ids: routerIds } : { host: this.host });
  }

  getRouterIds(): Promise<string[]> {
    return this.bus.call(L3_PLUGIN, 'get_router_ids', { host: this.host });
  }

  updateFloatingIpStatuses(routerId: string, statuses: Record<string, FloatingIpStatus>): Promise<unknown> {
    return this.bus.call(L3_PLUGIN, 'update_floatingip_statuses', { router_id: routerId, fip_statuses: statuses });
  }

  /** l3-ha: the VRRP states of HA routers here (active / standby). */
  updateHaRoutersStates(states: Record<string, 'active' | 'standby'>): Promise<unknown> {
    return this.bus.call(L3_PLUGIN, 'update_ha_routers_states', { host: this.host, states });
  }
}
