// nova-network's flat bridge on a Linux bridge agent's host (docs/nova-network.md): a Flat or
// FlatDHCP network is a flat network on the physical network named after its bridge, so
// [DEFAULT] flat_network_bridge maps that physical network to that bridge. With
// [DEFAULT] flat_interface too (FlatDHCP) the agent makes the bridge itself, with the interface
// and its addresses and routes under it; without (Flat) the bridge must already exist.
import type { Config } from '../../config/config.js';
import { mappings } from '../mappings.js';

export interface FlatNetworkBridge {
  bridge: string;
  /** null: Flat mode's pre-made bridge, used as it is */
  iface: string | null;
}

export function flatNetworkBridge(config: Config): FlatNetworkBridge | null {
  const bridge = config.str('DEFAULT', 'flat_network_bridge');
  const iface = config.str('DEFAULT', 'flat_interface');
  if (!bridge) {
    if (iface) throw new Error(`[DEFAULT] flat_interface = ${iface} needs [DEFAULT] flat_network_bridge: the bridge to put it under`);
    return null;
  }
  return { bridge, iface: iface || null };
}

/** [linux_bridge] bridge_mappings, plus the flat bridge as its own physical network. */
export function bridgeMappingsOf(config: Config): Record<string, string> {
  const out = mappings(config.list('linux_bridge', 'bridge_mappings'), '[linux_bridge] bridge_mappings');
  const flat = flatNetworkBridge(config);
  if (flat) {
    const mapped = out[flat.bridge];
    if (mapped && mapped !== flat.bridge)
      throw new Error(`[linux_bridge] bridge_mappings maps ${flat.bridge} to ${mapped}, but [DEFAULT] flat_network_bridge = ${flat.bridge} is the physical network of the same name`);
    out[flat.bridge] = flat.bridge;
  }
  return out;
}
