// Forwarding entries on VXLAN devices (what l2population tells a host): the all-zeros MAC with
// one remote per host is the flood list (head-end replication, no multicast); a port's MAC
// points at its host's tunnel endpoint. One `bridge -batch -` per change.
import type { Logger } from 'pino';
import { run } from './exec.js';
import { bridgeBatch, type BatchFailure } from './links.js';

export const FLOOD_MAC = '00:00:00:00:00:00';

export interface FdbRemote {
  /** tunnel endpoint of the host the MACs live on */
  dst: string;
  /** port MACs behind it; FLOOD_MAC makes dst part of the flood list */
  macs: string[];
}

/** Lines that add entries (appending a flood remote twice or replacing a MAC is harmless). */
export function fdbAddLines(device: string, remotes: FdbRemote[]): string[] {
  const lines: string[] = [];
  for (const r of remotes) {
    for (const mac of new Set(r.macs)) {
      lines.push(mac === FLOOD_MAC ? `fdb append ${FLOOD_MAC} dev ${device} dst ${r.dst}` : `fdb replace ${mac} dev ${device} dst ${r.dst}`);
    }
  }
  return lines;
}

/** Lines that remove entries (only the given remote of each MAC). */
export function fdbRemoveLines(device: string, remotes: FdbRemote[]): string[] {
  const lines: string[] = [];
  for (const r of remotes) for (const mac of new Set(r.macs)) lines.push(`fdb del ${mac} dev ${device} dst ${r.dst}`);
  return lines;
}

/** Remote entries (those with a dst) of every device in netns, by device: one read. */
export async function remoteFdb(netns: string | null): Promise<Map<string, { mac: string; dst: string }[]>> {
  const r = await run('bridge', ['-j', 'fdb', 'show'], { netns, allowFailure: true });
  const out = new Map<string, { mac: string; dst: string }[]>();
  if (r.code !== 0) return out;
  for (const e of JSON.parse(r.stdout || '[]') as { mac: string; ifname?: string; dst?: string }[]) {
    if (typeof e.dst !== 'string' || !e.ifname) continue;
    const list = out.get(e.ifname) ?? [];
    list.push({ mac: e.mac, dst: e.dst });
    out.set(e.ifname, list);
  }
  return out;
}

/** Lines that delete the remote entries of a device that `wanted` does not have. */
export function staleFdbLines(device: string, current: { mac: string; dst: string }[], wanted: FdbRemote[]): string[] {
  const keep = new Set(wanted.flatMap((r) => r.macs.map((m) => `${m.toLowerCase()} ${r.dst}`)));
  return current.filter((e) => !keep.has(`${e.mac.toLowerCase()} ${e.dst}`)).map((e) => `fdb del ${e.mac} dev ${device} dst ${e.dst}`);
}

// an entry that is already there (add) or already gone (del) is the state we wanted
const HARMLESS = /File exists|No such file or directory|Cannot find device/;

/** Runs fdb lines in netns; returns the failures that mean something is wrong. */
export async function applyFdb(netns: string | null, lines: string[], log: Logger): Promise<BatchFailure[]> {
  const failures = (await bridgeBatch(netns, lines)).filter((f) => !HARMLESS.test(f.error));
  for (const f of failures) log.error({ event: 'lb.fdb_failed', command: f.command, err: f.error }, `bridge ${f.command} failed: ${f.error}`);
  return failures;
}

/** The forwarding entries of one device (`bridge -j fdb show dev X`); empty when it does not exist. */
export async function fdbOf(netns: string | null, device: string): Promise<{ mac: string; dst: string | null }[]> {
  const r = await run('bridge', ['-j', 'fdb', 'show', 'dev', device], { netns, allowFailure: true });
  if (r.code !== 0) return [];
  return (JSON.parse(r.stdout || '[]') as { mac: string; dst?: string }[]).map((e) => ({ mac: e.mac.toLowerCase(), dst: e.dst ?? null }));
}
