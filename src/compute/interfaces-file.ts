// Flat-mode injection as nova's flat_injected did it: the instance's network configuration is
// written into the instance before it starts, as a Debian `/etc/network/interfaces` file (nova's
// interfaces.template), and the instance's boot applies it. For a namespace instance the file
// lives under /etc/netns/<ns>/network/interfaces (what `ip netns exec` binds over
// /etc/network/interfaces inside); `neutrino instance boot` plays the instance's ifup. Pure
// rendering and parsing; the caller writes and applies.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface InjectedInterface {
  dev: string;
  address: string;
  prefixlen: number;
  gateway?: string | null;
  dns?: string[];
}

export const interfacesFileOf = (netns: string): string => `/etc/netns/${netns}/network/interfaces`;

function netmaskOf(prefixlen: number): string {
  const bits = prefixlen === 0 ? 0 : (0xffffffff << (32 - prefixlen)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.');
}

function broadcastOf(address: string, prefixlen: number): string {
  const v = address.split('.').reduce((a, o) => ((a << 8) | Number(o)) >>> 0, 0);
  const host = prefixlen === 32 ? 0 : (0xffffffff >>> prefixlen) >>> 0;
  const b = (v | host) >>> 0;
  return [24, 16, 8, 0].map((s) => (b >>> s) & 255).join('.');
}

/** The file, in nova's interfaces.template layout (IPv4 static stanza per interface). */
export function renderInterfaces(ifaces: InjectedInterface[]): string {
  const out = ['# Injected by Neutrino (nova-network Flat mode: no DHCP on this network)', '', 'auto lo', 'iface lo inet loopback', ''];
  for (const i of ifaces) {
    out.push(`auto ${i.dev}`, `iface ${i.dev} inet static`, `    address ${i.address}`, `    netmask ${netmaskOf(i.prefixlen)}`, `    broadcast ${broadcastOf(i.address, i.prefixlen)}`);
    if (i.gateway) out.push(`    gateway ${i.gateway}`);
    if (i.dns?.length) out.push(`    dns-nameservers ${i.dns.join(' ')}`);
    out.push('');
  }
  return out.join('\n');
}

const prefixOf = (mask: string): number => {
  const bits = mask
    .split('.')
    .map((o) => Number(o).toString(2).padStart(8, '0'))
    .join('');
  const n = bits.indexOf('0') === -1 ? 32 : bits.indexOf('0');
  if (bits.slice(n).includes('1') || mask.split('.').length !== 4) throw new Error(`netmask ${mask} is not a prefix`);
  return n;
};

/**
 * What ifup does with the file's static IPv4 stanzas: `ip -batch` lines (addresses first, then
 * default routes) and the DNS servers (for resolv.conf). Unknown stanzas and options are left alone.
 */
export function interfacesCommands(text: string): { lines: string[]; dns: string[] } {
  const addrs: string[] = [];
  const routes: string[] = [];
  const dns: string[] = [];
  let cur: { dev: string; address?: string; netmask?: string; gateway?: string } | null = null;
  const flush = () => {
    if (!cur?.address) return;
    const [ip, plen] = cur.address.split('/');
    const prefix = plen !== undefined ? Number(plen) : prefixOf(cur.netmask ?? '255.255.255.255');
    addrs.push(`addr add ${ip}/${prefix} dev ${cur.dev}`);
    if (cur.gateway) routes.push(`route replace default via ${cur.gateway} dev ${cur.dev}`);
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'iface') {
      flush();
      cur = rest[1] === 'inet' && rest[2] === 'static' ? { dev: rest[0] } : null;
    } else if (key === 'auto' || key === 'allow-hotplug') {
    } else if (cur) {
      if (key === 'address') cur.address = rest[0];
      else if (key === 'netmask') cur.netmask = rest[0];
      else if (key === 'gateway') cur.gateway = rest[0];
      else if (key === 'dns-nameservers') dns.push(...rest);
    }
  }
  flush();
  return { lines: [...addrs, ...routes], dns };
}

export function writeInterfacesFile(netns: string, text: string): string {
  const path = interfacesFileOf(netns);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

export const readInterfacesFile = (netns: string): string => readFileSync(interfacesFileOf(netns), 'utf8');
