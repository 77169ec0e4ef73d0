// Daemons found again by pid file (dnsmasq, the lab's processes). Pids wrap, so a pid is only
// trusted after /proc/PID/cmdline shows the process is still the one the caller means.
import { readFileSync } from 'node:fs';

/** argv of a live process, or null when it is gone or a zombie (a killed daemon stays one until init reaps it: research 8). */
export function processArgv(pid: number): string[] | null {
  try {
    if (/^State:\s+[ZX]/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))) return null;
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
  } catch {
    return null;
  }
}

export function readPidFile(pidFile: string): number | null {
  try {
    const n = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** Sends sig; a process gone meanwhile is fine. */
export function signalProcess(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone meanwhile
  }
}
