// The `nova_network` service plugin: nova-network's modes on the core model. Its parts are
// what neutrino-manage drives (networks, fixed IP reservations, floating pools); the mode of
// a network made without one is [DEFAULT] network_manager's.
import type { CoreParts } from './core-parts.js';
import type { Services } from '../services.js';
import { FixedIpQuarantine } from './fixed-ip-quarantine.js';
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
}

export function buildNovaNetwork(s: Services, core: CoreParts): NovaNetworkParts {
  return {
    defaultMode: parseNetworkManager(s.config.str('DEFAULT', 'network_manager')),
    networks: new NovaNetworks(s, core),
    reserved: new ReservedIps(s, core),
    floating: new FloatingPools(s),
    quarantine: new FixedIpQuarantine(s, core),
  };
}
