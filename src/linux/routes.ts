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

export function parseRoutes(json: string): KernelRoute[] {
  return (JSON.parse(json.trim() || '[]') as KernelRoute[]).filter((x) => !x.table || x.table === 'main');
}

/** The route the kernel of netns picks for dst (`ip -json route get`), or null when it has none. */
export async function routeGet(netns: string | null, dst: string): Promise<{ dev: string | null; gateway: string | null; error: string | null }> {
  const r = await run('ip', ['-json', 'route', 'get', dst], { netns, allowFailure: true });
  if (r.code !== 0) return { dev: null, gateway: null, error: r.stderr.trim() || `ip route get ${dst} failed` };
  const [first] = JSON.parse(r.stdout || '[]') as { dev?: string; gateway?: string }[];
  return { dev: first?.dev ?? null, gateway: first?.gateway ?? null, error: null };
}
