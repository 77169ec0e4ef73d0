// Long-running lab processes: started detached with a log file and a pid file, stopped by
// pid only after /proc/PID/cmdline shows the process is still ours (pids get reused).
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { processArgv, readPidFile, signalProcess } from '../linux/process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startDetached(argv: string[], logFile: string, pidFile: string): number {
  mkdirSync(dirname(logFile), { recursive: true });
  mkdirSync(dirname(pidFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`cannot start ${argv.join(' ')}`);
    child.unref();
    writeFileSync(pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function readPid(pidFile: string): number | undefined {
  return readPidFile(pidFile) ?? undefined;
}

/** Running (not a zombie) and its command line mentions marker (the lab dir). */
export function isOurs(pid: number, marker: string): boolean {
  return processArgv(pid)?.some((a) => a.includes(marker)) ?? false;
}

/**
 * SIGTERM, then SIGKILL after graceMs. Returns what happened. A process whose command line
 * does not mention marker is left alone (its pid was reused by something else).
 */
export async function stopProcess(pidFile: string, marker: string, graceMs = 5000): Promise<'stopped' | 'killed' | 'not running'> {
  const pid = readPid(pidFile);
  const outcome = pid === undefined ? 'not running' : await stopPid(pid, marker, graceMs);
  rmSync(pidFile, { force: true });
  return outcome;
}

/** As stopProcess, for a pid already read (its pid file may name a newer process by now). */
export async function stopPid(pid: number, marker: string, graceMs = 5000): Promise<'stopped' | 'killed' | 'not running'> {
  if (!isOurs(pid, marker)) return 'not running';
  signalProcess(pid, 'SIGTERM');
  if (await exited(pid, marker, graceMs)) return 'stopped';
  signalProcess(pid, 'SIGKILL');
  await exited(pid, marker, 3000);
  return 'killed';
}

async function exited(pid: number, marker: string, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isOurs(pid, marker)) return true;
    await sleep(50);
  }
  return !isOurs(pid, marker);
}

/** The last lines of a log, to show why a process died. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
