// MTU of a physical network: [ml2] physical_network_mtus, else global_physnet_mtu.
import type { Config } from '../../../config/config.js';

export function physnetMtu(config: Config, physnet: string | null): number {
  const global = config.int('DEFAULT', 'global_physnet_mtu');
  if (physnet === null) return global;
  for (const pair of config.list('ml2', 'physical_network_mtus')) {
    const [name, mtu] = pair.split(':');
    if (name === physnet && Number(mtu) > 0) return Number(mtu);
  }
  return global;
}
