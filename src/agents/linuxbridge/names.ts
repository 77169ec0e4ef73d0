// Device names the linuxbridge agent uses, as Neutron's linuxbridge agent names them
// (interface names are limited to 15 characters). Port (tap) names are in contract/device-names.ts.

/** the bridge of a network on a host: brq + the first 11 characters of the network id */
export const bridgeName = (networkId: string): string => `brq${networkId.slice(0, 11)}`;

/** the VXLAN device of a VNI */
export const vxlanName = (vni: number): string => `vxlan-${vni}`;

/** an 802.1Q subinterface of a physical interface: eth1.101 (cut to 15 characters like Neutron) */
export const vlanSubinterfaceName = (iface: string, vlan: number): string => {
  const suffix = `.${vlan}`;
  return `${iface.slice(0, 15 - suffix.length)}${suffix}`;
};

export const BRIDGE_PREFIX = 'brq';
export const VXLAN_PREFIX = 'vxlan-';
