// nova-network's FlatDHCP bridge: the host interface (flat_interface) goes under the bridge
// (flat_network_bridge) and its addresses and routes move onto the bridge, in one `ip -batch`
// so the host is off the network for as short a time as the kernel allows; and back. The plans
// are pure; a failed move is undone from what was read before it.
import { run } from './exec.js';
import { ipBatch, showLinks } from './links.js';

export interface MovedAddress {
  /** address/prefixlen */
  cidr: string;
  family: 'inet' | 'inet6';
}

export interface MovedRoute {
  dst: string;
  gateway?: string;
  metric?: number;
  family: 'inet' | 'inet6';
}

/** What sits on one device and would have to move with it. */
export interface DeviceLayer3 {
  mac: string | null;
  addresses: MovedAddress[];
  /** routes the administrator made (not the kernel's connected routes) */
  routes: MovedRoute[];
}

function routeLine(r: MovedRoute, dev: string): string {
  const family = r.family === 'inet6' ? '-6 ' : '';
  return `${family}route replace ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${dev}${r.metric !== undefined ? ` metric ${r.metric}` : ''}`;
}

/** Addresses and routes leave `from` and land on `to` (addresses before the routes that need them). */
function moveLines(l3: DeviceLayer3, from: string, to: string): string[] {
  return [...l3.addresses.map((a) => `address del ${a.cidr} dev ${from}`), ...l3.addresses.map((a) => `address add ${a.cidr} dev ${to}`), ...l3.routes.map((r) => routeLine(r, to))];
}

/**
 * The batch that puts `iface` under `bridge` with its layer 3: the bridge is made (with the
 * interface's MAC, so neighbours' ARP caches stay right) when absent, the interface enslaved,
 * its addresses and routes moved.
 */
export function planOntoBridge(bridge: string, iface: string, l3: DeviceLayer3, bridgeExists: boolean): string[] {
  const lines: string[] = [];
  if (!bridgeExists) {
    lines.push(`link add name ${bridge}${l3.mac ? ` address ${l3.mac}` : ''} type bridge`);
  }
  lines.push(`link set dev ${bridge} up`, `link set dev ${iface} master ${bridge}`, `link set dev ${iface} up`);
  return [...lines, ...moveLines(l3, iface, bridge)];
}

/** The batch that takes it back: layer 3 from the bridge to the interface, the interface out, the bridge deleted. */
export function planOffBridge(bridge: string, iface: string, bridgeL3: DeviceLayer3): string[] {
  return [`link set dev ${iface} nomaster`, ...moveLines(bridgeL3, bridge, iface), `link del dev ${bridge}`];
}

interface JsonRoute {
  dst: string;
  gateway?: string;
  metric?: number;
  protocol?: string;
}

/** The device's addresses (no link-local ones: the kernel makes those) and non-kernel routes. */
export async function readLayer3(netns: string | null, dev: string): Promise<DeviceLayer3> {
  const links = await showLinks(netns, [dev]);
  const addr = JSON.parse((await run('ip', ['-json', 'address', 'show', 'dev', dev], { netns })).stdout || '[]') as {
    address?: string;
    addr_info?: { family: string; local: string; prefixlen: number; scope?: string }[];
  }[];
  const addresses: MovedAddress[] = [];
  for (const a of addr[0]?.addr_info ?? []) {
    if ((a.family === 'inet' || a.family === 'inet6') && a.scope !== 'link' && a.scope !== 'host') addresses.push({ cidr: `${a.local}/${a.prefixlen}`, family: a.family });
  }
  const routes: MovedRoute[] = [];
  for (const family of ['inet', 'inet6'] as const) {
    const r = await run('ip', ['-json', family === 'inet' ? '-4' : '-6', 'route', 'show', 'dev', dev], { netns });
    for (const x of JSON.parse(r.stdout || '[]') as JsonRoute[]) {
      if (x.protocol === 'kernel' || x.dst.startsWith('fe80:') || x.dst.startsWith('multicast')) continue;
      routes.push({ dst: x.dst, gateway: x.gateway, metric: x.metric, family });
    }
  }
  return { mac: links.get(dev)?.address ?? null, addresses, routes };
}

const IFNAME = /^[^\s/:]{1,15}$/;

async function apply(netns: string | null, lines: string[], undo: string[], what: string): Promise<void> {
  const failures = await ipBatch(netns, lines);
  if (!failures.length) return;
  // a half-done move leaves the host unreachable: put back what was there, as far as it goes
  await ipBatch(netns, undo);
  throw new Error(`${what} failed and was undone: ${failures.map((f) => `'${f.command}': ${f.error}`).join('; ')}`);
}

/**
 * Ensures `iface` is under `bridge` with its addresses and routes on the bridge. Idempotent:
 * an interface already under the bridge is left as it is. Returns whether anything moved.
 */
export async function moveOntoBridge(netns: string | null, bridge: string, iface: string): Promise<boolean> {
  for (const [option, name] of [
    ['flat_network_bridge', bridge],
    ['flat_interface', iface],
  ]) {
    if (!IFNAME.test(name)) throw new Error(`[DEFAULT] ${option} = ${name}: not an interface name (1-15 characters, no '/', ':' or spaces)`);
  }
  const links = await showLinks(netns, [bridge, iface]);
  const existing = links.get(bridge);
  if (existing && existing.kind !== 'bridge') throw new Error(`[DEFAULT] flat_network_bridge = ${bridge}: that device exists and is a ${existing.kind ?? 'physical interface'}, not a bridge`);
  const dev = links.get(iface);
  if (!dev) throw new Error(`flat_interface ${iface} does not exist in ${netns ?? 'the host namespace'}: set [DEFAULT] flat_interface to the interface under ${bridge}`);
  if (dev.master === bridge) return false;
  if (dev.master) throw new Error(`flat_interface ${iface} is already a port of ${dev.master}: take it out first (ip link set ${iface} nomaster)`);
  const l3 = await readLayer3(netns, iface);
  const bridgeExists = links.has(bridge);
  // undone: the interface out, its addresses and routes back, a bridge made here deleted
  const undo = [`link set dev ${iface} nomaster`, ...moveLines(l3, bridge, iface), ...(bridgeExists ? [] : [`link del dev ${bridge}`])];
  await apply(netns, planOntoBridge(bridge, iface, l3, bridgeExists), undo, `moving ${iface} under ${bridge}`);
  return true;
}

/** Takes `iface` back from `bridge`: the bridge's addresses and routes return to it and the bridge goes. */
export async function moveOffBridge(netns: string | null, bridge: string, iface: string): Promise<boolean> {
  const links = await showLinks(netns, [bridge, iface]);
  if (!links.has(bridge)) return false;
  const l3 = await readLayer3(netns, bridge);
  await apply(netns, planOffBridge(bridge, iface, l3), planOntoBridge(bridge, iface, l3, true), `moving ${iface} out of ${bridge}`);
  return true;
}
