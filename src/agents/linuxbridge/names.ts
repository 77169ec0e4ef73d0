// Device names the linuxbridge agent uses, as Neutron's linuxbridge agent and Nova's os-vif
// name them (interface names are limited to 15 characters).

/** the bridge of a network on a host: brq + the first 11 characters of the network id */
export const bridgeName = (networkId: string): string => `brq${networkId.slice(0, 11)}`;

/** the tap device of a port (the host end of an instance's interface) */
export const tapName = (portId: string): string => `tap${portId.slice(0, 11)}`;

/** the VXLAN device of a VNI */
export const vxlanName = (vni: number): string => `vxlan-${vni}`;

/** an 802.1Q subinterface of a physical interface: eth1.101 (cut to 15 characters like Neutron) */
export const vlanSubinterfaceName = (iface: string, vlan: number): string => {
  const suffix = `.${vlan}`;
  return `${iface.slice(0, 15 - suffix.length)}${suffix}`;
};

export const BRIDGE_PREFIX = 'brq';
export const TAP_PREFIX = 'tap';
export const VXLAN_PREFIX = 'vxlan-';
