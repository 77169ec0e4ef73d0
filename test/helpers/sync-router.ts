// SyncRouter payloads built by hand (the shape src/contract/l3.ts promises), for
// unit tests and for a fake q-l3-plugin.
import type { SyncFloatingIp, SyncPort, SyncRouter } from '../../src/contract/l3.js';

export function syncPort(id: string, owner: string, fixed: { subnet_id: string; ip_address: string; cidr: string; gateway_ip?: string | null }[], extra: Partial<SyncPort> = {}): SyncPort {
  return {
    id,
    network_id: extra.network_id ?? `net-${id}`,
    mac_address: extra.mac_address ?? 'fa:16:3e:00:00:01',
    device_owner: owner,
    admin_state_up: true,
    mtu: 1450,
    fixed_ips: fixed.map((f) => ({ subnet_id: f.subnet_id, ip_address: f.ip_address, prefixlen: Number(f.cidr.split('/')[1]) })),
    subnets: fixed.map((f) => ({ id: f.subnet_id, cidr: f.cidr, gateway_ip: f.gateway_ip ?? null, ip_version: f.ip_address.includes(':') ? 6 : 4 })),
    ...extra,
  };
}

export function syncRouter(id: string, extra: Partial<SyncRouter> = {}): SyncRouter {
  return {
    id,
    name: `router-${id}`,
    project_id: 'p',
    admin_state_up: true,
    status: 'ACTIVE',
    routes: [],
    enable_snat: true,
    gw_port: null,
    _interfaces: [],
    _floatingips: [],
    ha: false,
    distributed: false,
    ...extra,
  };
}

export const syncFip = (id: string, floating: string, fixed: string, status = 'DOWN'): SyncFloatingIp => ({
  id,
  floating_ip_address: floating,
  floating_network_id: 'ext',
  fixed_ip_address: fixed,
  port_id: `port-of-${fixed}`,
  status,
});
