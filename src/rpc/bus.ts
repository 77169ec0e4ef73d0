// The message bus between the server and the agents: one interface, two carriers
// (src/rpc/amqp/ over RabbitMQ, src/rpc/memory/ in-process). Semantics follow
// oslo.messaging, which Neutron's agents are built on:
//   - call(topic, …)   request/response; exactly one consumer of `topic` answers
//   - cast(topic, …)   one-way; exactly one consumer of `topic` gets it
//   - fanout(topic, …) one-way; every consumer of `topic` gets a copy
//   - host targeting:  a consumer that serves (topic, host) also owns `<topic>.<host>`,
//                      so call/cast to `q-agent-notifier.compute1` reach only that host.
// Messages are JSON with a version field (BUS_MESSAGE_VERSION). A message that can't be
// parsed is logged and dropped; a handler that throws answers the caller with a RemoteError
// (call) or is logged (cast/fanout) — it never stops the consumer.

export const BUS_MESSAGE_VERSION = 1;

/** The handlers a consumer offers, by RPC method name (Neutron's names). */
export type Endpoints = Record<string, (args: any, meta: MessageMeta) => unknown>;

export interface MessageMeta {
  topic: string;
  method: string;
  /** how it was sent */
  kind: 'call' | 'cast' | 'fanout';
}

export interface CallOptions {
  /** default: the bus's rpc_response_timeout (seconds, as in oslo.messaging) */
  timeoutMs?: number;
}

export interface ConsumeOptions {
  /** also consume `<topic>.<host>` (host-targeted call/cast) */
  host?: string;
  /** receive fanouts on `topic` (default true) */
  fanout?: boolean;
  /** take part in shared call/cast on the plain `topic` (default true) */
  shared?: boolean;
}

export interface Consumer {
  /** stop consuming; the topic queues are left to the broker */
  stop(): Promise<void>;
}

export interface Bus {
  /** e.g. `memory://` or `rabbit://guest:***@127.0.0.1:5672/` (password hidden) */
  readonly describe: string;
  call<T = unknown>(topic: string, method: string, args?: object, opts?: CallOptions): Promise<T>;
  cast(topic: string, method: string, args?: object): Promise<void>;
  fanout(topic: string, method: string, args?: object): Promise<void>;
  consume(topic: string, endpoints: Endpoints, opts?: ConsumeOptions): Promise<Consumer>;
  /**
   * Called after the carrier lost its connection and got it back (every queue and
   * consumer re-declared): messages may have been missed, so owners resync.
   * Returns an unsubscribe function.
   */
  onReconnect(listener: () => void): () => void;
  close(): Promise<void>;
}

/** The remote handler threw; `type` is its error's name (e.g. a Neutron exception type). */
export class RemoteError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly topic: string,
    readonly method: string,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

/** No answer within the timeout (oslo.messaging's MessagingTimeout). */
export class MessagingTimeout extends Error {
  constructor(
    readonly topic: string,
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for a reply to ${method} on topic ${topic}: is a consumer of ${topic} running and connected to the same transport_url?`);
    this.name = 'MessagingTimeout';
  }
}

/** The carrier is down and the message could not be sent (the caller may retry). */
export class TransportUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportUnavailable';
  }
}
