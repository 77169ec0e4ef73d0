// The RabbitMQ carrier, laid out like oslo.messaging's rabbit driver so the broker looks
// familiar to an operator:
//   - a topic exchange (`neutrino`); queue `<topic>` (shared: RabbitMQ round-robins among
//     its consumers) and queue `<topic>.<host>` (host-targeted) are bound to it under their
//     own names. Both are non-durable and not auto-delete: they outlive a consumer restart
//     and keep the casts sent meanwhile (until a broker restart).
//   - a fanout exchange `<topic>_fanout` per topic, with one exclusive auto-delete queue per
//     consumer, so every consumer gets a copy and the queue dies with its consumer.
//   - replies: one exclusive, server-named reply queue per connection; requests carry its
//     name in `reply_to` and replies are correlated by `msg_id`.
//
// Delivery guarantees (honest version): a plain channel, no publisher confirms, transient
// messages. A publish that the socket accepted can still be lost if the connection drops
// before the broker routes it, and every queue is lost on a broker restart. Consumers ack
// after their handler finished, so a cast taken by a consumer whose connection drops
// mid-handling is redelivered (possibly to another consumer): at-least-once from queue
// to handler, at-most-once from publisher to queue. Calls carry their timeout as a
// per-message TTL, so a request nobody took in time is discarded by the broker.
//
// Reconnection: when the connection or the channel goes away without close() (broker
// restart, `rabbitmqctl close_connection`, heartbeat timeout, a channel error), the bus
// rejects every call waiting for a reply with TransportUnavailable at once (the reply queue
// died with the connection, so no answer could arrive; the request may or may not have been
// handled), then reconnects with exponential backoff (100 ms doubling, capped at 5 s, with
// jitter), re-declares the exchanges, its reply queue and every live consumer's queues and
// consumers, and only then calls the onReconnect listeners. Sending while disconnected
// throws TransportUnavailable. The first connection is not retried: openBus fails, so a
// wrong transport_url is reported at startup instead of being retried for ever.
import { randomBytes, randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { connect, type Channel, type ChannelModel, type ConsumeMessage, type Options } from 'amqplib';
import type { Logger } from 'pino';
import { TransportUnavailable, type Bus, type CallOptions, type ConsumeOptions, type Consumer, type Endpoints } from '../bus.js';
import { awaitReply, decodeReply, decodeRequest, encode, encodeReply, invoke, request, settleReply, type PendingCall } from '../envelope.js';

export interface AmqpBusOptions {
  log: Logger;
  responseTimeoutMs: number;
  /** shown by `rabbitmqctl list_connections client_properties`; default `neutrino:<script>:<pid>` */
  connectionName?: string;
  /** the topic exchange (oslo's control_exchange); default `neutrino` */
  exchange?: string;
  /** unacked messages per consumer, i.e. how many handlers run at once per queue; default 64 */
  prefetch?: number;
}

const BACKOFF_START_MS = 100;
const BACKOFF_CAP_MS = 5000;
const HEARTBEAT_S = 30;
const CONNECT_TIMEOUT_MS = 5000;

/** `rabbit://user:pass@host:port/vhost` (or amqp://, amqps://) → amqplib's connect options. */
export function parseRabbitUrl(url: string): { target: Options.Connect; describe: string } {
  const bad = () => new Error(`cannot use transport_url ${hidePassword(url)}: expected rabbit://user:pass@host:port/vhost (one host)`);
  // oslo's several-hosts form, rabbit://u:p@h1:5672,u:p@h2:5672/, would parse as one odd URL
  if (/^[^:]+:\/\/[^/]*,/.test(url)) throw bad();
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad();
  }
  if (!['rabbit:', 'amqp:', 'amqps:'].includes(u.protocol)) throw new Error(`not a RabbitMQ transport_url: ${hidePassword(url)}`);
  if (!u.hostname) throw new Error(`transport_url ${hidePassword(url)} names no host`);
  const tls = u.protocol === 'amqps:';
  const target: Options.Connect = {
    protocol: tls ? 'amqps' : 'amqp',
    hostname: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : tls ? 5671 : 5672,
    // amqplib unescapes it itself; `/` and `` both mean the default vhost
    vhost: u.pathname.slice(1),
    heartbeat: HEARTBEAT_S,
  };
  if (u.username || u.password) {
    target.username = decodeURIComponent(u.username);
    target.password = decodeURIComponent(u.password);
  }
  const auth = u.username ? `${u.username}${u.password ? ':***' : ''}@` : '';
  return { target, describe: `${u.protocol}//${auth}${u.host}${u.pathname || '/'}` };
}

