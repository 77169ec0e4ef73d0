// Work on routers: one pass at a time per router, bursts coalesced (ten routers_updated for
// one router while it is being processed = one more pass), different routers in parallel up
// to a limit. Routers that need the server's view are fetched together, in one sync_routers
// call per batch (Neutron's RouterProcessingQueue + sync_routers_chunk_size, without threads).
import type { Logger } from 'pino';
import type { SyncRouter } from '../../contract/l3.js';

/** undefined: ask the server; null: remove the router here; a router: apply this. */
export type RouterWork = SyncRouter | null | undefined;

interface Pending {
  work: RouterWork;
  waiters: (() => void)[];
}

export interface RouterQueueOptions {
  /** routers processed at once */
  concurrency: number;
  /** most routers asked for in one sync_routers call */
  chunkSize: number;
  /** ms to gather a burst before the first pass */
  gatherMs: number;
  fetch: (ids: string[]) => Promise<SyncRouter[]>;
  /** one pass for one router (null: remove it) */
  process: (id: string, router: SyncRouter | null) => Promise<void>;
  /** a pass failed: the router is tried again after a back-off */
  log: Logger;
}

export class RouterQueue {
  private readonly pending = new Map<string, Pending>();
  private readonly running = new Set<string>();
  private readonly retries = new Map<string, { delay: number; timer: NodeJS.Timeout }>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly o: RouterQueueOptions) {}

  /** Queues a pass for the router; resolves when a pass that started after this call ended. */
  push(id: string, work: RouterWork = undefined): Promise<void> {
    if (this.closed) return Promise.resolve();
    const older = this.pending.get(id);
    const p: Pending = older ?? { work, waiters: [] };
    if (older) {
      // the server's own answer is the freshest; a removal wins over anything queued before it
      if (work === null) p.work = null;
      else if (work === undefined || older.work === undefined) p.work = undefined;
      else p.work = work;
    }
    this.pending.set(id, p);
    const done = new Promise<void>((r) => p.waiters.push(r));
    this.schedule();
    return done;
  }

  /** Whether a pass of the router is queued or running. */
  has(id: string): boolean {
    return this.pending.has(id) || this.running.has(id);
  }

  get busy(): boolean {
    return this.pending.size > 0 || this.running.size > 0;
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, this.o.gatherMs);
  }

  private pump(): void {
    if (this.closed) return;
    const free = this.o.concurrency - this.running.size;
    if (free <= 0) return;
    const ready: [string, Pending][] = [];
    for (const [id, p] of this.pending) {
      if (this.running.has(id)) continue;
      ready.push([id, p]);
      if (ready.length >= free) break;
    }
    if (!ready.length) return;
    for (const [id] of ready) {
      this.pending.delete(id);
      this.running.add(id);
    }
    void this.runBatch(ready);
  }

  private async runBatch(batch: [string, Pending][]): Promise<void> {
    const toFetch = batch.filter(([, p]) => p.work === undefined).map(([id]) => id);
    const fetched = new Map<string, SyncRouter>();
    let fetchError: Error | null = null;
    for (let i = 0; i < toFetch.length; i += this.o.chunkSize) {
      try {
        for (const r of await this.o.fetch(toFetch.slice(i, i + this.o.chunkSize))) fetched.set(r.id, r);
      } catch (err) {
        fetchError = err as Error;
      }
    }
    await Promise.all(
      batch.map(async ([id, p]) => {
        try {
          if (p.work === undefined && fetchError) throw fetchError;
          // asked for and not answered: not scheduled here (any more)
          const router = p.work === undefined ? (fetched.get(id) ?? null) : p.work;
          await this.o.process(id, router);
          this.forgetRetry(id);
        } catch (err) {
          this.o.log.error({ event: 'l3.router_failed', router_id: id, err: (err as Error).message }, `processing router ${id} failed`);
          this.retryLater(id);
        } finally {
          this.running.delete(id);
          for (const w of p.waiters) w();
          this.afterPass();
        }
      }),
    );
  }

  private afterPass(): void {
    if (this.pending.size) this.pump();
    else if (!this.running.size) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Back-off from 1 s to 60 s; the pass asks the server again. */
  private retryLater(id: string): void {
    if (this.closed) return;
    const prev = this.retries.get(id);
    if (prev) clearTimeout(prev.timer);
    const delay = prev ? Math.min(prev.delay * 2, 60_000) : 1000;
    const timer = setTimeout(() => void this.push(id), delay);
    timer.unref?.();
    this.retries.set(id, { delay, timer });
  }

  private forgetRetry(id: string): void {
    const r = this.retries.get(id);
    if (r) {
      clearTimeout(r.timer);
      this.retries.delete(id);
    }
  }

  /** Resolves when nothing is pending or running. */
  idle(): Promise<void> {
    if (!this.busy && !this.timer) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const id of [...this.retries.keys()]) this.forgetRetry(id);
    for (const p of this.pending.values()) for (const w of p.waiters) w();
    this.pending.clear();
    // passes in flight finish (a half-applied router would only be repaired by the next agent)
    while (this.running.size) await new Promise((r) => setTimeout(r, 10));
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
