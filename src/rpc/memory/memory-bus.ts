// The in-process carrier: `memory://name` names a process-global broker, so a server and
// several agents in one process (tests, `neutrino all-in-one` style setups) talk as they
// would over RabbitMQ. It mimics the RabbitMQ layout on purpose:
//   - a named queue per shared topic and per `<topic>.<host>`, round-robin among its
//     consumers; messages wait in the queue while it has no consumer (calls only until
//     their timeout, like oslo's message TTL); sending to a queue nobody ever declared
//     drops the message, as an unbound RabbitMQ routing key does.
//   - fanout copies to every current fanout consumer of the topic.
// Messages travel as encoded JSON strings and are decoded once per delivery, so handlers
// never share objects with the caller or with each other. Delivery is always on a later
// event-loop turn (setImmediate, batched), never inside the caller's stack; setImmediate
// rather than a microtask so two consumers casting to each other can't starve timers and I/O.
// A broker lives while at least one bus uses it; when the last one closes its queues go too.
import type { Logger } from 'pino';
import { TransportUnavailable, type Bus, type CallOptions, type ConsumeOptions, type Consumer, type Endpoints } from '../bus.js';
import { awaitReply, decodeReply, decodeRequest, encode, encodeReply, invoke, request, settleReply, type PendingCall } from '../envelope.js';

interface Delivery {
  raw: string;
  /** calls expire at their caller's deadline (epoch ms), as with an AMQP per-message TTL */
  expires?: number;
}

class Queue {
  readonly consumers: MemoryConsumer[] = [];
  next = 0;
  readonly backlog: Delivery[] = [];
}

class Broker {
  readonly queues = new Map<string, Queue>();
  readonly fanouts = new Map<string, Set<MemoryConsumer>>();
  readonly buses = new Map<string, MemoryBus>();
  private jobs: (() => void)[] = [];
  private scheduled = false;

  constructor(
    readonly name: string,
    private readonly log: Logger,
  ) {}

  schedule(job: () => void): void {
    this.jobs.push(job);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  // jobs queued while draining run on the next turn, so a busy ping-pong still yields
  private readonly drain = (): void => {
    const jobs = this.jobs;
    this.jobs = [];
    this.scheduled = false;
    for (const job of jobs) {
      try {
        job();
      } catch (err) {
        this.log.error({ event: 'rpc.memory_delivery_failed', err }, 'in-process delivery failed');
      }
    }
  };

  declare(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) this.queues.set(name, (q = new Queue()));
    return q;
  }

  /** false when no queue of that name was ever declared (the message is dropped) */
  route(name: string, d: Delivery): boolean {
    const q = this.queues.get(name);
    if (!q) return false;
    if (q.consumers.length === 0) {
      q.backlog.push(d);
      return true;
    }
    const c = q.consumers[q.next++ % q.consumers.length];
    this.schedule(() => c.deliver(name, d));
    return true;
  }

  attach(name: string, c: MemoryConsumer): void {
    const q = this.declare(name);
    q.consumers.push(c);
    const waiting = q.backlog.splice(0);
    for (const d of waiting) this.route(name, d);
  }

  detach(name: string, c: MemoryConsumer): void {
    const q = this.queues.get(name);
    if (!q) return;
    const i = q.consumers.indexOf(c);
    if (i >= 0) q.consumers.splice(i, 1);
  }
}

const brokers = new Map<string, Broker>();

