// The keepalived of each HA router on this host (Neutron's ha_router.py + keepalived.py, done the
// agent's way): config and state under state_path/ha/<router>/, keepalived started in the
// qrouter namespace as a child of the agent (--dont-fork, its own process group, so it outlives
// the agent's exit and a later agent adopts it by pid file), reloaded with SIGHUP when the
// router's addresses change. keepalived's notify script appends each state to a file the agent
// watches (inotify): a change is reported to the server and the router gets a pass (the master
// applies the NAT and runs the extensions). When the agent's own keepalived dies the router
// is standby here at once (its addresses are flushed, so two hosts never answer for them) and
// keepalived is started again as BACKUP.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { inNetns } from '../../../linux/exec.js';
import { processArgv, readPidFile, signalProcess } from '../../../linux/process.js';
import { runBatch } from '../../../linux/links.js';
import { NOTIFY_SCRIPT, renderKeepalivedConfig, type KeepalivedRouter } from './keepalived-config.js';

export type VrrpState = 'master' | 'backup' | 'fault' | 'unknown';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Tracked {
  netns: string;
  watcher: FSWatcher | null;
  state: VrrpState;
  /** the VIP devices (flushed when keepalived dies) */
  devices: string[];
  stopping: boolean;
}

export class VrrpRouters {
  private readonly routers = new Map<string, Tracked>();
  private readonly script: string;

  constructor(
    private readonly o: {
      dir: string;
      log: Logger;
      advertInt: number;
      /** a router's state changed here (master/backup/fault) */
      onState: (routerId: string, state: VrrpState) => void;
    },
  ) {
    mkdirSync(o.dir, { recursive: true, mode: 0o755 });
    this.script = join(o.dir, 'notify.sh');
    writeFileSync(this.script, NOTIFY_SCRIPT);
    chmodSync(this.script, 0o755);
  }

  files(routerId: string): { dir: string; conf: string; pid: string; vrrpPid: string; state: string; log: string } {
    const dir = join(this.o.dir, routerId);
    return { dir, conf: join(dir, 'keepalived.conf'), pid: join(dir, 'keepalived.pid'), vrrpPid: join(dir, 'keepalived-vrrp.pid'), state: join(dir, 'state'), log: join(dir, 'keepalived.log') };
  }

  /** The pid of the router's keepalived (its parent process), if it runs. */
  pidOf(routerId: string): number | null {
    const f = this.files(routerId);
    const pid = readPidFile(f.pid);
    const argv = pid ? processArgv(pid) : null;
    return pid && argv && argv.includes('keepalived') && argv.includes(f.conf) ? pid : null;
  }

  stateOf(routerId: string): VrrpState {
    return this.routers.get(routerId)?.state ?? this.readState(routerId);
  }

  private readState(routerId: string): VrrpState {
    try {
      const last = readFileSync(this.files(routerId).state, 'utf8').trim().split('\n').pop() ?? '';
      return (['master', 'backup', 'fault'].includes(last) ? last : 'unknown') as VrrpState;
    } catch {
      return 'unknown';
    }
  }

  /** keepalived of the router runs in netns with this config (started, reloaded or kept). */
  async ensure(cfg: Omit<KeepalivedRouter, 'notifyScript' | 'stateFile' | 'advertInt'>, netns: string): Promise<'started' | 'reloaded' | 'kept'> {
    const f = this.files(cfg.routerId);
    mkdirSync(f.dir, { recursive: true, mode: 0o755 });
    const text = renderKeepalivedConfig({ ...cfg, advertInt: this.o.advertInt, notifyScript: this.script, stateFile: f.state });
    let old: string | null = null;
    try {
      old = readFileSync(f.conf, 'utf8');
    } catch {
      // first time
    }
    if (old !== text) {
      writeFileSync(`${f.conf}.tmp`, text);
      renameSync(`${f.conf}.tmp`, f.conf);
    }
    const t = this.track(cfg.routerId, netns);
    t.devices = [...new Set(cfg.addresses.map((a) => a.dev))];
    const pid = this.pidOf(cfg.routerId);
    if (pid && old === text) return 'kept';
    if (pid) {
      signalProcess(pid, 'SIGHUP');
      this.o.log.info({ event: 'l3_ha.keepalived_reloaded', router_id: cfg.routerId, pid }, `keepalived of router ${cfg.routerId} reloaded`);
      return 'reloaded';
    }
    await this.start(cfg.routerId);
    return 'started';
  }

