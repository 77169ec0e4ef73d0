// Coalesces bursts of events: events for the same key that arrive while a batch is being
// handled (or within `gatherMs` of the first) are merged, and the handler sees each key
// once per batch. A hundred port_update fanouts for ten ports become one batch of ten.
import type { Logger } from 'pino';

export class EventQueue<E> {
  private pending = new Map<string, E>();
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handle: (batch: Map<string, E>) => Promise<void>,
    private readonly log: Logger,
    private readonly opts: { gatherMs?: number; merge?: (older: E, newer: E) => E } = {},
  ) {}

  push(key: string, event: E): void {
    if (this.closed) return;
    const older = this.pending.get(key);
    this.pending.set(key, older !== undefined && this.opts.merge ? this.opts.merge(older, event) : event);
    this.schedule();
  }

  get size(): number {
    return this.pending.size;
  }

  private schedule(): void {
    if (this.running || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.drain().finally(() => {
        this.running = null;
        if (this.pending.size) this.schedule();
        else for (const w of this.idleWaiters.splice(0)) w();
      });
    }, this.opts.gatherMs ?? 5);
  }

  private async drain(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.handle(batch);
    } catch (err) {
      // the batch is lost only to this pass: the owner's next resync repairs what it missed
      this.log.error({ event: 'agent.batch_failed', size: batch.size, err: (err as Error).message }, 'handling a batch of events failed');
    }
  }

  /** Resolves when nothing is pending or running (for orderly shutdown and tests). */
  idle(): Promise<void> {
    if (!this.running && !this.timer && !this.pending.size) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending.clear();
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
