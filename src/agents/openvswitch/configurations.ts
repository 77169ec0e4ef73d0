// What an Open vSwitch agent reports about itself ([ovs] and [agent] options).
import type { Config } from '../../config/config.js';
import { mappings } from '../mappings.js';

export function openvswitchConfigurations(config: Config): Record<string, unknown> {
  const tunnelTypes = config.list('agent', 'tunnel_types');
  return {
    bridge_mappings: mappings(config.list('ovs', 'bridge_mappings'), '[ovs] bridge_mappings'),
    tunnel_types: tunnelTypes,
    tunneling_ip: tunnelTypes.length ? config.str('ovs', 'local_ip') || null : null,
    integration_bridge: config.str('ovs', 'integration_bridge'),
    datapath_type: config.str('ovs', 'datapath_type'),
    l2_population: config.bool('agent', 'l2_population'),
  };
}