  private track(routerId: string, netns: string): Tracked {
    let t = this.routers.get(routerId);
    if (!t) {
      t = { netns, watcher: null, state: this.readState(routerId), devices: [], stopping: false };
      this.routers.set(routerId, t);
      const f = this.files(routerId);
      const tracked = t;
      tracked.watcher = watch(f.dir, (_ev, name) => {
        if (name === 'state') this.stateFileChanged(routerId, tracked);
      });
    }
    t.netns = netns;
    return t;
  }

  private stateFileChanged(routerId: string, t: Tracked): void {
    const now = this.readState(routerId);
    if (now === t.state || now === 'unknown') return;
    t.state = now;
    this.o.log.info({ event: 'l3_ha.transition', router_id: routerId, state: now }, `HA router ${routerId} is ${now} here`);
    this.o.onState(routerId, now);
  }

  private async start(routerId: string): Promise<void> {
    const t = this.routers.get(routerId)!;
    const f = this.files(routerId);
    rmSync(f.pid, { force: true });
    const [file, argv] = inNetns(t.netns, 'keepalived', ['--dont-fork', '--vrrp', '--log-console', '-f', f.conf, '-p', f.pid, '-r', f.vrrpPid]);
    const { openSync, closeSync } = await import('node:fs');
    const log = openSync(f.log, 'a');
    const child = spawn(file, argv, { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    child.unref();
    child.once('exit', (code, signal) => void this.died(routerId, code, signal));
    for (let i = 0; i < 300 && !this.pidOf(routerId); i++) await sleep(10);
    const pid = this.pidOf(routerId);
    if (!pid) throw new Error(`keepalived of router ${routerId} did not come up (see ${f.log})`);
    this.o.log.info({ event: 'l3_ha.keepalived_started', router_id: routerId, pid }, `keepalived of router ${routerId} started`);
  }

  /** Our keepalived exited: unless we stopped it, the router is standby here and keepalived comes back as BACKUP. */
  private async died(routerId: string, code: number | null, signal: string | null): Promise<void> {
    const t = this.routers.get(routerId);
    if (!t || t.stopping) return;
    this.o.log.error({ event: 'l3_ha.keepalived_died', router_id: routerId, code, signal }, `keepalived of router ${routerId} exited; the router is standby here and keepalived is started again`);
    // keepalived killed outright leaves its addresses: flush them, so only the new master has them
    if (t.devices.length)
      await runBatch(
        'ip',
        t.netns,
        t.devices.map((d) => `addr flush dev ${d} scope global`),
      ).catch(() => undefined);
    if (t.state !== 'backup') {
      t.state = 'backup';
      this.o.onState(routerId, 'backup');
    }
    await sleep(200);
    if (t.stopping || !this.routers.has(routerId)) return;
    await this.start(routerId).catch((err: Error) => this.o.log.error({ event: 'l3_ha.keepalived_restart_failed', router_id: routerId, err: err.message }, 'keepalived could not be started again'));
  }

  /** Stops the router's keepalived (its addresses go with it) and forgets it. */
  async remove(routerId: string): Promise<boolean> {
    const t = this.routers.get(routerId);
    if (t) {
      t.stopping = true;
      t.watcher?.close();
    }
    this.routers.delete(routerId);
    const pid = this.pidOf(routerId);
    if (pid) {
      signalProcess(pid, 'SIGTERM');
      for (let i = 0; i < 300 && processArgv(pid); i++) await sleep(10);
      if (processArgv(pid)) signalProcess(pid, 'SIGKILL');
    }
    const f = this.files(routerId);
    if (existsSync(f.dir)) rmSync(f.dir, { recursive: true, force: true });
    if (pid) this.o.log.info({ event: 'l3_ha.keepalived_stopped', router_id: routerId }, `keepalived of router ${routerId} stopped`);
    return pid !== null;
  }

  /** Routers with a directory here. */
  known(): string[] {
    try {
      return readdirSync(this.o.dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      return [];
    }
  }

  /** The agent stops: keepalived keeps running (the next agent adopts it); watchers close. */
  close(): void {
    for (const t of this.routers.values()) {
      t.stopping = true;
      t.watcher?.close();
    }
    this.routers.clear();
  }
}
