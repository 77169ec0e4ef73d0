// What dnsmasq is told about a network, as Neutron's Dnsmasq driver renders it: the host file
// (MAC → name, IP of every port on a DHCP subnet), the options file (router, DNS, routes,
// per-port extra options), and the command line. Pure: no files, no processes.
import { METADATA_ADDRESS } from '../../contract/metadata.js';
import { ROUTER_OWNERS } from '../../contract/device-owners.js';
import { hostNameOf, type DhcpNetwork, type DhcpPort, type DhcpSubnet } from '../../contract/dhcp.js';
import { formatIp, parseCidr, prefixMask } from '../../common/ip-address.js';

export interface DnsmasqSettings {
  /** the network's directory: <state_path>/dhcp/<network id> */
  dir: string;
  /** the DHCP port's device inside the namespace (ns-…) */
  interfaceName: string;
  /** seconds; -1 = infinite ([DEFAULT] dhcp_lease_duration) */
  leaseDuration: number;
  /** [DEFAULT] dnsmasq_lease_max */
  leaseMax: number;
  /** [DEFAULT] dnsmasq_dns_servers: upstream of dnsmasq, and what instances get when their subnet names none */
  dnsServers: string[];
  /** [DEFAULT] dhcp_domain */
  domain: string;
  /** --user: null leaves dnsmasq to drop to its default (nobody); 'root' when nobody could not read the files on SIGHUP */
  user?: string | null;
}

export const subnetTag = (id: string): string => `subnet-${id}`;
export const portTag = (id: string): string => `port-${id}`;

/** The name a port's address gets: its dns_name (dns-integration, a FQDN taken as it is), else host-<ip>. */
function nameOf(p: DhcpPort, ip: string, domain: string): { host: string; fqdn: string } {
  const dnsName = p.dns_name ?? '';
  if (dnsName.endsWith('.')) return { host: dnsName.split('.')[0], fqdn: dnsName.slice(0, -1) };
  const host = dnsName || hostNameOf(ip);
  return { host, fqdn: domain ? `${host}.${domain}` : host };
}

/** Subnets dnsmasq answers on: DHCP on, and not IPv6 SLAAC (the router advertises those). */
export function servedSubnets(net: DhcpNetwork): DhcpSubnet[] {
  return net.subnets.filter((s) => s.enable_dhcp && !(s.ip_version === 6 && (s.ipv6_address_mode ?? s.ipv6_ra_mode) === 'slaac'));
}

const literal = (ip: string): string => (ip.includes(':') ? `[${ip}]` : ip);

export function filePath(dir: string, kind: 'host' | 'opts' | 'addn_hosts' | 'leases' | 'pid' | 'log'): string {
  return `${dir}/${kind}`;
}

