// Network devices as the kernel reports them (`ip -d -json link show`, `ip -json addr show`)
// and changes to them as one `ip -batch -` / `bridge -batch -` process however many lines.
import { run } from './exec.js';

export interface Link {
  ifindex: number;
  name: string;
  mtu: number;
  /** administratively up (IFF_UP) */
  up: boolean;
  /** the bridge it is a port of */
  master: string | null;
  /** info_kind: bridge, vxlan, veth, vlan … (null for plain physical devices) */
  kind: string | null;
  /** kind-specific settings (vxlan id/local/port/link, bridge stp_state/forward_delay …) */
  data: Record<string, unknown>;
  address: string | null;
}

interface RawLink {
  ifindex: number;
  ifname: string;
  mtu: number;
  flags?: string[];
  master?: string;
  address?: string;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
}

/** Parses `ip -d -json link show` output (ifname `a@b` is how ip names a peer; JSON keeps them apart). */
export function parseLinks(json: string): Link[] {
  const raw = JSON.parse(json || '[]') as RawLink[];
  return raw.map((l) => ({
    ifindex: l.ifindex,
    name: l.ifname,
    mtu: l.mtu,
    up: (l.flags ?? []).includes('UP'),
    master: l.master ?? null,
    kind: l.linkinfo?.info_kind ?? null,
    data: l.linkinfo?.info_data ?? {},
    address: l.address ?? null,
  }));
}

/** Every link of the netns with its details, by name (one process). */
export async function listLinks(netns: string | null): Promise<Map<string, Link>> {
  const r = await run('ip', ['-d', '-json', 'link', 'show'], { netns });
  return new Map(parseLinks(r.stdout).map((l) => [l.name, l]));
}

/**
 * Only the named links (one `ip -batch` of `link show dev X`): a few lookups instead of
 * dumping every device of a host with hundreds of ports. Names that do not exist are absent.
 */
export async function showLinks(netns: string | null, names: string[]): Promise<Map<string, Link>> {
  const unique = [...new Set(names)];
  if (!unique.length) return new Map();
  const r = await run('ip', ['-d', '-json', '-force', '-batch', '-'], { netns, input: unique.map((n) => `link show dev ${n}`).join('\n') + '\n', allowFailure: true });
  const unexpected = r.stderr.split('\n').filter((l) => l.trim() && !/does not exist|^Command failed/.test(l));
  if (r.code !== 0 && unexpected.length) throw new Error(`ip link show in ${netns || 'the host namespace'} failed: ${unexpected.join(' ')}`);
  const out = new Map<string, Link>();
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    for (const l of parseLinks(line)) out.set(l.name, l);
  }
  return out;
}

export interface InterfaceAddress {
  ifname: string;
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
}

/** Every address of the netns (one process). */
export async function listAddresses(netns: string | null): Promise<InterfaceAddress[]> {
  const r = await run('ip', ['-json', 'addr', 'show'], { netns });
  const raw = JSON.parse(r.stdout || '[]') as { ifname: string; addr_info?: { family: string; local: string; prefixlen: number }[] }[];
  const out: InterfaceAddress[] = [];
  for (const l of raw) {
    for (const a of l.addr_info ?? []) {
      if (a.family === 'inet' || a.family === 'inet6') out.push({ ifname: l.ifname, family: a.family, local: a.local, prefixlen: a.prefixlen });
    }
  }
  return out;
}

/** The interface that holds `ip` in netns, or null. */
export async function interfaceOf(netns: string | null, ip: string): Promise<string | null> {
  return (await listAddresses(netns)).find((a) => a.local === ip)?.ifname ?? null;
}

export interface BatchFailure {
  /** 0-based index into the lines given */
  line: number;
  command: string;
  error: string;
}

/**
 * Runs a batch with -force (every line is tried even if one fails) and returns which lines
 * failed, from ip's "Command failed -:N" reports; the error text is what came before it.
 */
export async function runBatch(tool: 'ip' | 'bridge', netns: string | null, lines: string[]): Promise<BatchFailure[]> {
  if (!lines.length) return [];
  const r = await run(tool, ['-force', '-batch', '-'], { netns, input: `${lines.join('\n')}\n`, allowFailure: true });
  if (r.code === 0) return [];
  const failures = parseBatchErrors(r.stderr, lines);
  if (!failures.length) {
    // nothing attributable to a line: the tool itself failed (no such netns …)
    throw new Error(`${tool} -batch in ${netns || 'the host namespace'} failed (exit ${r.code}): ${r.stderr.trim() || 'no output'}`);
  }
  return failures;
}

/** Splits a batch's stderr into per-line failures. */
export function parseBatchErrors(stderr: string, lines: string[]): BatchFailure[] {
  const out: BatchFailure[] = [];
  let pending: string[] = [];
  for (const text of stderr.split('\n')) {
    const m = /^Command failed -:(\d+)\s*$/.exec(text);
    if (m) {
      const line = Number(m[1]) - 1;
      out.push({ line, command: lines[line] ?? '', error: pending.join(' ').trim() || 'failed' });
      pending = [];
    } else if (text.trim()) {
      pending.push(text.trim());
    }
  }
  return out;
}

/** `ip -batch -` in netns: link changes, one process. */
export const ipBatch = (netns: string | null, lines: string[]): Promise<BatchFailure[]> => runBatch('ip', netns, lines);

/** `bridge -batch -` in netns: fdb changes, one process. */
export const bridgeBatch = (netns: string | null, lines: string[]): Promise<BatchFailure[]> => runBatch('bridge', netns, lines);
