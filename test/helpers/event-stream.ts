// A reader of the dashboard's event stream (GET /dashboard/events, text/event-stream), for
// tests that check what a caller is sent.
import { until } from './until.js';

export interface StreamEvent {
  event: string;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface EventReader {
  events: StreamEvent[];
  /** the first event matching, waiting at most `ms` */
  waitFor(what: string, match: (e: StreamEvent) => boolean, ms?: number): Promise<StreamEvent>;
  /** every id the stream has mentioned, in snapshots and changes */
  ids(): Set<string>;
  close(): void;
}

export async function readEvents(url: string, headers: Record<string, string>): Promise<EventReader> {
  const abort = new AbortController();
  const res = await fetch(`${url}/dashboard/events`, { headers, signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`GET /dashboard/events answered ${res.status}: ${await res.text()}`);
  const events: StreamEvent[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    waitFor: (what, match, ms = 2000) => until(what, async () => events.find(match), { timeoutMs: ms, intervalMs: 5 }),
    ids() {
      const out = new Set<string>();
      for (const e of events) {
        if (e.event === 'snapshot') for (const list of Object.values(e.data) as { id: string }[][]) for (const o of list) out.add(o.id);
        if (e.event === 'change') out.add(e.data.id);
      }
      return out;
    },
    close: () => abort.abort(),
  };
}
