// nova-network's three managers as Neutrino modes. `[DEFAULT] network_manager` takes nova's
// class paths or the short names; set without a value it is VLAN, as in nova.

export type NovaMode = 'flat' | 'flatdhcp' | 'vlan';

const MANAGERS: Record<string, NovaMode> = {
  flat: 'flat',
  flatdhcp: 'flatdhcp',
  vlan: 'vlan',
  'nova.network.manager.FlatManager': 'flat',
  'nova.network.manager.FlatDHCPManager': 'flatdhcp',
  'nova.network.manager.VlanManager': 'vlan',
};

export const MODE_NAMES = Object.keys(MANAGERS);

/** The mode a network_manager value names; throws naming the accepted values. */
export function parseNetworkManager(value: string | null | undefined, what = '[DEFAULT] network_manager'): NovaMode {
  const v = (value ?? '').trim();
  if (v === '') return 'vlan';
  const mode = MANAGERS[v] ?? MANAGERS[v.toLowerCase()];
  if (!mode) throw new Error(`${what} = ${v}: unknown network manager; use one of ${MODE_NAMES.join(', ')}`);
  return mode;
}

/** Whether a mode's networks run a DHCP server (Flat injects the address instead). */
export const modeHasDhcp = (mode: NovaMode): boolean => mode !== 'flat';
