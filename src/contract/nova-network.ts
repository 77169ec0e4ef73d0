// What the server tells its clients about nova-network networks through the Networking API:
// each carries the tag `nova-network:<mode>` (flat, flatdhcp, vlan), so the compute shim can find
// the mode's network for a boot without --network (docs/nova-network.md).
export const NOVA_MODE_TAG_PREFIX = 'nova-network:';
export const NOVA_MODES = ['flat', 'flatdhcp', 'vlan'] as const;
export const NOVA_MODE_TAGS = NOVA_MODES.map((m) => `${NOVA_MODE_TAG_PREFIX}${m}`);