function brokerName(url: string): string {
  const m = /^memory:\/\/([^/?#]*)\/?$/.exec(url);
  if (!m) throw new Error(`bad in-process transport_url ${url}: expected memory:// or memory://<name>`);
  return m[1];
}

class MemoryConsumer implements Consumer {
  stopped = false;

  constructor(
    private readonly bus: MemoryBus,
    private readonly broker: Broker,
    readonly topic: string,
    readonly endpoints: Endpoints,
    readonly queues: string[],
    readonly fanout: boolean,
  ) {}

  deliver(name: string, d: Delivery): void {
    if (d.expires !== undefined && d.expires < Date.now()) return;
    // stopped between routing and delivery: back to the queue, as an unacked message would be
    if (this.stopped) {
      if (name !== '') this.broker.route(name, d);
      return;
    }
    this.bus.handle(this, name === '' ? this.topic : name, d.raw);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const q of this.queues) this.broker.detach(q, this);
    if (this.fanout) this.broker.fanouts.get(this.topic)?.delete(this);
    this.bus.forget(this);
  }
}

type Pending = PendingCall;

let busSeq = 0;

export class MemoryBus implements Bus {
  readonly describe: string;
  private readonly id = `membus-${process.pid}-${++busSeq}`;
  private readonly pending = new Map<string, Pending>();
  private readonly consumers = new Set<MemoryConsumer>();
  private msgSeq = 0;
  private closed = false;

  private constructor(
    private readonly broker: Broker,
    private readonly log: Logger,
    private readonly responseTimeoutMs: number,
  ) {
    this.describe = `memory://${broker.name}`;
    broker.buses.set(this.id, this);
  }

  static open(url: string, opts: { log: Logger; responseTimeoutMs: number }): MemoryBus {
    const name = brokerName(url);
    let b = brokers.get(name);
    if (!b) brokers.set(name, (b = new Broker(name, opts.log)));
    return new MemoryBus(b, opts.log, opts.responseTimeoutMs);
  }

  private check(topic: string, method: string): void {
    if (this.closed) throw new TransportUnavailable(`the bus on ${this.describe} is closed: ${method} on topic ${topic} not sent`);
  }

  async call<T = unknown>(topic: string, method: string, args?: object, opts?: CallOptions): Promise<T> {
    this.check(topic, method);
    const timeoutMs = opts?.timeoutMs ?? this.responseTimeoutMs;
    const msgId = String(++this.msgSeq);
    const raw = encode(request('call', method, args, msgId, this.id));
    return awaitReply<T>(
      this.pending,
      msgId,
      topic,
      method,
      timeoutMs,
      () => {
        if (!this.broker.route(topic, { raw, expires: Date.now() + timeoutMs })) {
          this.log.debug({ event: 'rpc.unroutable', transport: this.describe, topic, method }, `no queue for topic ${topic}: call will time out`);
        }
      },
      (err) => (err instanceof Error ? err : new Error(String(err))),
    );
  }

  async cast(topic: string, method: string, args?: object): Promise<void> {
    this.check(topic, method);
    if (!this.broker.route(topic, { raw: encode(request('cast', method, args)) })) {
      this.log.debug({ event: 'rpc.unroutable', transport: this.describe, topic, method }, `no queue for topic ${topic}: cast dropped`);
    }
  }

  async fanout(topic: string, method: string, args?: object): Promise<void> {
    this.check(topic, method);
    const subs = this.broker.fanouts.get(topic);
    if (!subs || subs.size === 0) return;
    const d: Delivery = { raw: encode(request('fanout', method, args)) };
    for (const c of subs) this.broker.schedule(() => c.deliver('', d));
  }

  async consume(topic: string, endpoints: Endpoints, opts: ConsumeOptions = {}): Promise<Consumer> {
    this.check(topic, 'consume');
    const queues: string[] = [];
    if (opts.shared !== false) queues.push(topic);
    if (opts.host) queues.push(`${topic}.${opts.host}`);
    const fanout = opts.fanout !== false;
    const c = new MemoryConsumer(this, this.broker, topic, endpoints, queues, fanout);
    this.consumers.add(c);
    for (const q of queues) this.broker.attach(q, c);
    if (fanout) {
      let subs = this.broker.fanouts.get(topic);
      if (!subs) this.broker.fanouts.set(topic, (subs = new Set()));
      subs.add(c);
    }
    return c;
  }

  /** a request delivered to one of this bus's consumers; `topic` is the name it was sent to */
  handle(c: MemoryConsumer, topic: string, raw: string): void {
    const req = decodeRequest(raw);
    if (!req) {
      this.log.warn({ event: 'rpc.bad_message', transport: this.describe, topic, bytes: raw.length }, `dropped a message on topic ${topic} that is not a version-1 request`);
      return;
    }
    void invoke(c.endpoints, req, topic).then((outcome) => {
      if (req.kind === 'call') {
        if (!outcome.ok) this.log.debug({ event: 'rpc.call_error', topic, method: req.method, error_type: outcome.error.type }, 'call answered with an error');
        const caller = this.broker.buses.get(req.reply_to!);
        // the caller closed meanwhile: nobody to answer, as with a deleted reply queue
        if (caller) {
          const reply = encodeReply(req.msg_id!, outcome);
          this.broker.schedule(() => caller.onReply(reply));
        }
      } else if (!outcome.ok) {
        this.log.error(
          { event: 'rpc.handler_error', transport: this.describe, topic, method: req.method, kind: req.kind, error_type: outcome.error.type, error: outcome.error.message },
          `${req.kind} handler ${req.method} on topic ${topic} failed: ${outcome.error.type}: ${outcome.error.message}`,
        );
      }
    });
  }

  onReply(raw: string): void {
    const r = decodeReply(raw);
    if (!r) {
      this.log.warn({ event: 'rpc.bad_message', transport: this.describe, topic: this.id, bytes: raw.length }, 'dropped a reply that is not a version-1 reply');
      return;
    }
    settleReply(this.pending, r);
  }

  forget(c: MemoryConsumer): void {
    this.consumers.delete(c);
  }

  /** the in-process broker never disconnects, so the listener never fires */
  onReconnect(_listener: () => void): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of [...this.consumers]) await c.stop();
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new TransportUnavailable(`the bus on ${this.describe} was closed while waiting for a reply to ${p.method} on topic ${p.topic}`));
      this.pending.delete(id);
    }
    this.broker.buses.delete(this.id);
    if (this.broker.buses.size === 0 && brokers.get(this.broker.name) === this.broker) brokers.delete(this.broker.name);
  }
}

/**
 * Test hook: puts raw bytes on a topic's queue of the named in-process broker, as if some
 * other program had published them (what `rabbitmqadmin publish` is to the AMQP carrier).
 * Returns false if that broker or queue doesn't exist.
 */
export function injectRawMessage(url: string, topic: string, raw: string | Buffer): boolean {
  const b = brokers.get(brokerName(url));
  return b ? b.route(topic, { raw: typeof raw === 'string' ? raw : raw.toString('utf8') }) : false;
}
