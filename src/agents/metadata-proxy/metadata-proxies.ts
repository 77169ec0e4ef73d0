// The metadata proxies of one agent (the L3 agent's per router, the DHCP agent's per isolated
// network): a haproxy per namespace with its config and pid file under
// state_path/metadata-proxy/<kind>-<id>.{conf,pid} (the kind keeps the two agents, which share
// the directory, from taking each other's proxies for stale ones). ensure() is idempotent and cheap when all is
// right (a file comparison and a look at /proc); a changed config restarts the proxy. Like
// dnsmasq, the proxies keep running when the agent stops and are adopted by the next one, so
// an agent restart interrupts no instance's request.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { runningHaproxy, startHaproxy, stopHaproxy } from '../../linux/haproxy.js';
import { renderHaproxyConfig, type ProxyConfig } from './haproxy-config.js';

export interface MetadataProxiesOptions {
  /** router (L3 agent) or network (DHCP agent) */
  kind: ProxyConfig['kind'];
  /** state_path/metadata-proxy */
  dir: string;
  /** the metadata agent's socket ([DEFAULT] metadata_proxy_socket) */
  socket: string;
  /** who haproxy runs as after binding (null: root) */
  user: { user: string; group: string } | null;
  log: Logger;
}

export type ProxyChange = 'started' | 'restarted' | 'kept';

export class MetadataProxies {
  constructor(private readonly o: MetadataProxiesOptions) {
    mkdirSync(o.dir, { recursive: true, mode: 0o755 });
  }

  private files(id: string): { conf: string; pid: string } {
    return { conf: join(this.o.dir, `${this.o.kind}-${id}.conf`), pid: join(this.o.dir, `${this.o.kind}-${id}.pid`) };
  }

  /** The pid file of the proxy of `id` (tests, status). */
  pidFile(id: string): string {
    return this.files(id).pid;
  }

  /** The proxy of router or network `id` runs in netns, bound to `bind`. */
  async ensure(id: string, netns: string, bind: string): Promise<ProxyChange> {
    const kind = this.o.kind;
    const f = this.files(id);
    const text = renderHaproxyConfig({ kind, id, bind, socket: this.o.socket, pidFile: f.pid, user: this.o.user });
    let old: string | null = null;
    try {
      old = readFileSync(f.conf, 'utf8');
    } catch {
      // first time
    }
    const running = runningHaproxy(f.pid, f.conf) !== null;
    if (running && old === text) return 'kept';
    if (running) await stopHaproxy(f.pid, f.conf);
    if (old !== text) {
      const tmp = `${f.conf}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, f.conf);
    }
    const pid = await startHaproxy(netns, f.conf, f.pid);
    this.o.log.info({ event: 'metadata_proxy.started', kind, id, netns, bind, pid, restarted: running }, `metadata proxy for ${kind} ${id} ${running ? 'restarted' : 'started'} in ${netns}`);
    return running ? 'restarted' : 'started';
  }

  /** Stops the proxy of `id` and removes its files; true when one was running. */
  async remove(id: string): Promise<boolean> {
    const f = this.files(id);
    const was = await stopHaproxy(f.pid, f.conf);
    rmSync(f.conf, { force: true });
    if (was) this.o.log.info({ event: 'metadata_proxy.stopped', kind: this.o.kind, id }, `metadata proxy for ${this.o.kind} ${id} stopped`);
    return was;
  }

  /** Ids of this kind that have a config here (running or not). */
  known(): string[] {
    const prefix = `${this.o.kind}-`;
    try {
      return readdirSync(this.o.dir)
        .filter((n) => n.startsWith(prefix) && n.endsWith('.conf'))
        .map((n) => n.slice(prefix.length, -5));
    } catch {
      return [];
    }
  }
}
