// The `nova_network` service plugin: nova-network's modes on the core model. Its parts are
// what neutrino-manage drives (networks, fixed IP reservations, floating pools); the mode of
// a network made without one is [DEFAULT] network_manager's.
import type { CoreParts } from './core-parts.js';
import type { Services } from '../services.js';
import type { L3Service } from '../l3/l3-plugin.js';
import { AutoFloatingIps } from './auto-floating-ip.js';
import { FixedIpQuarantine } from './fixed-ip-quarantine.js';
import { ModeGateway } from './mode-gateway.js';
import { FloatingPools } from './floating-pools.js';
import { parseNetworkManager, type NovaMode } from './modes.js';
import { NovaNetworks } from './nova-networks.js';
import { ReservedIps } from './reserved-ips.js';

export interface NovaNetworkParts {
  /** [DEFAULT] network_manager as a mode */
  defaultMode: NovaMode;
  networks: NovaNetworks;
  reserved: ReservedIps;
  floating: FloatingPools;
  /** fixed_ip_disassociate_timeout (subscribed and swept only by the server's plugin) */
  quarantine: FixedIpQuarantine;
  /** the network host as gateway of Flat and FlatDHCP networks (a router of no project) */
  gateway: ModeGateway;
  /** auto_assign_floating_ip (subscribed only by the server's plugin); null without the router plugin */
  autoFloating: AutoFloatingIps | null;
}

export function buildNovaNetwork(s: Services, core: CoreParts, l3?: L3Service): NovaNetworkParts {
  return {
    defaultMode: parseNetworkManager(s.config.str('DEFAULT', 'network_manager')),
    networks: new NovaNetworks(s, core),
    reserved: new ReservedIps(s, core),
    floating: new FloatingPools(s),
    quarantine: new FixedIpQuarantine(s, core),
    gateway: new ModeGateway(s, l3),
    autoFloating: l3 ? new AutoFloatingIps(s, l3) : null,
  };
}
