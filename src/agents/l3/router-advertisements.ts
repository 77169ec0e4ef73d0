// The radvd of each router that has IPv6 subnets with ipv6_ra_mode (Neutron's ra.py, core L3
// agent behaviour): one daemon per router in its qrouter namespace, its config and pid file
// under state_path/ra/<router>.{conf,pid,log}. A changed config is written and radvd reloaded
// with SIGHUP (never restarted: hosts keep their addresses and routes); a router with nothing to
// advertise, or removed, has its radvd stopped. Like the metadata proxies, radvd keeps running
// when the agent stops and is adopted by the next one.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SyncRouter } from '../../contract/l3.js';
import { findBinary } from '../../linux/preflight.js';
import { reloadRadvd, runningRadvd, startRadvd, stopRadvd } from '../../linux/radvd.js';
import { advertisedInterfaces, renderRadvdConfig } from './radvd-config.js';

export type RaChange = 'started' | 'reloaded' | 'kept' | 'stopped' | 'none';

export class RouterAdvertisements {
  constructor(private readonly o: { dir: string; log: Logger }) {
    mkdirSync(o.dir, { recursive: true, mode: 0o755 });
  }

  files(routerId: string): { conf: string; pid: string; log: string } {
    return { conf: join(this.o.dir, `${routerId}.conf`), pid: join(this.o.dir, `${routerId}.pid`), log: join(this.o.dir, `${routerId}.log`) };
  }

  /** radvd of the router runs in netns with the router's current prefixes (or not, when it has none). */
  async ensure(router: SyncRouter, netns: string): Promise<RaChange> {
    const ifaces = advertisedInterfaces(router);
    if (!ifaces.length) return (await this.remove(router.id)) ? 'stopped' : 'none';
    const f = this.files(router.id);
    const text = renderRadvdConfig(ifaces);
    let old: string | null = null;
    try {
      old = readFileSync(f.conf, 'utf8');
    } catch {
      // first time
    }
    if (old !== text) {
      const tmp = `${f.conf}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, f.conf);
    }
    const running = runningRadvd(f.pid, f.conf) !== null;
    if (running && old === text) return 'kept';
    if (running) {
      reloadRadvd(f.pid, f.conf);
      this.o.log.info({ event: 'l3.radvd_reloaded', router_id: router.id, interfaces: ifaces.map((i) => i.dev) }, `radvd of router ${router.id} reloaded`);
      return 'reloaded';
    }
    if (!findBinary('radvd')) {
      throw new Error(`router ${router.id} has IPv6 subnets with ipv6_ra_mode, but radvd is not installed (apt-get install radvd)`);
    }
    const pid = await startRadvd(netns, f.conf, f.pid, f.log);
    this.o.log.info({ event: 'l3.radvd_started', router_id: router.id, pid, prefixes: ifaces.flatMap((i) => i.prefixes.map((p) => `${p.cidr} ${p.mode}`)) }, `radvd of router ${router.id} started`);
    return 'started';
  }

  /** Stops the router's radvd and removes its files; true when one was running. */
  async remove(routerId: string): Promise<boolean> {
    const f = this.files(routerId);
    const was = await stopRadvd(f.pid, f.conf);
    rmSync(f.conf, { force: true });
    rmSync(f.log, { force: true });
    if (was) this.o.log.info({ event: 'l3.radvd_stopped', router_id: routerId }, `radvd of router ${routerId} stopped`);
    return was;
  }

  /** Routers with a config here (running or not). */
  known(): string[] {
    try {
      return readdirSync(this.o.dir)
        .filter((n) => n.endsWith('.conf'))
        .map((n) => n.slice(0, -5));
    } catch {
      return [];
    }
  }
}