function hidePassword(url: string): string {
  return url.replace(/([/,][^:/@,]*):[^@/]*@/g, '$1:***@');
}

const errMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** One connection + channel; replaced as a whole on any loss. */
interface Link {
  conn: ChannelModel;
  ch: Channel;
  replyQueue: string;
  /** fanout exchanges declared on this connection (publishing to a missing one kills the channel) */
  fanoutExchanges: Set<string>;
  dead: boolean;
}

type Pending = PendingCall;

class AmqpConsumer implements Consumer {
  stopped = false;
  /** consumer tags on the current link */
  tags: string[] = [];
  readonly queues: string[] = [];

  constructor(
    private readonly bus: AmqpBus,
    readonly topic: string,
    readonly endpoints: Endpoints,
    opts: ConsumeOptions,
    readonly fanout: boolean,
  ) {
    if (opts.shared !== false) this.queues.push(topic);
    if (opts.host) this.queues.push(`${topic}.${opts.host}`);
  }

  /** Declares and binds this consumer's queues on `link` and starts consuming them. */
  async attach(link: Link, exchange: string): Promise<void> {
    const ch = link.ch;
    this.tags = [];
    for (const q of this.queues) {
      await ch.assertQueue(q, { durable: false, autoDelete: false });
      await ch.bindQueue(q, exchange, q);
      const { consumerTag } = await ch.consume(q, (m) => this.bus.onDelivery(this, link, m));
      this.tags.push(consumerTag);
    }
    if (this.fanout) {
      const ex = await this.bus.declareFanout(link, this.topic);
      // fresh name per attach: the old exclusive queue may not be gone yet on the broker
      const { queue } = await ch.assertQueue(`${this.topic}_fanout_${randomBytes(6).toString('hex')}`, { exclusive: true, autoDelete: true, durable: false });
      await ch.bindQueue(queue, ex, '');
      const { consumerTag } = await ch.consume(queue, (m) => this.bus.onDelivery(this, link, m));
      this.tags.push(consumerTag);
    }
    // stop() ran while this was re-attaching after a reconnect: undo it
    if (this.stopped) {
      for (const tag of this.tags) await ch.cancel(tag).catch(() => undefined);
      this.tags = [];
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.bus.detach(this);
  }
}

export class AmqpBus implements Bus {
  readonly describe: string;
  private readonly exchange: string;
  private readonly prefetch: number;
  private readonly connectionName: string;
  private readonly log: Logger;
  private link: Link | null = null;
  private closed = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private connecting: Promise<Link> | null = null;
  private lostAt = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly consumers = new Set<AmqpConsumer>();
  private readonly listeners = new Set<() => void>();

  private constructor(
    private readonly target: Options.Connect,
    describe: string,
    private readonly opts: AmqpBusOptions,
  ) {
    this.describe = describe;
    this.log = opts.log;
    this.exchange = opts.exchange ?? 'neutrino';
    this.prefetch = opts.prefetch ?? 64;
    this.connectionName = opts.connectionName ?? `neutrino:${basename(process.argv[1] ?? 'node', '.js')}:${process.pid}`;
  }

  static async open(url: string, opts: AmqpBusOptions): Promise<AmqpBus> {
    const { target, describe } = parseRabbitUrl(url);
    const bus = new AmqpBus(target, describe, opts);
    try {
      bus.link = await bus.track(bus.establish());
    } catch (err) {
      throw new TransportUnavailable(`cannot connect to RabbitMQ at ${describe}: ${errMessage(err)} (is the broker running and is transport_url right?)`);
    }
    bus.log.info({ event: 'rpc.connected', transport: describe, connection_name: bus.connectionName }, `connected to RabbitMQ at ${describe}`);
    return bus;
  }

