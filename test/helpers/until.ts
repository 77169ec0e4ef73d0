// Waits until a probe gives something truthy, or fails naming what it waited for.

export interface UntilOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** a probe that throws counts as "not yet" (a server still starting) */
  tolerateErrors?: boolean;
}

export async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, opts: UntilOptions | number = {}): Promise<T> {
  const o = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  const timeoutMs = o.timeoutMs ?? 5000;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = o.tolerateErrors ? await probe().catch(() => undefined) : await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 20));
  }
}
