// The labs up on this machine, so that `neutrino instance …` given no --config-file finds its
// lab. `lab up` writes $TMPDIR/neutrino-labs/<prefix> (the lab dir, one line) and `lab down`
// removes it; a lab counts as up while its server process (pid file, command line naming the
// lab dir) runs, so an entry left by a crash is ignored.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOurs, readPid } from './processes.js';
import { defaultLabDir, labPaths } from './topology.js';

export interface LabLocation {
  prefix: string;
  dir: string;
}

export const registryDir = (): string => join(tmpdir(), 'neutrino-labs');

export function registerLab(prefix: string, dir: string): void {
  mkdirSync(registryDir(), { recursive: true });
  writeFileSync(join(registryDir(), prefix), `${dir}\n`);
}

/** Removes the entry of prefix if it names dir (another lab may have taken the prefix since). */
export function unregisterLab(prefix: string, dir: string): void {
  const f = join(registryDir(), prefix);
  try {
    if (readFileSync(f, 'utf8').trim() === dir) rmSync(f, { force: true });
  } catch {
    // not registered
  }
}

export function labIsUp(dir: string): boolean {
  const pid = readPid(labPaths(dir).pid('server'));
  return pid !== undefined && isOurs(pid, dir);
}

/** The registered labs whose server runs, by prefix. */
export function runningLabs(): LabLocation[] {
  let names: string[] = [];
  try {
    names = readdirSync(registryDir()).sort();
  } catch {
    return [];
  }
  const out: LabLocation[] = [];
  for (const prefix of names) {
    let dir = '';
    try {
      dir = readFileSync(join(registryDir(), prefix), 'utf8').trim();
    } catch {
      continue;
    }
    if (dir && labIsUp(dir)) out.push({ prefix, dir });
  }
  return out;
}

/**
 * The lab an instance command without --config-file means: --lab PREFIX, else the only lab up,
 * else none (null: the command keeps its defaults). Several labs up and no --lab is an error.
 */
export function labForCommand(prefix: string | undefined): LabLocation | null {
  const up = runningLabs();
  if (prefix !== undefined) {
    const found = up.find((l) => l.prefix === prefix) ?? (labIsUp(defaultLabDir(prefix, tmpdir())) ? { prefix, dir: defaultLabDir(prefix, tmpdir()) } : undefined);
    if (!found) throw new Error(`no lab with prefix ${prefix} is up${up.length ? ` (up: ${up.map((l) => l.prefix).join(', ')})` : ''}: neutrino lab up --prefix ${prefix}`);
    return found;
  }
  if (up.length > 1) {
    throw new Error(`${up.length} labs are up (${up.map((l) => `${l.prefix} in ${l.dir}`).join('; ')}): say which with --lab PREFIX, or give --config-file`);
  }
  return up[0] ?? null;
}
