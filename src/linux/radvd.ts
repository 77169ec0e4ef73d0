// radvd daemons (router advertisements), one per router namespace, found again by pid file as
// haproxy and dnsmasq are: started with `ip netns exec NS radvd -C CONFIG -p PIDFILE -m logfile
// -l LOG` (it forks away and outlives the agent), reloaded with SIGHUP, trusted only while
// /proc/PID/cmdline still names that config file.
import { rmSync } from 'node:fs';
import { run } from './exec.js';
import { processArgv, readPidFile, signalProcess } from './process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pid of the radvd running with this config and pid file, if the pid is really it. */
export function runningRadvd(pidFile: string, configFile: string): number | null {
  const pid = readPidFile(pidFile);
  if (pid === null) return null;
  const argv = processArgv(pid);
  if (!argv || !/(^|\/)radvd$/.test(argv[0] ?? '') || !argv.includes(configFile)) return null;
  return pid;
}

/** Starts radvd in netns; returns its pid once its pid file names a live radvd. */
export async function startRadvd(netns: string, configFile: string, pidFile: string, logFile: string): Promise<number> {
  const already = runningRadvd(pidFile, configFile);
  if (already) throw new Error(`radvd ${already} already runs with ${configFile}: stop it first`);
  rmSync(pidFile, { force: true });
  await run('radvd', ['-C', configFile, '-p', pidFile, '-m', 'logfile', '-l', logFile], { netns });
  for (let i = 0; i < 200; i++) {
    const pid = runningRadvd(pidFile, configFile);
    if (pid) return pid;
    await sleep(10);
  }
  throw new Error(`radvd in ${netns} did not come up (no live process in ${pidFile}; see ${logFile})`);
}

/** SIGHUP: radvd reads its config again. */
export function reloadRadvd(pidFile: string, configFile: string): boolean {
  const pid = runningRadvd(pidFile, configFile);
  if (pid) signalProcess(pid, 'SIGHUP');
  return pid !== null;
}

/** SIGTERM (SIGKILL after timeoutMs), waits until it is gone, removes the pid file. */
export async function stopRadvd(pidFile: string, configFile: string, timeoutMs = 3000): Promise<boolean> {
  const pid = runningRadvd(pidFile, configFile);
  if (pid) {
    signalProcess(pid, 'SIGTERM');
    const t0 = Date.now();
    while (processArgv(pid) && Date.now() - t0 < timeoutMs) await sleep(10);
    if (processArgv(pid)) signalProcess(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
  return pid !== null;
}
