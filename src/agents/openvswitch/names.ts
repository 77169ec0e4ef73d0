// Port names on the Open vSwitch bridges, as Neutron's OVS agent names them (interface names
// are at most 15 characters).
const IFNAMSIZ = 15;

/** br-int's end of the patch to br-tun, and br-tun's end */
export const PATCH_TUN = 'patch-tun';
export const PATCH_INT = 'patch-int';

/** br-int's end of the patch to a physical bridge: int-<bridge> */
export const intPatchName = (bridge: string): string => `int-${bridge}`.slice(0, IFNAMSIZ);
/** the physical bridge's end: phy-<bridge> */
export const phyPatchName = (bridge: string): string => `phy-${bridge}`.slice(0, IFNAMSIZ);

/** the VXLAN port to one remote tunnel endpoint: vxlan-<remote IPv4 in hex> */
export function tunnelPortName(remoteIp: string): string {
  const parts = remoteIp.split('.');
  if (parts.length === 4) return `vxlan-${parts.map((p) => Number(p).toString(16).padStart(2, '0')).join('')}`;
  // IPv6: a hash of the address keeps the name short and stable
  let h = 0x811c9dc5;
  for (const c of remoteIp) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return `vxlan-${h.toString(16).padStart(8, '0')}`;
}

export const TUNNEL_PORT_PREFIX = 'vxlan-';

/** the tag of a port that must carry nothing (admin down, or not wirable): Neutron's DEAD_VLAN */
export const DEAD_VLAN = 4095;
