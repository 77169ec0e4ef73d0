// nova-network's three managers as Neutrino modes. `[DEFAULT] network_manager` takes nova's
// class paths or the short names; set without a value it is VLAN, as in nova.

import { NOVA_MODE_TAG_PREFIX, type NOVA_MODES } from '../../contract/nova-network.js';

export type NovaMode = (typeof NOVA_MODES)[number];

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

/** Tags of nova-network networks: `nova-network:flat|flatdhcp|vlan` (contract with the compute shim). */
export const MODE_TAG_PREFIX = NOVA_MODE_TAG_PREFIX;
