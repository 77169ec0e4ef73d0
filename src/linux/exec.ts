// Runs the kernel tools (ip, bridge, nft, sysctl …), optionally inside a network namespace.
// Every kernel change in Neutrino goes through here, so errors carry the command and its
// stderr, and batches (`ip -batch -`, `nft -f -`) are one process however many lines.
import { spawn } from 'node:child_process';

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly stderr: string,
    readonly stdout: string,
  ) {
    super(`${command} failed (exit ${code}): ${stderr.trim() || stdout.trim() || 'no output'}`);
    this.name = 'CommandError';
  }
}

export interface RunOptions {
  /** network namespace to run in (null/undefined/'' → the current one) */
  netns?: string | null;
  /** written to stdin (batches) */
  input?: string;
  /** default 30 s */
  timeoutMs?: number;
  /** resolve instead of throwing on a non-zero exit */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// ip and bridge take -n NS themselves (cheaper than `ip netns exec`); others need netns exec.
const NATIVE_NETNS = new Set(['ip', 'bridge', 'tc']);

/** The argv that runs `cmd args` in netns. */
export function inNetns(netns: string | null | undefined, cmd: string, args: string[]): [string, string[]] {
  if (!netns) return [cmd, args];
  if (NATIVE_NETNS.has(cmd)) return [cmd, ['-n', netns, ...args]];
  return ['ip', ['netns', 'exec', netns, cmd, ...args]];
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, argv] = inNetns(opts.netns, cmd, args);
  const shown = [file, ...argv].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new CommandError(shown, null, (e as Error).message, ''));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0 || opts.allowFailure) resolve({ code, stdout, stderr });
      else reject(new CommandError(shown.length > 300 ? `${shown.slice(0, 300)}…` : shown, code, stderr, stdout));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}
