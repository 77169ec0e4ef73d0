// What a linuxbridge agent reports about itself ([linux_bridge] and [vxlan] options, and
// whether the kernel can make VLAN subinterfaces) — the facts ML2 binds ports by.
import type { Config } from '../../config/config.js';
import type { Capability } from '../../linux/kernel-features.js';
import { mappings } from '../mappings.js';
import { bridgeMappingsOf } from './flat-network-bridge.js';

export function linuxbridgeConfigurations(config: Config, vlan: Capability): Record<string, unknown> {
  const vxlan = config.bool('vxlan', 'enable_vxlan') && config.str('vxlan', 'local_ip') !== '';
  return {
    // which netns stands for this host ('' is the machine itself): tells lab hosts apart
    host_namespace: config.str('agent', 'host_namespace'),
    interface_mappings: mappings(config.list('linux_bridge', 'physical_interface_mappings'), '[linux_bridge] physical_interface_mappings'),
    bridge_mappings: bridgeMappingsOf(config),
    tunnel_types: vxlan ? ['vxlan'] : [],
    tunneling_ip: vxlan ? config.str('vxlan', 'local_ip') : null,
    l2_population: config.bool('vxlan', 'l2_population'),
    vlan_supported: vlan.supported,
    ...(vlan.supported ? {} : { vlan_unsupported_reason: vlan.reason }),
  };
}
