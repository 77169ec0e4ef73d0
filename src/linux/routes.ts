// Routes of a namespace as the kernel lists them (`ip -json route show`).

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