  private track(p: Promise<Link>): Promise<Link> {
    this.connecting = p;
    const done = () => {
      if (this.connecting === p) this.connecting = null;
    };
    p.then(done, done);
    return p;
  }

  /** Connects and declares everything this bus needs: exchange, reply queue, consumers. */
  private async establish(): Promise<Link> {
    const conn = await connect(this.target, {
      clientProperties: { connection_name: this.connectionName },
      timeout: CONNECT_TIMEOUT_MS,
      noDelay: true,
    });
    let link: Link | undefined;
    let early: Error | undefined;
    // 'error' comes before 'close'; either one means this link is finished
    const onLoss = (err: unknown) => {
      if (link) this.lost(link, err);
      else early ??= err instanceof Error ? err : new Error('connection closed');
    };
    conn.on('error', onLoss);
    conn.on('close', (err?: Error) => onLoss(err ?? new Error('connection closed')));
    conn.on('blocked', (reason: string) => this.log.warn({ event: 'rpc.blocked', transport: this.describe, reason }, `RabbitMQ is blocking publishers: ${reason}`));
    conn.on('unblocked', () => this.log.info({ event: 'rpc.unblocked', transport: this.describe }, 'RabbitMQ unblocked publishers'));
    try {
      const ch = await conn.createChannel();
      ch.on('error', onLoss);
      // when the whole connection goes, channels close first and the connection's reason
      // (e.g. CONNECTION_FORCED) follows in the same tick: let that one be the one logged
      ch.on('close', () => setImmediate(() => onLoss(new Error('channel closed'))));
      await ch.assertExchange(this.exchange, 'topic', { durable: false, autoDelete: false });
      const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      await ch.consume(queue, (m) => m && this.onReply(m), { noAck: true });
      // applies to each consume() on this channel after it: per-consumer limit
      await ch.prefetch(this.prefetch, false);
      const l: Link = { conn, ch, replyQueue: queue, fanoutExchanges: new Set(), dead: false };
      link = l;
      for (const c of this.consumers) await c.attach(l, this.exchange);
      // frames are handled in batches: a close may have arrived with the last reply
      if (early || l.dead) throw early ?? new Error('connection lost while declaring queues');
      return l;
    } catch (err) {
      if (link) link.dead = true;
      conn.close().catch(() => undefined);
      throw err;
    }
  }

  /** The connection or channel of `link` went away. */
  private lost(link: Link, err: unknown): void {
    if (link.dead) return;
    link.dead = true;
    if (this.link !== link) return; // still being set up: establish() notices `dead`
    this.link = null;
    if (this.closed) return;
    this.lostAt = Date.now();
    this.log.warn({ event: 'rpc.connection_lost', transport: this.describe, err: errMessage(err) }, `lost the RabbitMQ connection to ${this.describe}: ${errMessage(err)}; reconnecting`);
    // a channel can die alone (e.g. a 406 on a declare); drop its connection too and start afresh
    link.conn.close().catch(() => undefined);
    this.rejectPending((p) => `lost the connection to RabbitMQ at ${this.describe} while waiting for a reply to ${p.method} on topic ${p.topic} (it may or may not have been handled)`);
    for (const c of this.consumers) c.tags = [];
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const base = Math.min(BACKOFF_CAP_MS, BACKOFF_START_MS * 2 ** this.attempt);
    const delay = Math.round(base * (0.8 + Math.random() * 0.2));
    this.attempt++;
    this.reconnectTimer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    this.reconnectTimer = null;
    if (this.closed) return;
    let link: Link;
    try {
      link = await this.track(this.establish());
    } catch (err) {
      if (this.closed) return;
      this.log.warn(
        { event: 'rpc.reconnect_failed', transport: this.describe, attempt: this.attempt, err: errMessage(err) },
        `reconnecting to RabbitMQ at ${this.describe} failed: ${errMessage(err)}`,
      );
      this.scheduleReconnect();
      return;
    }
    if (this.closed) {
      link.dead = true;
      await link.conn.close().catch(() => undefined);
      return;
    }
    this.link = link;
    this.log.warn(
      { event: 'rpc.reconnect', transport: this.describe, attempts: this.attempt, down_ms: Date.now() - this.lostAt, consumers: this.consumers.size },
      `reconnected to RabbitMQ at ${this.describe}; queues and consumers re-declared`,
    );
    this.attempt = 0;
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch (err) {
        this.log.error({ event: 'rpc.reconnect_listener_failed', err }, 'an onReconnect listener threw');
      }
    }
  }

