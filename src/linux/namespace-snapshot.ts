// Everything a service namespace's owner needs to know about it, read in one `ip -batch`
// process: devices with their addresses, routes of one protocol, and whether it forwards.
import { run } from './exec.js';
import { parseLinks, type Link } from './links.js';
import { parseRoutes, type KernelRoute } from './routes.js';

export interface NamespaceSnapshot {
  links: Map<string, Link>;
  /** dev → global addresses as ip/prefixlen */
  addresses: Map<string, string[]>;
  /** main-table routes with the protocol asked for */
  routes: KernelRoute[];
  forwarding: { ipv4: boolean; ipv6: boolean };
}

interface RawAddrLink {
  ifname: string;
  addr_info?: { local: string; prefixlen: number; scope: string }[];
}

interface RawNetconf {
  family: string;
  interface: string;
  forwarding?: boolean;
}

/** What a namespace made just now holds: nothing (so there is nothing to read). */
export const EMPTY_SNAPSHOT: NamespaceSnapshot = { links: new Map(), addresses: new Map(), routes: [], forwarding: { ipv4: false, ipv6: false } };

/** `ip -d -json addr show` output: the devices, and each one's global addresses. */
function parseAddrDump(addrJson: string): { links: Map<string, Link>; addresses: Map<string, string[]> } {
  const addresses = new Map<string, string[]>();
  for (const l of JSON.parse(addrJson) as RawAddrLink[]) {
    addresses.set(
      l.ifname,
      (l.addr_info ?? []).filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`),
    );
  }
  return { links: new Map(parseLinks(addrJson).map((l) => [l.name, l])), addresses };
}

/** Devices and their global addresses, in one process. */
export async function readNamespaceDevices(netns: string): Promise<{ links: Map<string, Link>; addresses: Map<string, string[]> }> {
  const r = await run('ip', ['-d', '-json', 'addr', 'show'], { netns });
  return parseAddrDump(r.stdout.trim() || '[]');
}

export async function snapshotNamespace(netns: string, routeProto: string): Promise<NamespaceSnapshot> {
  const r = await run('ip', ['-d', '-json', '-batch', '-'], { netns, input: `addr show\nroute show table all proto ${routeProto}\nnetconf show\n` });
  const [addrJson = '[]', routeJson = '[]', netconfJson = '[]'] = r.stdout.split('\n').filter((l) => l.trim());
  const netconf = JSON.parse(netconfJson) as RawNetconf[];
  const fwd = (family: string) => netconf.find((n) => n.family === family && n.interface === 'all')?.forwarding === true;
  return { ...parseAddrDump(addrJson), routes: parseRoutes(routeJson), forwarding: { ipv4: fwd('inet'), ipv6: fwd('inet6') } };
}
