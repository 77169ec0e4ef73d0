// Deleting connection-tracking entries with the conntrack tool. All deletions of one change
// go to a single `conntrack -R file` process (one command per line), not one process each.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './exec.js';

export interface ConntrackFilter {
  family: 'ipv4' | 'ipv6';
  /** ct mark value and the bits of it that must match */
  mark?: { value: number; mask: number };
  zone?: number;
  /** original-direction source / destination: an address or a prefix (a.b.c.d/n) */
  src?: string;
  dst?: string;
  /** reply-direction destination (`-q`): the address a source NAT rewrote to */
  replyDst?: string;
  /** layer 4 protocol and original-direction destination port (`-p tcp --dport N`) */
  protocol?: 'tcp' | 'udp';
  dport?: number;
}

/** The conntrack command line that deletes what filter matches. */
export function conntrackDeleteLine(f: ConntrackFilter): string {
  const args = ['-D', '-f', f.family];
  if (f.mark) args.push('--mark', `${f.mark.value >>> 0}/0x${(f.mark.mask >>> 0).toString(16)}`);
  if (f.zone !== undefined) args.push('--zone', String(f.zone));
  for (const [flag, maskFlag, addr] of [
    ['-s', '--mask-src', f.src],
    ['-d', '--mask-dst', f.dst],
  ] as const) {
    if (!addr) continue;
    const [ip, len] = addr.split('/');
    args.push(flag, ip);
    if (len !== undefined) args.push(maskFlag, prefixToMask(f.family, Number(len)));
  }
  if (f.replyDst) args.push('-q', f.replyDst);
  if (f.protocol) args.push('-p', f.protocol);
  if (f.protocol && f.dport !== undefined) args.push('--dport', String(f.dport));
  return args.join(' ');
}

function prefixToMask(family: 'ipv4' | 'ipv6', len: number): string {
  if (family === 'ipv4') {
    const m = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    return [24, 16, 8, 0].map((s) => (m >>> s) & 255).join('.');
  }
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) {
    const bits = Math.max(0, Math.min(16, len - i * 16));
    groups.push(((0xffff << (16 - bits)) & 0xffff).toString(16));
  }
  return groups.join(':');
}

/** Deletes the entries each filter matches, in netns; matching nothing is fine. */
export async function deleteConntrack(netns: string | null, filters: ConntrackFilter[]): Promise<void> {
  if (!filters.length) return;
  // -R wants a file it can open: node's stdin pipe is a socket, which it cannot
  const dir = await mkdtemp(join(tmpdir(), 'neutrino-ct-'));
  try {
    const file = join(dir, 'delete');
    await writeFile(file, `${filters.map(conntrackDeleteLine).join('\n')}\n`);
    await run('conntrack', ['-R', file], { netns });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
