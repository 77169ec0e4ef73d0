// Flat-mode injection, the modern way: an instance without DHCP configures itself from its
// config drive's openstack/latest/network_data.json (what cloud-init does on a real VM). Pure
// rendering into `ip -batch` lines plus the DNS servers; the compute shim applies them inside
// the namespace. Networks of type *_dhcp (and SLAAC) are left to DHCP / router advertisements.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface NdRoute {
  network: string;
  netmask: string;
  gateway: string;
}
interface NdNetwork {
  type: string;
  link: string;
  ip_address?: string;
  netmask?: string;
  routes?: NdRoute[];
  services?: { type: string; address: string }[];
}
export interface NetworkData {
  links: { id: string; ethernet_mac_address?: string; mtu?: number }[];
  networks: NdNetwork[];
  services?: { type: string; address: string }[];
}

/** 255.255.255.0 → 24, ffff:ffff:ffff:ffff:: → 64; null when not a contiguous mask. */
export function prefixOfNetmask(mask: string): number | null {
  let bits = '';
  if (mask.includes(':')) {
    const [head, tail = ''] = mask.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    bits = groups
      .map((g) =>
        Number.parseInt(g || '0', 16)
          .toString(2)
          .padStart(16, '0'),
      )
      .join('');
  } else
    bits = mask
      .split('.')
      .map((o) => Number(o).toString(2).padStart(8, '0'))
      .join('');
  const n = bits.indexOf('0') === -1 ? bits.length : bits.indexOf('0');
  return bits.slice(n).includes('1') ? null : n;
}

/** The `ip -batch` lines that give `dev` the static addresses and routes of network_data.json, and the DNS servers. */
export function networkDataCommands(nd: NetworkData, dev = 'eth0'): { lines: string[]; dns: string[] } {
  const lines: string[] = [];
  const dns = new Set<string>();
  const routes: string[] = [];
  for (const n of nd.networks) {
    if (n.type !== 'ipv4' && n.type !== 'ipv6') continue;
    if (!n.ip_address || !n.netmask) continue;
    const prefix = prefixOfNetmask(n.netmask);
    if (prefix === null) throw new Error(`network_data.json: netmask ${n.netmask} of ${n.ip_address} is not a prefix`);
    const v6 = n.type === 'ipv6';
    lines.push(`addr add ${n.ip_address}/${prefix} dev ${dev}${v6 ? ' nodad' : ''}`);
    for (const r of n.routes ?? []) {
      const p = prefixOfNetmask(r.netmask);
      if (p === null) continue;
      const dst = p === 0 ? (v6 ? '::/0' : 'default') : `${r.network}/${p}`;
      routes.push(`route replace ${dst} via ${r.gateway} dev ${dev}`);
    }
    for (const s of n.services ?? []) if (s.type === 'dns') dns.add(s.address);
  }
  for (const s of nd.services ?? []) if (s.type === 'dns') dns.add(s.address);
  // routes after every address: a gateway must be on a connected subnet first
  return { lines: [...lines, ...routes], dns: [...dns] };
}

export function readNetworkData(configDrive: string): NetworkData {
  return JSON.parse(readFileSync(join(configDrive, 'openstack', 'latest', 'network_data.json'), 'utf8')) as NetworkData;
}
