// One dashboard event stream: the caller's topology as a snapshot, then every change the
// caller may see. Everything is read through the API itself (Fastify's inject, with the
// caller's own token or noauth headers), so the stream shows exactly what GET /v2.0/… would:
// the same policy, the same visibility, the same hidden attributes. A hint for an object the
// caller may not see sends nothing; an object that stops being visible (deleted, or no longer
// shared) is sent as deleted only if this stream had shown it.
import type { FastifyInstance } from 'fastify';
import { COLLECTIONS, type ChangeHint, type DrawnResource } from './change-feed.js';

/** Headers that say who the caller is, copied onto every read made for the stream. */
const IDENTITY_HEADERS = ['x-auth-token', 'x-project-id', 'x-tenant-id', 'x-roles', 'x-user-id'];
/** ids per list request (the id filter travels in the query string) */
const CHUNK = 100;

export type Send = (event: string, data: unknown) => void;

export class StreamEnded extends Error {}

export function identityHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of IDENTITY_HEADERS) {
    const v = headers[h];
    if (typeof v === 'string') out[h] = v;
  }
  return out;
}

export class TopologyStream {
  /** resource → ids this stream has shown and not yet reported gone */
  private readonly known = new Map<DrawnResource, Set<string>>();
  private pending = new Map<string, ChangeHint>();
  private draining = false;
  private snapshotSent = false;
  private closed = false;

  constructor(
    private readonly app: FastifyInstance,
    private readonly headers: Record<string, string>,
    private readonly send: Send,
    private readonly onEnd: (reason: string) => void,
  ) {
    for (const r of Object.keys(COLLECTIONS) as DrawnResource[]) this.known.set(r, new Set());
  }

  close(): void {
    this.closed = true;
    this.pending.clear();
  }

  /** Hints that arrive before the snapshot wait for it (the snapshot is read after listening). */
  enqueue(hints: ChangeHint[]): void {
    for (const h of hints) this.pending.set(`${h.resource} ${h.id}`, h);
    if (this.snapshotSent) void this.drain();
  }

  async sendSnapshot(): Promise<void> {
    const snapshot: Record<string, unknown[]> = {};
    for (const [resource, collection] of Object.entries(COLLECTIONS) as [DrawnResource, string][]) {
      const items = await this.listAll(collection, '');
      if (items === null) continue;
      snapshot[collection] = items;
      for (const i of items) this.known.get(resource)!.add(i.id);
    }
    this.send('snapshot', snapshot);
    this.snapshotSent = true;
    await this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pending.size && !this.closed) {
        const batch = [...this.pending.values()];
        this.pending = new Map();
        const byResource = new Map<DrawnResource, string[]>();
        for (const h of batch) byResource.set(h.resource, [...(byResource.get(h.resource) ?? []), h.id]);
        for (const [resource, ids] of byResource) {
          for (let i = 0; i < ids.length; i += CHUNK) await this.refresh(resource, ids.slice(i, i + CHUNK));
        }
      }
    } catch (err) {
      if (!(err instanceof StreamEnded)) throw err;
    } finally {
      this.draining = false;
    }
  }

  /** Every page of a list ([DEFAULT] pagination_max_limit may cut it into pages). */
  private async listAll(collection: string, query: string): Promise<{ id: string }[] | null> {
    const items: { id: string }[] = [];
    let url: string | null = `/v2.0/${collection}${query}`;
    while (url) {
      const res = await this.get(url);
      if (res === null) return items.length ? items : null;
      const page = (res[collection] as { id: string }[]) ?? [];
      items.push(...page);
      const next = ((res[`${collection}_links`] as { href: string; rel: string }[] | undefined) ?? []).find((l) => l.rel === 'next')?.href;
      url = next && page.length ? new URL(next).pathname + new URL(next).search : null;
    }
    return items;
  }

  /** Reads the objects as the caller; shows what came back, reports gone what it had shown. */
  private async refresh(resource: DrawnResource, ids: string[]): Promise<void> {
    const collection = COLLECTIONS[resource];
    const items = (await this.listAll(collection, `?${ids.map((id) => `id=${encodeURIComponent(id)}`).join('&')}`)) ?? [];
    const known = this.known.get(resource)!;
    const found = new Set<string>();
    for (const item of items) {
      found.add(item.id);
      known.add(item.id);
      this.send('change', { resource, id: item.id, object: item });
    }
    for (const id of ids) {
      if (found.has(id) || !known.has(id)) continue;
      known.delete(id);
      this.send('change', { resource, id, deleted: true });
    }
  }

  /** GET as the caller: the body, or null when the caller may not list it (403/404). */
  private async get(url: string): Promise<Record<string, unknown> | null> {
    if (this.closed) throw new StreamEnded();
    const res = await this.app.inject({ method: 'GET', url, headers: this.headers });
    if (res.statusCode === 200) return res.json();
    if (res.statusCode === 403 || res.statusCode === 404) return null;
    // 401 (token expired or revoked), 503 …: the page logs in again or retries
    const message = (() => {
      try {
        return res.json().NeutronError?.message ?? res.body;
      } catch {
        return res.body;
      }
    })();
    this.send('failure', { status: res.statusCode, message });
    this.onEnd(`GET ${url.split('?')[0]} answered ${res.statusCode}`);
    this.closed = true;
    throw new StreamEnded();
  }
}