  private rejectPending(why: (p: Pending) => string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new TransportUnavailable(why(p)));
    }
  }

  private usable(topic: string, what: string): Link {
    if (this.closed) throw new TransportUnavailable(`the bus on ${this.describe} is closed: ${what} on topic ${topic} not sent`);
    if (!this.link) throw new TransportUnavailable(`not connected to RabbitMQ at ${this.describe} (reconnecting): ${what} on topic ${topic} not sent`);
    return this.link;
  }

  private unsent(link: Link, topic: string, what: string, err: unknown): TransportUnavailable {
    return new TransportUnavailable(`${what} on topic ${topic} not sent: the channel to RabbitMQ at ${this.describe} ${link.dead ? 'was lost' : 'failed'} (${errMessage(err)})`);
  }

  async declareFanout(link: Link, topic: string): Promise<string> {
    const ex = `${topic}_fanout`;
    if (!link.fanoutExchanges.has(ex)) {
      // not auto-delete: publishing to an exchange that vanished would close the channel
      await link.ch.assertExchange(ex, 'fanout', { durable: false, autoDelete: false });
      link.fanoutExchanges.add(ex);
    }
    return ex;
  }

  async call<T = unknown>(topic: string, method: string, args?: object, opts?: CallOptions): Promise<T> {
    const link = this.usable(topic, method);
    const timeoutMs = opts?.timeoutMs ?? this.opts.responseTimeoutMs;
    const msgId = randomUUID();
    const body = Buffer.from(encode(request('call', method, args, msgId, link.replyQueue)));
    return awaitReply<T>(
      this.pending,
      msgId,
      topic,
      method,
      timeoutMs,
      () => link.ch.publish(this.exchange, topic, body, { contentType: 'application/json', correlationId: msgId, replyTo: link.replyQueue, expiration: String(timeoutMs) }),
      (err) => this.unsent(link, topic, method, err),
    );
  }

  // publish() returning false only means amqplib buffered the frame; it is still sent
  async cast(topic: string, method: string, args?: object): Promise<void> {
    const link = this.usable(topic, method);
    const body = Buffer.from(encode(request('cast', method, args)));
    try {
      link.ch.publish(this.exchange, topic, body, { contentType: 'application/json' });
    } catch (err) {
      throw this.unsent(link, topic, method, err);
    }
  }

  async fanout(topic: string, method: string, args?: object): Promise<void> {
    const link = this.usable(topic, method);
    const body = Buffer.from(encode(request('fanout', method, args)));
    try {
      const ex = await this.declareFanout(link, topic);
      link.ch.publish(ex, topic, body, { contentType: 'application/json' });
    } catch (err) {
      throw this.unsent(link, topic, method, err);
    }
  }

  async consume(topic: string, endpoints: Endpoints, opts: ConsumeOptions = {}): Promise<Consumer> {
    const link = this.usable(topic, 'consume');
    const c = new AmqpConsumer(this, topic, endpoints, opts, opts.fanout !== false);
    this.consumers.add(c);
    try {
      await c.attach(link, this.exchange);
    } catch (err) {
      this.consumers.delete(c);
      c.stopped = true;
      if (!link.dead) for (const tag of c.tags) await link.ch.cancel(tag).catch(() => undefined);
      throw new TransportUnavailable(`cannot consume topic ${topic} on RabbitMQ at ${this.describe}: ${errMessage(err)}`);
    }
    return c;
  }

  async detach(c: AmqpConsumer): Promise<void> {
    this.consumers.delete(c);
    const link = this.link;
    const tags = c.tags;
    c.tags = [];
    // the exclusive fanout queue is auto-delete: cancelling its consumer removes it
    if (link && !link.dead) for (const tag of tags) await link.ch.cancel(tag).catch(() => undefined);
  }

  /** A message on one of `c`'s queues, delivered over `link`; null = cancelled by the broker. */
  onDelivery(c: AmqpConsumer, link: Link, m: ConsumeMessage | null): void {
    if (m === null) {
      // e.g. someone deleted the queue: start afresh, which declares it again
      this.log.warn({ event: 'rpc.consumer_cancelled', transport: this.describe, topic: c.topic }, `RabbitMQ cancelled a consumer of ${c.topic} (queue deleted?); reconnecting to re-declare it`);
      this.lost(link, new Error(`consumer of ${c.topic} cancelled by the broker`));
      return;
    }
    const topic = m.fields.routingKey || c.topic;
    if (c.stopped) {
      // delivered before the cancel took effect: give it back for another consumer
      this.settle(link, m, true);
      return;
    }
    const req = decodeRequest(m.content);
    if (!req) {
      this.log.warn({ event: 'rpc.bad_message', transport: this.describe, topic, bytes: m.content.length }, `dropped a message on topic ${topic} that is not a version-1 request`);
      this.settle(link, m);
      return;
    }
    void invoke(c.endpoints, req, topic).then((outcome) => {
      if (req.kind === 'call') {
        if (!outcome.ok) this.log.debug({ event: 'rpc.call_error', topic, method: req.method, error_type: outcome.error.type }, 'call answered with an error');
        this.reply(req.reply_to!, req.msg_id!, encodeReply(req.msg_id!, outcome));
      } else if (!outcome.ok) {
        this.log.error(
          { event: 'rpc.handler_error', transport: this.describe, topic, method: req.method, kind: req.kind, error_type: outcome.error.type, error: outcome.error.message },
          `${req.kind} handler ${req.method} on topic ${topic} failed: ${outcome.error.type}: ${outcome.error.message}`,
        );
      }
      this.settle(link, m);
    });
  }

  /** Ack (or requeue) on the channel that delivered it; if that channel is gone, the broker has requeued it already. */
  private settle(link: Link, m: ConsumeMessage, requeue = false): void {
    if (link.dead) return;
    try {
      if (requeue) link.ch.nack(m, false, true);
      else link.ch.ack(m);
    } catch (err) {
      this.log.debug({ event: 'rpc.ack_failed', err: errMessage(err) }, 'could not settle a message: its channel is closed');
    }
  }

  private reply(replyTo: string, msgId: string, body: string): void {
    const link = this.link;
    if (!link) {
      this.log.warn({ event: 'rpc.reply_lost', transport: this.describe, msg_id: msgId }, 'not connected: dropped a reply');
      return;
    }
    try {
      // default exchange, routed by queue name; a vanished reply queue just drops it
      link.ch.publish('', replyTo, Buffer.from(body), { contentType: 'application/json', correlationId: msgId });
    } catch (err) {
      this.log.warn({ event: 'rpc.reply_lost', transport: this.describe, msg_id: msgId, err: errMessage(err) }, 'dropped a reply: the channel failed');
    }
  }

  private onReply(m: ConsumeMessage): void {
    const r = decodeReply(m.content);
    if (!r) {
      this.log.warn({ event: 'rpc.bad_message', transport: this.describe, topic: m.fields.routingKey, bytes: m.content.length }, 'dropped a reply that is not a version-1 reply');
      return;
    }
    settleReply(this.pending, r);
  }

  onReconnect(listener: () => void): () => void {
    // wrapped so the same function can be subscribed twice and unsubscribed once
    const l = () => listener();
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    // a connect in progress finishes (or fails) first; its connection is closed here too
    const late = await this.connecting?.catch(() => null);
    if (late && late !== this.link) {
      late.dead = true;
      await late.conn.close().catch(() => undefined);
    }
    this.rejectPending((p) => `the bus on ${this.describe} was closed while waiting for a reply to ${p.method} on topic ${p.topic}`);
    const link = this.link;
    this.link = null;
    const consumers = [...this.consumers];
    this.consumers.clear();
    for (const c of consumers) c.stopped = true;
    if (link && !link.dead) {
      link.dead = true;
      for (const c of consumers) for (const tag of c.tags) await link.ch.cancel(tag).catch(() => undefined);
      await link.ch.close().catch(() => undefined);
      await link.conn.close().catch(() => undefined);
    }
    this.log.info({ event: 'rpc.closed', transport: this.describe }, `closed the RabbitMQ connection to ${this.describe}`);
  }
}
