// One dnsmasq daemon per network, started inside its namespace with `ip netns exec` (it forks
// itself away: its parent is init, not the agent, so it outlives an agent restart, as in
// Neutron). The pid file names it; before any signal the pid's /proc/PID/cmdline must name
// that same pid file, because pids wrap and a stale file would otherwise point at a stranger.
import { rmSync } from 'node:fs';
import { run } from './exec.js';
import { processArgv, readPidFile, signalProcess } from './process.js';

export interface DnsmasqProcess {
  pid: number;
  argv: string[];
}

/** The running dnsmasq of this pid file, if the pid is really it. */
export function runningDnsmasq(pidFile: string): DnsmasqProcess | null {
  const pid = readPidFile(pidFile);
  if (pid === null) return null;
  const argv = processArgv(pid);
  if (!argv || !argv.includes(`--pid-file=${pidFile}`) || !/(^|\/)dnsmasq$/.test(argv[0] ?? '')) return null;
  return { pid, argv };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts dnsmasq with argv (argv[0] = dnsmasq, one --pid-file=) inside netns; returns its pid. */
export async function startDnsmasq(netns: string, argv: string[]): Promise<number> {
  const pidArg = argv.find((a) => a.startsWith('--pid-file='));
  if (!pidArg) throw new Error('dnsmasq needs --pid-file so that it can be found again');
  const pidFile = pidArg.slice('--pid-file='.length);
  // a second one would take the pid file and leave the first running unseen
  const already = runningDnsmasq(pidFile);
  if (already) throw new Error(`dnsmasq ${already.pid} already runs with ${pidFile}: stop it first`);
  rmSync(pidFile, { force: true });
  // dnsmasq returns once its daemon is up and the pid file written
  await run(argv[0], argv.slice(1), { netns });
  for (let i = 0; i < 100; i++) {
    const p = runningDnsmasq(pidFile);
    if (p) return p.pid;
    await sleep(10);
  }
  throw new Error(`dnsmasq in ${netns} did not come up (no live process in ${pidFile})`);
}

/** SIGHUP: dnsmasq reads its host and options files again (leases and sockets stay). */
export function reloadDnsmasq(pidFile: string): boolean {
  const p = runningDnsmasq(pidFile);
  if (!p) return false;
  // it may have exited since the check
  signalProcess(p.pid, 'SIGHUP');
  return true;
}

/** SIGTERM, then waits until it is gone (or a zombie), and removes the pid file it leaves behind. */
export async function stopDnsmasq(pidFile: string, timeoutMs = 5000): Promise<boolean> {
  const p = runningDnsmasq(pidFile);
  if (p) {
    signalProcess(p.pid, 'SIGTERM');
    const t0 = Date.now();
    while (processArgv(p.pid) && Date.now() - t0 < timeoutMs) await sleep(10);
    if (processArgv(p.pid)) signalProcess(p.pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
  return p !== null;
}

/** dhcp_release (dnsmasq-utils): makes dnsmasq drop a lease now, from inside the namespace. */
export async function releaseLease(netns: string, iface: string, ip: string, mac: string, clientId = ''): Promise<boolean> {
  const args = [iface, ip, mac, ...(clientId ? [clientId] : [])];
  const r = await run('dhcp_release', args, { netns, allowFailure: true });
  return r.code === 0;
}
