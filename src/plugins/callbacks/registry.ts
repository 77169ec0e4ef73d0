// One callback registry for the whole server, as neutron-lib's callbacks: plugins publish
// (resource × event) and others subscribe, so no plugin is set into another.
//  - before_* and precommit_* run in order of priority; a subscriber vetoes by throwing, and
//    precommit_* runs inside the publisher's transaction (payload.trx), so its writes commit
//    or roll back with the change.
//  - after_* runs after commit; a failing subscriber is logged and the others still run (the
//    change is made: nothing may undo it any more).
import type { Logger } from 'pino';
import type { CallbackEvents } from './events.js';

export type ResourceName = keyof CallbackEvents;
export type EventName<R extends ResourceName> = keyof CallbackEvents[R] & string;
export type Payload<R extends ResourceName, E extends EventName<R>> = CallbackEvents[R][E];
export type Callback<R extends ResourceName, E extends EventName<R>> = (payload: Payload<R, E>) => void | Promise<void>;

interface Subscription {
  name: string;
  priority: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  callback: (payload: any) => void | Promise<void>;
}

/** Lower runs first; Neutron's default priority. */
export const PRIORITY_DEFAULT = 55550000;

export class CallbackRegistry {
  private readonly subscriptions = new Map<string, Subscription[]>();

  constructor(private readonly log: Logger) {}

  subscribe<R extends ResourceName, E extends EventName<R>>(resource: R, event: E, callback: Callback<R, E>, opts: { name: string; priority?: number }): void {
    const key = `${resource}.${event}`;
    const list = this.subscriptions.get(key) ?? [];
    list.push({ name: opts.name, priority: opts.priority ?? PRIORITY_DEFAULT, callback });
    list.sort((a, b) => a.priority - b.priority);
    this.subscriptions.set(key, list);
  }

  /** Whether anyone listens: lets a publisher skip building a payload nobody reads. */
  has<R extends ResourceName>(resource: R, event: EventName<R>): boolean {
    return (this.subscriptions.get(`${resource}.${event}`)?.length ?? 0) > 0;
  }

  /** Who listens to what, for docs and tests. */
  describe(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [key, list] of this.subscriptions) out[key] = list.map((s) => s.name);
    return out;
  }

  /**
   * Runs the subscribers of (resource, event). A subscriber that answers synchronously is not
   * awaited: most do (they cast and return), and an await per subscriber per request shows in
   * the write path's CPU.
   */
  publish<R extends ResourceName, E extends EventName<R>>(resource: R, event: E, payload: Payload<R, E>): Promise<void> {
    const list = this.subscriptions.get(`${resource}.${event}`);
    if (!list) return DONE;
    return event.startsWith('after_') ? this.notifyAll(list, resource, event, payload) : vetoable(list, 0, payload);
  }

  /** after_*: every subscriber runs; a failure is logged and the others still run. */
  private async notifyAll(list: Subscription[], resource: string, event: string, payload: unknown): Promise<void> {
    for (const s of list) {
      try {
        const r = s.callback(payload);
        if (r) await r;
      } catch (err) {
        this.log.warn({ event: 'callback.failed', resource, callback_event: event, subscriber: s.name, err: (err as Error).message }, `${s.name} failed on ${resource} ${event}`);
      }
    }
  }
}

const DONE: Promise<void> = Promise.resolve();

/** before_* / precommit_*: in order, the first to throw vetoes (the rest do not run). */
function vetoable(list: Subscription[], from: number, payload: unknown): Promise<void> {
  try {
    for (let i = from; i < list.length; i++) {
      const r = list[i].callback(payload);
      if (r) return r.then(() => vetoable(list, i + 1, payload));
    }
    return DONE;
  } catch (err) {
    return Promise.reject(err);
  }
}
