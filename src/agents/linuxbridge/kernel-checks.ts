// The Linux bridge host's answers to `neutrino trace` (contract/trace.ts): is a port's tap up and
// in its network's bridge, does the network's VXLAN device send a MAC (and floods) to the other
// host's tunnel endpoint, and does the port firewall hold the port (firewall/filter-check.ts).
import { tapName } from '../../contract/device-names.js';
import type { FdbTowardsCheck, KernelAnswer, KernelCheck, PortWiredCheck } from '../../contract/trace.js';
import { FLOOD_MAC, fdbOf } from '../../linux/bridge-fdb.js';
import { showLinks, type Link } from '../../linux/links.js';
import { checkPortFilter, type FirewallTables } from '../firewall/filter-check.js';
import { vxlanName } from './names.js';

export interface LinuxBridgeCheckContext {
  netns: string | null;
  /** the bridge the agent wired a port into (a mapped bridge), else the network's brq */
  bridgeOf(portId: string, networkId: string): string;
  /** whether the host's firewall driver is nftables (the noop driver filters nothing) */
  filtering: boolean;
  /** the firewall's tables, read once for every check of one call */
  firewallTables(): Promise<FirewallTables>;
}

/** The kernel reads of one call, shared by its checks: one `ip` batch for every device named,
 *  one fdb dump per VXLAN device (a trace's checks on one host cost one process of each kind). */
interface CallReads {
  links(): Promise<Map<string, Link>>;
  fdb(device: string): Promise<{ mac: string; dst: string | null }[]>;
}

function callReads(ctx: LinuxBridgeCheckContext, checks: KernelCheck[]): CallReads {
  const names = checks.flatMap((c) => (c.kind === 'port_wired' ? [tapName(c.port_id), ctx.bridgeOf(c.port_id, c.network_id)] : []));
  let links: Promise<Map<string, Link>> | null = null;
  const fdb = new Map<string, Promise<{ mac: string; dst: string | null }[]>>();
  return {
    links: () => {
      links ??= showLinks(ctx.netns, names);
      return links;
    },
    fdb: (device) => {
      let f = fdb.get(device);
      if (!f) {
        f = fdbOf(ctx.netns, device);
        fdb.set(device, f);
      }
      return f;
    },
  };
}

async function portWired(ctx: LinuxBridgeCheckContext, reads: CallReads, c: PortWiredCheck): Promise<KernelAnswer> {
  const tap = tapName(c.port_id);
  const bridge = ctx.bridgeOf(c.port_id, c.network_id);
  const links = await reads.links();
  const dev = links.get(tap);
  if (!dev) return { agrees: false, detail: `device ${tap} does not exist` };
  if (!links.has(bridge)) return { agrees: false, detail: `bridge ${bridge} does not exist` };
  if (dev.master !== bridge) return { agrees: false, detail: `${tap} is ${dev.master ? `in ${dev.master}` : 'in no bridge'}, not in ${bridge}` };
  if (!dev.up) return { agrees: false, detail: `${tap} is in ${bridge} but down` };
  return { agrees: true, detail: `${tap} is up in ${bridge}` };
}

async function fdbTowards(reads: CallReads, c: FdbTowardsCheck): Promise<KernelAnswer> {
  const dev = vxlanName(c.vni);
  const entries = await reads.fdb(dev);
  if (!entries.length) return { agrees: false, detail: `${dev} has no forwarding entries (or does not exist)` };
  const mac = c.mac.toLowerCase();
  const unicast = entries.filter((e) => e.mac === mac && e.dst);
  const flood = entries.some((e) => e.mac === FLOOD_MAC && e.dst === c.remote_ip);
  const floodText = flood ? `flood entry to ${c.remote_ip} present` : `no flood entry to ${c.remote_ip}`;
  if (!unicast.length) return { agrees: false, detail: `${dev} has no fdb entry for ${mac} (the model puts it behind ${c.remote_ip}); ${floodText}` };
  if (!unicast.some((e) => e.dst === c.remote_ip)) return { agrees: false, detail: `${dev} sends ${mac} to ${unicast.map((e) => e.dst).join(', ')}, not to ${c.remote_ip}` };
  return { agrees: flood, detail: `${dev}: ${mac} dst ${c.remote_ip}; ${floodText}` };
}

/** The answers to one call's checks, in order, from one read of each kind. */
export function linuxBridgeChecks(ctx: LinuxBridgeCheckContext, checks: KernelCheck[]): Promise<KernelAnswer[]> {
  const reads = callReads(ctx, checks);
  return Promise.all(checks.map((c) => linuxBridgeCheck(ctx, reads, c)));
}

async function linuxBridgeCheck(ctx: LinuxBridgeCheckContext, reads: CallReads, c: KernelCheck): Promise<KernelAnswer> {
  try {
    switch (c.kind) {
      case 'port_wired':
        return await portWired(ctx, reads, c);
      case 'fdb_towards':
        return await fdbTowards(reads, c);
      case 'port_filter':
        if (!ctx.filtering) return { agrees: false, detail: 'this host runs the noop firewall driver: nothing is filtered' };
        return await checkPortFilter(ctx.firewallTables(), c, c.network_id ? ctx.bridgeOf(c.port_id, c.network_id) : null);
      default:
        return { agrees: null, detail: `an L2 agent does not check ${c.kind}` };
    }
  } catch (e) {
    return { agrees: null, detail: `could not read the kernel: ${(e as Error).message}` };
  }
}
