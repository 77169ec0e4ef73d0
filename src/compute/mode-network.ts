// `neutrino instance boot` without --network: the network nova-network's mode gives the
// instance. The candidates are the nova-network networks the caller sees (tagged
// nova-network:<mode>) that are in use: a flat network (shared, every project's) or a VLAN
// network a project holds; a VLAN network still in the pool is no one's yet.
import { NOVA_MODE_TAGS } from '../contract/nova-network.js';
import type { NetworkApi } from './api-client.js';

type Json = Record<string, unknown>;

/** The one candidate, or an error saying what to do. Pure. */
export function chooseModeNetwork(networks: Json[]): Json {
  const usable = networks.filter((n) => n.shared === true || n.project_id !== '');
  if (usable.length === 1) return usable[0];
  if (!usable.length) {
    const pool = networks.length;
    throw new Error(
      pool
        ? `no nova-network network is in use yet (${pool} VLAN network(s) in the pool): give one to the project (neutrino-manage network modify <cidr> --project P) or pass --network; a project's first boot does not take one by itself yet`
        : 'no nova-network network exists: make one (neutrino-manage network create …) or pass --network',
    );
  }
  const names = usable.map((n) => `${n.name as string} (${n.id as string})`).join(', ');
  throw new Error(`${usable.length} nova-network networks could take the instance: ${names}; pass --network`);
}

export async function modeNetwork(api: NetworkApi): Promise<Json> {
  const found = (await api.get(`/networks?tags-any=${encodeURIComponent(NOVA_MODE_TAGS.join(','))}`)).networks as Json[];
  return chooseModeNetwork(found);
}
