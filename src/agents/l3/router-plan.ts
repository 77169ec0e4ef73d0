// What a router should look like in its namespace, worked out from the server's SyncRouter
// (pure: no kernel). The dataplane compares this with what the kernel has and changes only
// the difference.
import { ROUTER_GATEWAY_PREFIX, ROUTER_HA_PREFIX, ROUTER_INTERFACE_PREFIX, servicePortDevice, type RouterPortPrefix } from '../../contract/device-names.js';
import type { SyncPort, SyncRouter } from '../../contract/l3.js';

export interface PortPlan {
  portId: string;
  prefix: RouterPortPrefix;
  dev: string;
  mac: string;
  mtu: number;
  /** ip/prefixlen, as the kernel lists them */
  addresses: string[];
  /** l3-ha: the addresses are keepalived's (only the master holds them); the dataplane leaves them */
  vrrp?: boolean;
}

/** l3-ha: what keepalived keeps for an HA router (keepalived-config.ts). */
export interface HaPlan {
  vrid: number;
  haDev: string;
  addresses: { cidr: string; dev: string }[];
  routes: { destination: string; via: string; dev?: string }[];
}

export interface RoutePlan {
  /** canonical: always a prefix (0.0.0.0/0, ::/0, 10.1.2.3/32) */
  destination: string;
  via: string;
}

/** An IPv4 subnet behind a qr- device, and the router's address on it. */
export interface InternalSubnet {
  dev: string;
  cidr: string;
  address: string;
}

export interface NatPlan {
  /** the qg- device (null: no gateway, so no NAT at all) */
  gatewayDev: string | null;
  /** the gateway port's first IPv4 address: the source of SNAT */
  gatewayIp: string | null;
  snat: boolean;
  internal: InternalSubnet[];
  /** floating → fixed (IPv4) */
  floating: Map<string, string>;
  /** the port of the router's metadata proxy: 169.254.169.254:80 from a qr- goes there (unset: no proxy) */
  metadataPort?: number;
}

export interface FloatingPlan {
  id: string;
  floating: string;
  fixed: string;
  status: string;
}

export interface RouterPlan {
  id: string;
  /** gateway first: its addresses carry the default route */
  ports: PortPlan[];
  routes: RoutePlan[];
  nat: NatPlan;
  floatingIps: FloatingPlan[];
  /** l3-ha: set for an HA router */
  ha?: HaPlan;
}

const isV6 = (ip: string): boolean => ip.includes(':');

/** 10.1.2.3 → 10.1.2.3/32, default → 0.0.0.0/0 (v6 when `v6`). */
export function canonicalDestination(dst: string, v6: boolean): string {
  if (dst === 'default') return v6 ? '::/0' : '0.0.0.0/0';
  if (dst.includes('/')) return dst;
  return `${dst}/${v6 ? 128 : 32}`;
}

function portPlan(p: SyncPort, prefix: RouterPortPrefix, extra: string[] = []): PortPlan {
  return {
    portId: p.id,
    prefix,
    dev: servicePortDevice(prefix, p.id),
    mac: p.mac_address.toLowerCase(),
    mtu: p.mtu,
    addresses: [...p.fixed_ips.map((f) => `${f.ip_address}/${f.prefixlen}`), ...extra],
  };
}

/**
 * `master`: for an HA router, whether this host's keepalived is master: only the master gets the
 * NAT (and reports floating IPs); addresses and routes are keepalived's on every host.
 */
