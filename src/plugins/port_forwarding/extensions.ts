// The API extensions the port_forwarding service plugin makes true.
import type { Extension } from '../../api/resource.js';

const UPDATED = '2026-12-05T00:00:00-00:00';
const ext = (alias: string, name: string, description: string): Extension => ({ alias, name, description, updated: UPDATED });

export const PORT_FORWARDING_EXTENSIONS: Extension[] = [
  ext(
    'floating-ip-port-forwarding',
    'Floating IP Port Forwarding',
    'TCP/UDP ports of a floating IP forwarded to an internal port: /v2.0/floatingips/{id}/port_forwardings, DNAT in the router namespace.',
  ),
  ext('floating-ip-port-forwarding-description', 'Floating IP Port Forwarding new attribute description', 'A description on port forwardings.'),
  ext(
    'floating-ip-port-forwarding-port-ranges',
    'Floating IP Port Forwarding support port ranges',
    'external_port_range and internal_port_range ("N:M"): a range onto a range of the same size, or onto one port.',
  ),
];
