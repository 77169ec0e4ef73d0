// Named network namespaces (`ip netns`): the DHCP and L3 agents keep one per network or
// router. Existence is a file under /run/netns, so checking costs no process.
import { existsSync, readdirSync } from 'node:fs';
import { run } from './exec.js';
import { ipBatch } from './links.js';

const NETNS_RUN_DIR = '/run/netns';

export function namespaceExists(name: string): boolean {
  return existsSync(`${NETNS_RUN_DIR}/${name}`);
}

/** Whether a named network namespace exists ('' / null: the current one always does). */
export async function netnsExists(netns: string | null): Promise<boolean> {
  return !netns || namespaceExists(netns);
}

/** Names of the namespaces that start with prefix. */
export function listNamespaces(prefix: string): string[] {
  try {
    return readdirSync(NETNS_RUN_DIR)
      .filter((n) => n.startsWith(prefix))
      .sort();
  } catch {
    return [];
  }
}

/** Creates the namespace (with loopback up) unless it exists; true when it was created. */
export async function ensureNamespace(name: string): Promise<boolean> {
  if (namespaceExists(name)) return false;
  const r = await run('ip', ['netns', 'add', name], { allowFailure: true });
  // a racing creator is fine; anything else is not
  if (r.code !== 0 && !namespaceExists(name)) throw new Error(`ip netns add ${name} failed: ${r.stderr.trim()}`);
  await run('ip', ['link', 'set', 'lo', 'up'], { netns: name });
  return r.code === 0;
}

/** Pids of the processes inside a namespace ([] when it is gone). */
export async function namespacePids(name: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', name], { allowFailure: true });
  if (r.code !== 0) return [];
  return r.stdout
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
}

/**
 * Deletes the namespace with its devices. Processes inside must be gone first (the caller
 * stops the ones it owns by pid): `ip netns del` with a process inside only drops the name.
 * Devices are deleted first so veth peers in the host namespace go at once.
 */
export async function deleteNamespace(name: string, devices: string[] = []): Promise<void> {
  // deleting one end of a veth takes the peer with it at once; the namespace itself is torn
  // down asynchronously by the kernel, so its devices would linger for a while
  if (!namespaceExists(name)) return;
  if (devices.length)
    await ipBatch(
      name,
      devices.map((d) => `link del ${d}`),
    );
  await run('ip', ['netns', 'del', name], { allowFailure: true });
}
