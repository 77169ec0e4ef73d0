// `neutrino …` as a child process (server, agents), its output kept for failure messages.
import { spawn, type ChildProcess } from 'node:child_process';

export const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;

export function startCli(args: string[]): { child: ChildProcess; out: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, out: () => out };
}

export const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));
