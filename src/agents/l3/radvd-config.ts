// Router advertisements of a router (pure): radvd's configuration for its qr- interfaces on
// IPv6 subnets whose ipv6_ra_mode is set, as Neutron's ra.py renders it. Per interface: the
// prefixes, on-link; SLAAC and DHCPv6-stateless prefixes autonomous (hosts make their own
// EUI-64 address), DHCPv6-stateful ones not; the Managed flag when a subnet is stateful, the
// Other-config flag when stateless or stateful (DNS and other options by DHCPv6, dnsmasq); the
// network's MTU; the subnet's DNS servers as RDNSS. Subnets without ipv6_ra_mode are not
// advertised (an external router does it, or nobody).
import { ROUTER_INTERFACE_PREFIX, servicePortDevice } from '../../contract/device-names.js';
import type { SyncRouter } from '../../contract/l3.js';

export const RA_MODES = ['slaac', 'dhcpv6-stateless', 'dhcpv6-stateful'] as const;

/** Neutron's defaults ([DEFAULT] min_rtr_adv_interval / max_rtr_adv_interval of the L3 agent). */
export const RA_INTERVALS = { min: 30, max: 100 };

export interface AdvertisedInterface {
  dev: string;
  mtu: number;
  prefixes: { cidr: string; mode: (typeof RA_MODES)[number] }[];
  dns: string[];
}

/** The interfaces of the router radvd advertises on (none: radvd is not needed). */
export function advertisedInterfaces(r: SyncRouter): AdvertisedInterface[] {
  const out: AdvertisedInterface[] = [];
  for (const p of r._interfaces) {
    if (p.admin_state_up === false) continue;
    const subnets = p.subnets.filter((s) => s.ip_version === 6 && RA_MODES.includes(s.ipv6_ra_mode as (typeof RA_MODES)[number]));
    if (!subnets.length) continue;
    out.push({
      dev: servicePortDevice(ROUTER_INTERFACE_PREFIX, p.id),
      mtu: p.mtu,
      prefixes: subnets.map((s) => ({ cidr: s.cidr, mode: s.ipv6_ra_mode as (typeof RA_MODES)[number] })).sort((a, b) => a.cidr.localeCompare(b.cidr)),
      dns: [...new Set(subnets.flatMap((s) => s.dns_nameservers ?? []))].slice(0, 3),
    });
  }
  return out.sort((a, b) => a.dev.localeCompare(b.dev));
}

export function renderRadvdConfig(ifaces: AdvertisedInterface[], intervals = RA_INTERVALS): string {
  const lines: string[] = [];
  for (const i of ifaces) {
    const modes = new Set(i.prefixes.map((p) => p.mode));
    lines.push(`interface ${i.dev}`, '{', '   AdvSendAdvert on;', `   MinRtrAdvInterval ${intervals.min};`, `   MaxRtrAdvInterval ${intervals.max};`);
    if (i.mtu > 0) lines.push(`   AdvLinkMTU ${i.mtu};`);
    if (modes.has('dhcpv6-stateful')) lines.push('   AdvManagedFlag on;');
    if (modes.has('dhcpv6-stateful') || modes.has('dhcpv6-stateless')) lines.push('   AdvOtherConfigFlag on;');
    if (i.dns.length) lines.push(`   RDNSS ${i.dns.join(' ')} {};`);
    for (const p of i.prefixes) {
      lines.push(`   prefix ${p.cidr}`, '   {', '        AdvOnLink on;', `        AdvAutonomous ${p.mode === 'dhcpv6-stateful' ? 'off' : 'on'};`, '   };');
    }
    lines.push('};');
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
