// Watches a netns for devices appearing and going, with one long-lived `ip -o monitor link`
// child (the kernel pushes every link change; nothing is polled). It is started, and known to
// be subscribed, before the caller's first listing, so no device can slip between the two.
// If the child dies it is started again and the devices are listed once to catch up.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { inNetns } from './exec.js';
import { listLinks } from './links.js';

export interface LinkChange {
  added: string[];
  removed: string[];
}

export interface LinkEvent {
  kind: 'new' | 'deleted';
  name: string;
}

/**
 * One line of `ip -o monitor link`. Bridge-port notifications (family AF_BRIDGE: a port
 * leaving a bridge is reported as "Deleted") carry no qdisc, real link messages always do,
 * so a deletion without a qdisc is not the device going away.
 */
export function parseMonitorLine(line: string): LinkEvent | null {
  const m = /^(Deleted )?\d+: ([^:@\s]+)(?:@[^:\s]+)?: <[^>]*>(.*)$/.exec(line.trim());
  if (!m) return null;
  if (!/ qdisc /.test(m[3])) return null;
  return { kind: m[1] ? 'deleted' : 'new', name: m[2] };
}

export interface LinkMonitorOptions {
  netns: string | null;
  log: Logger;
  /** which device names matter (e.g. taps) */
  match: (name: string) => boolean;
}

export class LinkMonitor {
  private child: ChildProcess | null = null;
  private known = new Set<string>();
  private listener: ((c: LinkChange) => void) | null = null;
  private closed = false;
  private restarts = 0;
  private buffered = '';
  private readonly listings = new Set<Map<string, LinkEvent['kind']>>();

  constructor(private readonly o: LinkMonitorOptions) {}

  /** Starts the monitor and resolves once it is subscribed to link events. */
  async start(): Promise<void> {
    await this.spawnMonitor();
  }

  /** the running `ip monitor` child's pid (tests) */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  onChange(listener: (c: LinkChange) => void): void {
    this.listener = listener;
  }

  /** Lists matching devices now (after start(), so later changes are all seen as events). */
  async list(): Promise<Set<string>> {
    // events that arrive while listing may be newer than the listing: the last one wins
    const during = new Map<string, LinkEvent['kind']>();
    this.listings.add(during);
    let links;
    try {
      links = await listLinks(this.o.netns);
    } finally {
      this.listings.delete(during);
    }
    const now = new Set([...links.keys()].filter(this.o.match));
    for (const [name, kind] of during) {
      if (kind === 'new') now.add(name);
      else now.delete(name);
    }
    this.known = new Set(now);
    return now;
  }

  private async spawnMonitor(): Promise<void> {
    const [file, args] = inNetns(this.o.netns, 'ip', ['-o', 'monitor', 'link']);
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.buffered = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => this.consume(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-2000);
      // the kernel dropped events (a burst outran the socket buffer); ip goes on, we list again
      if (/No buffer space available/.test(d)) void this.catchUp('events were dropped (ENOBUFS)');
    });
    child.once('error', (e) => this.o.log.error({ event: 'linkmon.error', netns: this.o.netns, err: e.message }, 'link monitor could not run'));
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      if (this.closed) return;
      this.o.log.warn({ event: 'linkmon.died', netns: this.o.netns, code, signal, stderr: stderr.trim() }, 'the link monitor exited; starting it again');
      const delay = Math.min(5000, 100 * 2 ** Math.min(this.restarts++, 6));
      setTimeout(() => void this.restart(), delay).unref?.();
    });
    await this.subscribed(child);
  }

  private async restart(): Promise<void> {
    if (this.closed) return;
    try {
      await this.spawnMonitor();
      this.restarts = 0;
      this.o.log.info({ event: 'linkmon.restarted', netns: this.o.netns }, 'link monitor running again');
    } catch (err) {
      this.o.log.error({ event: 'linkmon.restart_failed', netns: this.o.netns, err: (err as Error).message }, 'could not restart the link monitor');
      return;
    }
    await this.catchUp('the link monitor was restarted');
  }

  private catchingUp: Promise<void> | null = null;
  private catchUpAgain = false;

  /** Events were lost: compares a fresh listing with what was known and reports the difference. */
  private catchUp(why: string): Promise<void> {
    if (this.catchingUp) {
      this.catchUpAgain = true;
      return this.catchingUp;
    }
    this.catchingUp = (async () => {
      do {
        this.catchUpAgain = false;
        if (this.closed) break;
        try {
          const before = this.known;
          const now = await this.list();
          const added = [...now].filter((n) => !before.has(n));
          const removed = [...before].filter((n) => !now.has(n));
          this.o.log.warn({ event: 'linkmon.caught_up', netns: this.o.netns, why, added: added.length, removed: removed.length }, `${why}: devices listed again`);
          if (added.length || removed.length) this.listener?.({ added, removed });
        } catch (err) {
          this.o.log.error({ event: 'linkmon.catch_up_failed', netns: this.o.netns, err: (err as Error).message }, 'could not list devices to catch up');
        }
      } while (this.catchUpAgain);
    })().finally(() => (this.catchingUp = null));
    return this.catchingUp;
  }

  /**
   * Resolves when the child's netlink socket has joined the link group (its row in
   * /proc/PID/net/netlink shows Groups ≠ 0), i.e. every later change reaches it.
   */
  private async subscribed(child: ChildProcess): Promise<void> {
    const end = Date.now() + 3000;
    while (Date.now() < end) {
      if (child.exitCode !== null || child.pid === undefined) throw new Error(`ip monitor exited at once in ${this.o.netns || 'the host namespace'}`);
      try {
        const table = await readFile(`/proc/${child.pid}/net/netlink`, 'utf8');
        for (const row of table.split('\n').slice(1)) {
          const [, eth, pid, groups] = row.trim().split(/\s+/);
          if (eth === '0' && pid === String(child.pid) && groups && parseInt(groups, 16) !== 0) return;
        }
      } catch {
        // the process may not be there yet
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    this.o.log.warn({ event: 'linkmon.not_confirmed', netns: this.o.netns }, 'could not confirm the link monitor subscribed within 3 s; going on');
  }

  private consume(chunk: string): void {
    this.buffered += chunk;
    const lines = this.buffered.split('\n');
    this.buffered = lines.pop() ?? '';
    for (const line of lines) {
      const ev = parseMonitorLine(line);
      if (!ev || !this.o.match(ev.name)) continue;
      for (const l of this.listings) l.set(ev.name, ev.kind);
      // one change per event, in order: a device that went and came back must end up added
      if (ev.kind === 'new' && !this.known.has(ev.name)) {
        this.known.add(ev.name);
        this.listener?.({ added: [ev.name], removed: [] });
      } else if (ev.kind === 'deleted' && this.known.delete(ev.name)) {
        this.listener?.({ added: [], removed: [ev.name] });
      }
    }
  }

  /** Stops the child; devices are not touched. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}
