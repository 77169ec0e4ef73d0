// Kernel parameters of a network namespace (net.* sysctls are per netns).
import { run } from './exec.js';

/** Sets every key=value in one sysctl process inside netns. */
export async function setSysctls(netns: string | null, values: Record<string, string | number>): Promise<void> {
  const args = Object.entries(values).map(([k, v]) => `${k}=${v}`);
  if (args.length) await run('sysctl', ['-q', '-w', ...args], { netns });
}
