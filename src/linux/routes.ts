// Routes of a namespace as the kernel lists them (`ip -json route show`).
import { run } from './exec.js';

export interface KernelRoute {
  /** `default`, a prefix, or a bare address for a host route */
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
}

/** Routes of one family and protocol (e.g. `static`) in the main table. */
export async function listRoutes(netns: string | null, family: 4 | 6, proto?: string): Promise<KernelRoute[]> {
  const args = [`-${family}`, '-json', 'route', 'show', ...(proto ? ['proto', proto] : [])];
  const r = await run('ip', args, { netns });
  return JSON.parse(r.stdout.trim() || '[]') as KernelRoute[];
}