/** MAC,name,IP[,set:port-<id>] for every address of every port on a served subnet (router ports too). */
export function renderHosts(net: DhcpNetwork, domain: string): string {
  const served = new Set(servedSubnets(net).map((s) => s.id));
  const lines: string[] = [];
  for (const p of sortedPorts(net.ports)) {
    const tagged = extraOpts(p).length > 0;
    for (const a of p.fixed_ips) {
      if (!served.has(a.subnet_id)) continue;
      const name = nameOf(p, a.ip_address, domain).fqdn;
      lines.push(`${p.mac_address},${name},${literal(a.ip_address)}${tagged ? `,set:${portTag(p.id)}` : ''}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** IP name fqdn lines, so instances resolve one another by the names dnsmasq hands out. */
export function renderAddnHosts(net: DhcpNetwork, domain: string): string {
  const served = new Set(servedSubnets(net).map((s) => s.id));
  const lines: string[] = [];
  for (const p of sortedPorts(net.ports)) {
    for (const a of p.fixed_ips) {
      if (!served.has(a.subnet_id)) continue;
      const { host, fqdn } = nameOf(p, a.ip_address, domain);
      lines.push(fqdn !== host ? `${a.ip_address}\t${fqdn} ${host}` : `${a.ip_address}\t${host}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

const sortedPorts = (ports: DhcpPort[]): DhcpPort[] => [...ports].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

// client-id is a host-file matter in Neutron, never an option line
const extraOpts = (p: DhcpPort) => (p.extra_dhcp_opts ?? []).filter((o) => o.opt_name !== 'client-id' && o.opt_name !== '61' && o.opt_value !== null);

function option(ipVersion: number, tag: string, name: string, ...values: string[]): string {
  const opt = ipVersion === 6 ? `option6:${name}` : /^\d+$/.test(name) ? name : `option:${name}`;
  return [`tag:${tag}`, opt, ...values].join(',');
}

/**
 * Per subnet: DNS servers (the subnet's, else dnsmasq_dns_servers), classless static routes
 * (121 and the Windows 249) from host_routes plus the default route via the gateway, and the
 * router (an empty router option when the subnet has no gateway, so clients set none); with
 * metadataNextHops (subnet → the DHCP port's address there), a host route to 169.254.169.254;
 * then per port: its extra_dhcp_opts, tagged with the port.
 */
export function renderOpts(net: DhcpNetwork, dnsServers: string[], metadataNextHops: Map<string, string> = new Map()): string {
  const out: string[] = [];
  for (const s of servedSubnets(net)) {
    const tag = subnetTag(s.id);
    const dns = s.dns_nameservers.length ? s.dns_nameservers : dnsServers.filter((d) => d.includes(':') === (s.ip_version === 6));
    if (dns.length) out.push(option(s.ip_version, tag, 'dns-server', ...dns.map(literal)));
    if (s.ip_version !== 4) continue;
    let gateway = s.gateway_ip;
    const routes: string[] = [];
    for (const r of s.host_routes) {
      if (r.destination === '0.0.0.0/0') gateway ??= r.nexthop;
      else routes.push(`${r.destination},${r.nexthop}`);
    }
    // other IPv4 subnets of the network are on-link (Neutron: 0.0.0.0 as next hop)
    for (const o of servedSubnets(net)) if (o.ip_version === 4 && o.id !== s.id) routes.unshift(`${o.cidr},0.0.0.0`);
    // isolated metadata: the instances reach 169.254.169.254 through the DHCP port (as Neutron)
    const md = metadataNextHops.get(s.id);
    if (md) routes.unshift(`${METADATA_ADDRESS}/32,${md}`);
    if (routes.length) {
      // a client that takes option 121 ignores option 3: the default route has to be in it
      if (gateway) routes.push(`0.0.0.0/0,${gateway}`);
      out.push(option(4, tag, 'classless-static-route', routes.join(',')));
      out.push(option(4, tag, '249', routes.join(',')));
    }
    out.push(gateway ? option(4, tag, 'router', gateway) : option(4, tag, 'router'));
  }
  for (const p of sortedPorts(net.ports)) {
    const versions = new Set<number>(p.fixed_ips.map((a) => (a.ip_address.includes(':') ? 6 : 4)));
    for (const o of extraOpts(p)) {
      const v = Number(o.ip_version ?? 4);
      if (versions.has(v)) out.push(option(v, portTag(p.id), o.opt_name, o.opt_value));
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/** dnsmasq's argv (without the `ip netns exec` prefix): static ranges only, so unknown MACs get nothing. */
export function dnsmasqArgs(net: DhcpNetwork, o: DnsmasqSettings): string[] {
  const args = [
    'dnsmasq',
    '--no-hosts',
    '--no-resolv',
    `--pid-file=${filePath(o.dir, 'pid')}`,
    `--dhcp-hostsfile=${filePath(o.dir, 'host')}`,
    `--addn-hosts=${filePath(o.dir, 'addn_hosts')}`,
    `--dhcp-optsfile=${filePath(o.dir, 'opts')}`,
    `--dhcp-leasefile=${filePath(o.dir, 'leases')}`,
    '--dhcp-match=set:ipxe,175',
    '--local-service',
    '--bind-dynamic',
  ];
  if (o.user) args.push(`--user=${o.user}`);
  const lease = o.leaseDuration === -1 ? 'infinite' : `${o.leaseDuration}s`;
  let possible = 0n;
  for (const s of servedSubnets(net)) {
    const c = parseCidr(s.cidr);
    if (!c) continue;
    const network = formatIp(c.version, c.network);
    if (c.version === 4) {
      args.push(`--dhcp-range=set:${subnetTag(s.id)},${network},static,${formatIp(4, prefixMask(4, c.prefixlen))},${lease}`);
    } else {
      if (c.prefixlen < 64) continue;
      args.push(`--dhcp-range=set:${subnetTag(s.id)},${network},static,${c.prefixlen},${lease}`);
    }
    possible += 1n << BigInt((c.version === 4 ? 32 : 128) - c.prefixlen);
  }
  if (net.mtu > 0) args.push(`--dhcp-option-force=option:mtu,${net.mtu}`);
  const max = possible < BigInt(o.leaseMax) ? Number(possible) : o.leaseMax;
  args.push(`--dhcp-lease-max=${max}`);
  args.push('--conf-file=/dev/null');
  for (const d of o.dnsServers) args.push(`--server=${d}`);
  if (o.domain) args.push(`--domain=${o.domain}`);
  args.push(`--interface=${o.interfaceName}`, '--except-interface=lo', '--log-dhcp', `--log-facility=${filePath(o.dir, 'log')}`);
  return args;
}

export interface Lease {
  mac: string;
  ip: string;
  clientId: string;
}

/** dnsmasq's lease file: "expiry mac ip hostname client-id" per line (IPv6 leases after a "duid" line are skipped). */
export function parseLeases(text: string): Lease[] {
  const out: Lease[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'duid') break;
    if (f.length < 3 || !/^\d+$/.test(f[0])) continue;
    out.push({ mac: f[1].toLowerCase(), ip: f[2], clientId: f[4] && f[4] !== '*' ? f[4] : '' });
  }
  return out;
}

/** Leases whose MAC no longer holds that IP in the host file: released so the IP can go to another port at once. */
export function staleLeases(leases: Lease[], net: DhcpNetwork): Lease[] {
  const served = new Set(servedSubnets(net).map((s) => s.id));
  const held = new Set<string>();
  for (const p of net.ports) for (const a of p.fixed_ips) if (served.has(a.subnet_id)) held.add(`${p.mac_address.toLowerCase()}|${a.ip_address}`);
  return leases.filter((l) => !l.ip.includes(':') && !held.has(`${l.mac}|${l.ip}`));
}

/** The DHCP port's addresses on the served subnets, as ip/prefixlen (what ns-… carries). */
export function dhcpPortAddresses(net: DhcpNetwork, port: DhcpPort): string[] {
  const subnets = new Map(net.subnets.map((s) => [s.id, s]));
  const out: string[] = [];
  for (const a of port.fixed_ips) {
    const s = subnets.get(a.subnet_id);
    if (!s) continue;
    out.push(`${a.ip_address}/${s.cidr.split('/')[1]}`);
  }
  return out;
}

/**
 * The IPv4 subnets whose instances get metadata through this network's DHCP namespace, each with
 * the DHCP port's address on it (the next hop of the 169.254.169.254/32 route): every served one
 * with force_metadata; with enable_isolated_metadata, those no router port has an address on
 * (no router, so no qrouter proxy).
 */
export function metadataSubnets(net: DhcpNetwork, port: DhcpPort, mode: { force: boolean; isolated: boolean }): Map<string, string> {
  const out = new Map<string, string>();
  if (!mode.force && !mode.isolated) return out;
  const routed = new Set(net.ports.filter((p) => ROUTER_OWNERS.includes(p.device_owner)).flatMap((p) => p.fixed_ips.map((a) => a.subnet_id)));
  for (const s of servedSubnets(net)) {
    if (s.ip_version !== 4 || (!mode.force && routed.has(s.id))) continue;
    const ip = port.fixed_ips.find((a) => a.subnet_id === s.id)?.ip_address;
    if (ip) out.set(s.id, ip);
  }
  return out;
}
