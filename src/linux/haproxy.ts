// haproxy daemons (the metadata proxies), one per namespace, found again by pid file as
// dnsmasq is: started with `ip netns exec NS haproxy -f CONFIG` (its config says `daemon` and
// `pidfile`, so it forks away and outlives the agent), and trusted only while
// /proc/PID/cmdline still names that config file.
import { rmSync } from 'node:fs';
import { run } from './exec.js';
import { processArgv, readPidFile, signalProcess } from './process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pid of the haproxy running with this config and pid file, if the pid is really it. */
export function runningHaproxy(pidFile: string, configFile: string): number | null {
  const pid = readPidFile(pidFile);
  if (pid === null) return null;
  const argv = processArgv(pid);
  if (!argv || !/(^|\/)haproxy$/.test(argv[0] ?? '') || argv[argv.indexOf('-f') + 1] !== configFile) return null;
  return pid;
}

/** Starts haproxy in netns with a config that has `daemon` and `pidfile <pidFile>`; returns its pid. */
export async function startHaproxy(netns: string, configFile: string, pidFile: string): Promise<number> {
  const already = runningHaproxy(pidFile, configFile);
  if (already) throw new Error(`haproxy ${already} already runs with ${configFile}: stop it first`);
  rmSync(pidFile, { force: true });
  // returns once the daemon has bound its sockets and written the pid file (or failed to)
  await run('haproxy', ['-f', configFile], { netns });
  for (let i = 0; i < 100; i++) {
    const pid = runningHaproxy(pidFile, configFile);
    if (pid) return pid;
    await sleep(10);
  }
  throw new Error(`haproxy in ${netns} did not come up (no live process in ${pidFile})`);
}

/** SIGTERM (SIGKILL after timeoutMs), waits until it is gone, removes the pid file. */
export async function stopHaproxy(pidFile: string, configFile: string, timeoutMs = 3000): Promise<boolean> {
  const pid = runningHaproxy(pidFile, configFile);
  if (pid) {
    signalProcess(pid, 'SIGTERM');
    const t0 = Date.now();
    while (processArgv(pid) && Date.now() - t0 < timeoutMs) await sleep(10);
    if (processArgv(pid)) signalProcess(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
  return pid !== null;
}
