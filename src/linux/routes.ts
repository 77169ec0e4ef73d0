// Routes of a namespace as the kernel lists them (`ip -json route show`).
import { run } from './exec.js';

export interface KernelRoute {
  /** `default`, a prefix, or a bare address for a host route */
  dst: string;
  gateway?: string;
  dev?: string;
  /** absent for the main table */
  table?: string;
}

/** Routes of both families in the main table with protocol `proto` (e.g. static), one process. */
export async function listRoutes(netns: string | null, proto: string): Promise<KernelRoute[]> {
  const r = await run('ip', ['-json', 'route', 'show', 'table', 'all', 'proto', proto], { netns });
  return parseRoutes(r.stdout);
}

export function parseRoutes(json: string): KernelRoute[] {
  return (JSON.parse(json.trim() || '[]') as KernelRoute[]).filter((x) => !x.table || x.table === 'main');
}
