// The JSON wire format both carriers use, so a message looks the same in memory and on
// RabbitMQ (and can be read with `rabbitmqadmin get`):
//   request: {v: 1, kind, method, args, msg_id?, reply_to?}   (msg_id/reply_to only for call)
//   reply:   {v: 1, msg_id, result} or {v: 1, msg_id, error: {type, message}}
// decode() answers null for anything else (bad JSON, unknown version, wrong shape); the
// carrier logs and drops such a message rather than letting it reach a handler.
import { BUS_MESSAGE_VERSION, MessagingTimeout, RemoteError, type Endpoints, type MessageMeta } from './bus.js';

export type MessageKind = 'call' | 'cast' | 'fanout';

export interface RequestEnvelope {
  v: typeof BUS_MESSAGE_VERSION;
  kind: MessageKind;
  method: string;
  args: object;
  /** call only: echoed in the reply */
  msg_id?: string;
  /** call only: where the reply goes (carrier-specific address) */
  reply_to?: string;
}

export interface RemoteErrorInfo {
  type: string;
  message: string;
}

export type ReplyEnvelope = { v: typeof BUS_MESSAGE_VERSION; msg_id: string; result: unknown } | { v: typeof BUS_MESSAGE_VERSION; msg_id: string; error: RemoteErrorInfo };

export type Envelope = RequestEnvelope | ReplyEnvelope;

/** Throws only if `m` is not JSON-serialisable (a BigInt, a cycle); callers send an error reply then. */
export function encode(m: Envelope): string {
  return JSON.stringify(m);
}

export function request(kind: MessageKind, method: string, args: object | undefined, msgId?: string, replyTo?: string): RequestEnvelope {
  const m: RequestEnvelope = { v: BUS_MESSAGE_VERSION, kind, method, args: args ?? {} };
  if (msgId !== undefined) m.msg_id = msgId;
  if (replyTo !== undefined) m.reply_to = replyTo;
  return m;
}

/** A handler that returns nothing answers null, as an oslo endpoint returning None does. */
export function resultReply(msgId: string, result: unknown): ReplyEnvelope {
  return { v: BUS_MESSAGE_VERSION, msg_id: msgId, result: result === undefined ? null : result };
}

export function errorReply(msgId: string, error: RemoteErrorInfo): ReplyEnvelope {
  return { v: BUS_MESSAGE_VERSION, msg_id: msgId, error };
}

/** The RemoteError type of whatever a handler threw: its string `type`, else its name. */
export function errorInfo(err: unknown): RemoteErrorInfo {
  if (err instanceof Error || (typeof err === 'object' && err !== null)) {
    const e = err as { type?: unknown; name?: unknown; message?: unknown };
    const type = typeof e.type === 'string' && e.type ? e.type : typeof e.name === 'string' && e.name ? e.name : 'Error';
    return { type, message: typeof e.message === 'string' ? e.message : String(err) };
  }
  return { type: 'Error', message: String(err) };
}

const KINDS: ReadonlySet<string> = new Set(['call', 'cast', 'fanout']);

export function isReply(m: Envelope): m is ReplyEnvelope {
  return !('kind' in m);
}

export function decode(raw: string | Buffer): Envelope | null {
  let m: unknown;
  try {
    m = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return null;
  const o = m as Record<string, unknown>;
  if (o.v !== BUS_MESSAGE_VERSION) return null;
  if ('kind' in o) {
    if (typeof o.kind !== 'string' || !KINDS.has(o.kind)) return null;
    if (typeof o.method !== 'string' || !o.method) return null;
    if (typeof o.args !== 'object' || o.args === null) return null;
    if (o.kind === 'call' && (typeof o.msg_id !== 'string' || typeof o.reply_to !== 'string')) return null;
    return o as unknown as RequestEnvelope;
  }
  if (typeof o.msg_id !== 'string') return null;
  if ('error' in o) {
    const e = o.error as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || typeof e.type !== 'string' || typeof e.message !== 'string') return null;
    return o as unknown as ReplyEnvelope;
  }
  return 'result' in o ? (o as unknown as ReplyEnvelope) : null;
}

/** decode(), keeping only requests (what a topic consumer accepts). */
export function decodeRequest(raw: string | Buffer): RequestEnvelope | null {
  const m = decode(raw);
  return m && !isReply(m) ? m : null;
}

/** decode(), keeping only replies (what a reply queue accepts). */
export function decodeReply(raw: string | Buffer): ReplyEnvelope | null {
  const m = decode(raw);
  return m && isReply(m) ? m : null;
}

// What a request means to a consumer, shared by both carriers so they answer alike.

export type Outcome = { ok: true; result: unknown } | { ok: false; error: RemoteErrorInfo };

/**
 * Runs the endpoint a request names. Never rejects: a throwing (or rejecting) handler, or a
 * method the endpoints don't have (oslo's NoSuchMethod), becomes an error outcome.
 */
export async function invoke(endpoints: Endpoints, req: RequestEnvelope, topic: string): Promise<Outcome> {
  const fn = (endpoints as Record<string, unknown>)[req.method];
  // inherited Object.prototype members (constructor, toString, __proto__) are not endpoints
  if (typeof fn !== 'function' || fn === (Object.prototype as Record<string, unknown>)[req.method]) {
    return { ok: false, error: { type: 'NoSuchMethod', message: `endpoint on topic ${topic} does not support RPC method ${req.method}` } };
  }
  const meta: MessageMeta = { topic, method: req.method, kind: req.kind };
  try {
    return { ok: true, result: await fn.call(endpoints, req.args, meta) };
  } catch (err) {
    return { ok: false, error: errorInfo(err) };
  }
}

/** The reply to send for an outcome; a result JSON can't carry is answered as an error. */
export function encodeReply(msgId: string, o: Outcome): string {
  if (!o.ok) return encode(errorReply(msgId, o.error));
  try {
    return encode(resultReply(msgId, o.result));
  } catch (err) {
    return encode(errorReply(msgId, { type: 'SerializationError', message: `the result could not be sent as JSON: ${errorInfo(err).message}` }));
  }
}

/** A call waiting for its reply (both carriers keep these by msg_id). */
export interface PendingCall {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  topic: string;
  method: string;
}

/**
 * Registers a call waiting for its reply (failing with MessagingTimeout after timeoutMs), then
 * sends it with `send`; a send that throws fails the call at once.
 */
export function awaitReply<T>(pending: Map<string, PendingCall>, msgId: string, topic: string, method: string, timeoutMs: number, send: () => void, unsent: (err: unknown) => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(msgId);
      reject(new MessagingTimeout(topic, method, timeoutMs));
    }, timeoutMs);
    pending.set(msgId, { resolve: resolve as (v: unknown) => void, reject, timer, topic, method });
    try {
      send();
    } catch (err) {
      clearTimeout(timer);
      pending.delete(msgId);
      reject(unsent(err));
    }
  });
}

/** Hands a decoded reply to the call waiting for it; a reply for a call that timed out is ignored. */
export function settleReply(pending: Map<string, PendingCall>, r: ReplyEnvelope): void {
  const p = pending.get(r.msg_id);
  if (!p) return;
  pending.delete(r.msg_id);
  clearTimeout(p.timer);
  if ('error' in r) p.reject(new RemoteError(r.error.type, r.error.message, p.topic, p.method));
  else p.resolve(r.result);
}
