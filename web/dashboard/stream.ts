// The server's event stream (text/event-stream) read with fetch, so that the token travels in
// a header as on every other request (EventSource cannot send headers).
export interface StreamHandlers {
  snapshot(data: Record<string, unknown[]>): void;
  change(data: { resource: string; id: string; object?: Record<string, unknown>; deleted?: boolean }): void;
  failure(data: { status: number; message: string }): void;
  /** the connection ended (the page reconnects) */
  ended(): void;
}

export function openStream(headers: Record<string, string>, h: StreamHandlers): AbortController {
  const abort = new AbortController();
  void (async () => {
    try {
      const res = await fetch('/dashboard/events', { headers, signal: abort.signal });
      if (!res.ok || !res.body) {
        let message = `the event stream answered HTTP ${res.status}`;
        try {
          message = (await res.json()).NeutronError?.message ?? message;
        } catch {
          /* not JSON */
        }
        h.failure({ status: res.status, message });
        return;
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut = buffer.indexOf('\n\n');
        while (cut >= 0) {
          dispatch(buffer.slice(0, cut), h);
          buffer = buffer.slice(cut + 2);
          cut = buffer.indexOf('\n\n');
        }
      }
    } catch (err) {
      if (abort.signal.aborted) return;
      console.warn('event stream', err);
    }
    if (!abort.signal.aborted) h.ended();
  })();
  return abort;
}

function dispatch(frame: string, h: StreamHandlers): void {
  let event = 'message';
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  if (!data.length) return;
  const payload = JSON.parse(data.join('\n'));
  if (event === 'snapshot') h.snapshot(payload);
  else if (event === 'change') h.change(payload);
  else if (event === 'failure') h.failure(payload);
}