export function planRouter(r: SyncRouter, opts: { master?: boolean } = {}): RouterPlan {
  const gw = r.gw_port;
  // Neutron leaves an interface that is administratively down unplugged
  const interfaces = r._interfaces.filter((p) => p.admin_state_up !== false);
  // floating IPs need a gateway to live on; only IPv4 is NATed
  const fips = gw ? r._floatingips.filter((f) => !isV6(f.floating_ip_address) && f.fixed_ip_address) : [];
  const floating = new Map<string, string>();
  const floatingIps: FloatingPlan[] = [];
  for (const f of fips) {
    if (floating.has(f.floating_ip_address)) continue;
    floating.set(f.floating_ip_address, f.fixed_ip_address);
    floatingIps.push({ id: f.id, floating: f.floating_ip_address, fixed: f.fixed_ip_address, status: f.status });
  }
  // floating IPs of port forwardings: the address only, their DNAT is the port_forwarding extension's
  const forwarded = gw ? (r.port_forwardings_fip_set ?? []).map((c) => c.split('/')[0]).filter((a) => !isV6(a)) : [];
  const ports: PortPlan[] = [];
  const gwAddresses = new Set(gw?.fixed_ips.map((f) => f.ip_address) ?? []);
  if (gw)
    ports.push(
      portPlan(
        gw,
        ROUTER_GATEWAY_PREFIX,
        [...new Set([...floating.keys(), ...forwarded])].filter((a) => !gwAddresses.has(a)).map((a) => `${a}/32`),
      ),
    );
  for (const p of interfaces) ports.push(portPlan(p, ROUTER_INTERFACE_PREFIX));

  const routes: RoutePlan[] = [];
  const seen = new Set<string>();
  const addRoute = (destination: string, via: string) => {
    const key = `${destination} via ${via}`;
    if (seen.has(key)) return;
    seen.add(key);
    routes.push({ destination, via });
  };
  if (gw) {
    for (const family of [4, 6] as const) {
      const sub = gw.subnets.find((s) => s.ip_version === family && s.gateway_ip);
      if (sub?.gateway_ip) addRoute(family === 4 ? '0.0.0.0/0' : '::/0', sub.gateway_ip);
    }
  }
  for (const rt of r.routes ?? []) addRoute(canonicalDestination(rt.destination, isV6(rt.nexthop)), rt.nexthop);

  const internal: InternalSubnet[] = [];
  for (const p of interfaces) {
    const dev = servicePortDevice(ROUTER_INTERFACE_PREFIX, p.id);
    for (const f of p.fixed_ips) {
      if (isV6(f.ip_address)) continue;
      const sub = p.subnets.find((s) => s.id === f.subnet_id);
      if (sub) internal.push({ dev, cidr: sub.cidr, address: f.ip_address });
    }
  }
  const gatewayIp = gw?.fixed_ips.find((f) => !isV6(f.ip_address))?.ip_address ?? null;
  const plan: RouterPlan = {
    id: r.id,
    ports,
    routes,
    nat: { gatewayDev: gw ? servicePortDevice(ROUTER_GATEWAY_PREFIX, gw.id) : null, gatewayIp, snat: r.enable_snat !== false, internal, floating },
    floatingIps,
  };
  return r.ha && r._ha_interface ? haPlan(plan, r, opts.master === true) : plan;
}

/** An HA router: its ha- port joins; the other ports' addresses and the routes become keepalived's; a standby has no NAT. */
function haPlan(plan: RouterPlan, r: SyncRouter, master: boolean): RouterPlan {
  const ha = portPlan(r._ha_interface!, ROUTER_HA_PREFIX);
  const devOf = (via: string) => plan.ports.find((p) => p.addresses.some((a) => sameSubnet(a, via)))?.dev;
  const out: RouterPlan = {
    ...plan,
    ports: [...plan.ports.map((p) => ({ ...p, vrrp: true })), ha],
    routes: [],
    ha: {
      vrid: r.ha_vr_id ?? 0,
      haDev: ha.dev,
      addresses: plan.ports.flatMap((p) => p.addresses.map((cidr) => ({ cidr, dev: p.dev }))),
      routes: plan.routes.map((x) => ({ ...x, dev: devOf(x.via) })),
    },
  };
  if (!master) {
    out.nat = { ...plan.nat, gatewayDev: null, internal: [], floating: new Map() };
    out.floatingIps = [];
  }
  return out;
}

/** Whether `ip` is in the subnet of `cidr` (ip/prefixlen), IPv4 only (else false). */
function sameSubnet(cidr: string, ip: string): boolean {
  const [a, len] = cidr.split('/');
  if (isV6(a) || isV6(ip)) return false;
  const n = (x: string) => x.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const bits = Number(len);
  const size = 2 ** (32 - bits);
  return Math.floor(n(a) / size) === Math.floor(n(ip) / size);
}
