// One behaviour suite for every Bus carrier (memory://, rabbit://): what oslo.messaging
// promises Neutron's agents, checked the same way on both.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { pino, type Logger } from 'pino';
import { MessagingTimeout, RemoteError, TransportUnavailable, type Bus, type MessageMeta } from '../../src/rpc/index.js';

export interface LogLine {
  level: number;
  event?: string;
  msg?: string;
  [k: string]: unknown;
}

/** A pino logger that keeps its lines in memory, for asserting on events. */
export function captureLogger(): { log: Logger; lines: LogLine[]; events: (event: string) => LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: 'debug', base: null }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { log, lines, events: (event) => lines.filter((l) => l.event === event) };
}

export interface Carrier {
  /** e.g. memory://suite-x or rabbit://guest:guest@127.0.0.1:5672/ */
  url: string;
  /** opens another bus on the same broker, logging to `log` */
  open(log: Logger): Promise<Bus>;
  /** publishes raw bytes to `topic`'s queue as some foreign program would */
  injectRaw(topic: string, raw: Buffer): Promise<void>;
  /** removes what the suite left on the broker (queues/exchanges whose names contain `prefix`) */
  cleanup?(prefix: string): Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitFor(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Test-unique topic names, so parallel runs on one broker never share a queue. */
export function topicNamer(label: string): { prefix: string; next: () => string } {
  const prefix = `nt-${label}-${process.pid}-${randomBytes(3).toString('hex')}`;
  let n = 0;
  return { prefix, next: () => `${prefix}-${++n}` };
}

export function busSuite(name: string, carrier: () => Carrier): void {
  describe(`Bus over ${name}`, () => {
    const topics = topicNamer(name.replace(/\W+/g, ''));
    const cap = captureLogger();
    const open: Bus[] = [];
    const bus = async () => {
      const b = await carrier().open(cap.log);
      open.push(b);
      return b;
    };
    after(async () => {
      for (const b of open) await b.close();
      await carrier().cleanup?.(topics.prefix);
    });

    it('call answers with the handler result; args and results are copies', async () => {
      const [server, agent] = [await bus(), await bus()];
      const t = topics.next();
      let seen: MessageMeta | undefined;
      const kept: object[] = [];
      await agent.consume(t, {
        add: (a: { x: number; y: number; list: number[] }, meta) => {
          seen = meta;
          a.list.push(99); // must not reach the caller's object
          kept.push(a);
          return { sum: a.x + a.y, list: a.list };
        },
        nothing: () => undefined,
      });
      const args = { x: 2, y: 3, list: [1] };
      const r = await server.call<{ sum: number; list: number[] }>(t, 'add', args);
      assert.deepEqual(r, { sum: 5, list: [1, 99] });
      assert.deepEqual(args.list, [1], 'the handler mutated the caller’s args');
      assert.notEqual(kept[0], args);
      assert.deepEqual(seen, { topic: t, method: 'add', kind: 'call' });
      assert.equal(await server.call(t, 'nothing'), null, 'a handler returning nothing answers null');
      // async handlers and concurrent calls are matched to their own replies
      await agent.consume(`${t}-slow`, { echo: async (a: { n: number }) => (await sleep(20 - a.n), a.n) });
      const many = await Promise.all(Array.from({ length: 10 }, (_, n) => server.call(`${t}-slow`, 'echo', { n })));
      assert.deepEqual(many, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('cast reaches exactly one consumer of a shared topic, asynchronously', async () => {
      const [server, a1, a2] = [await bus(), await bus(), await bus()];
      const t = topics.next();
      const got: string[] = [];
      const metas: MessageMeta[] = [];
      for (const [who, b] of [
        ['a1', a1],
        ['a2', a2],
      ] as const) {
        await b.consume(t, { note: (a: { id: string }, m) => void (got.push(`${who}:${a.id}`), metas.push(m)) });
      }
      const sent = server.cast(t, 'note', { id: 'x' });
      assert.equal(got.length, 0, 'delivered inside the caller');
      await sent;
      await waitFor('the cast', () => got.length === 1);
      await sleep(50);
      assert.equal(got.length, 1, `delivered more than once: ${got}`);
      assert.deepEqual(metas[0], { topic: t, method: 'note', kind: 'cast' });
    });

    it('round-robins calls between two consumers of a shared topic', async () => {
      const [server, a1, a2] = [await bus(), await bus(), await bus()];
      const t = topics.next();
      await a1.consume(t, { who: () => 'a1' });
      await a2.consume(t, { who: () => 'a2' });
      const answers: string[] = [];
      for (let i = 0; i < 10; i++) answers.push(await server.call<string>(t, 'who'));
      assert.equal(answers.filter((a) => a === 'a1').length, 5, answers.join(','));
      assert.equal(answers.filter((a) => a === 'a2').length, 5, answers.join(','));
    });

    it('host topics reach only that host; the plain topic reaches any', async () => {
      const [server, h1, h2] = [await bus(), await bus(), await bus()];
      const t = topics.next();
      const casts: string[] = [];
      await h1.consume(t, { who: () => 'h1', note: () => void casts.push('h1') }, { host: 'compute1' });
      await h2.consume(t, { who: () => 'h2', note: () => void casts.push('h2') }, { host: 'compute2' });
      for (let i = 0; i < 4; i++) assert.equal(await server.call(`${t}.compute1`, 'who'), 'h1');
      for (let i = 0; i < 4; i++) assert.equal(await server.call(`${t}.compute2`, 'who'), 'h2');
      await server.cast(`${t}.compute2`, 'note');
      await waitFor('the host cast', () => casts.length === 1);
      assert.deepEqual(casts, ['h2']);
      const plain = new Set<string>();
      for (let i = 0; i < 6; i++) plain.add(await server.call<string>(t, 'who'));
      assert.deepEqual([...plain].sort(), ['h1', 'h2']);
      // a consumer that only serves its host: shared:false keeps it off the plain topic
      const h3 = await bus();
      await h3.consume(t, { who: () => 'h3' }, { host: 'compute3', shared: false, fanout: false });
      for (let i = 0; i < 6; i++) assert.notEqual(await server.call(t, 'who'), 'h3');
      assert.equal(await server.call(`${t}.compute3`, 'who'), 'h3');
    });

    it('fanout reaches every consumer of the topic once', async () => {
      const [server, a1, a2] = [await bus(), await bus(), await bus()];
      const t = topics.next();
      const got: string[] = [];
      const kinds = new Set<string>();
      const ep = (who: string) => ({ update: (a: { n: number }, m: MessageMeta) => void (got.push(`${who}:${a.n}`), kinds.add(m.kind)) });
      await a1.consume(t, ep('c1'));
      await a1.consume(t, ep('c2'), { host: 'h' });
      await a2.consume(t, ep('c3'));
      await a2.consume(t, ep('none'), { fanout: false });
      await server.fanout(t, 'update', { n: 1 });
      await waitFor('3 fanout deliveries', () => got.length >= 3);
      await sleep(50);
      assert.deepEqual(got.sort(), ['c1:1', 'c2:1', 'c3:1']);
      assert.deepEqual([...kinds], ['fanout']);
      // a fanout nobody listens to is not an error
      await server.fanout(`${t}-nobody`, 'update', { n: 2 });
    });

    it('a call nobody answers fails with MessagingTimeout', async () => {
      const [server, agent] = [await bus(), await bus()];
      const t = topics.next();
      const started = Date.now();
      await assert.rejects(server.call(`${t}-nobody`, 'ping', {}, { timeoutMs: 200 }), (e: unknown) => {
        assert.ok(e instanceof MessagingTimeout, String(e));
        assert.equal(e.topic, `${t}-nobody`);
        assert.equal(e.method, 'ping');
        assert.equal(e.timeoutMs, 200);
        assert.match(e.message, /200 ms/);
        return true;
      });
      assert.ok(Date.now() - started >= 190, 'gave up early');
      // a handler slower than the timeout; its late reply is ignored
      await agent.consume(t, { slow: async () => (await sleep(300), 'late'), fast: () => 'ok' });
      await assert.rejects(server.call(t, 'slow', {}, { timeoutMs: 100 }), MessagingTimeout);
      await sleep(300);
      assert.equal(await server.call(t, 'fast'), 'ok');
    });

    it('a handler that throws answers the caller with RemoteError', async () => {
      const [server, agent] = [await bus(), await bus()];
      const t = topics.next();
      class NetworkNotFound extends Error {
        override name = 'NetworkNotFound';
      }
      await agent.consume(t, {
        boom: () => {
          throw new NetworkNotFound('Network abc could not be found.');
        },
        typed: async () => {
          throw Object.assign(new Error('Port p is still in use.'), { type: 'PortInUse' });
        },
        odd: () => {
          throw 'a string'; // eslint-disable-line no-throw-literal
        },
      });
      await assert.rejects(server.call(t, 'boom'), (e: unknown) => {
        assert.ok(e instanceof RemoteError, String(e));
        assert.equal(e.type, 'NetworkNotFound');
        assert.equal(e.message, 'Network abc could not be found.');
        assert.equal(e.topic, t);
        assert.equal(e.method, 'boom');
        return true;
      });
      await assert.rejects(server.call(t, 'typed'), { name: 'RemoteError', type: 'PortInUse', message: 'Port p is still in use.' });
      await assert.rejects(server.call(t, 'odd'), { name: 'RemoteError', type: 'Error', message: 'a string' });
      await assert.rejects(server.call(t, 'missing'), { name: 'RemoteError', type: 'NoSuchMethod' });
      await assert.rejects(server.call(t, 'toString'), { name: 'RemoteError', type: 'NoSuchMethod' });
      // and the consumer still serves
      await agent.consume(`${t}-ok`, { ping: () => 'pong' });
      assert.equal(await server.call(`${t}-ok`, 'ping'), 'pong');
    });

    it('a cast to a throwing handler is logged and later messages still arrive', async () => {
      const [server, agent] = [await bus(), await bus()];
      const t = topics.next();
      const got: number[] = [];
      await agent.consume(t, {
        bad: () => {
          throw Object.assign(new Error('no such port'), { type: 'PortNotFound' });
        },
        good: (a: { n: number }) => void got.push(a.n),
        answer: () => 42,
      });
      const before = cap.events('rpc.handler_error').length;
      await server.cast(t, 'bad');
      await server.fanout(t, 'bad');
      await server.cast(t, 'good', { n: 1 });
      await server.fanout(t, 'good', { n: 2 });
      await waitFor('the later messages', () => got.length === 2);
      assert.deepEqual(got.sort(), [1, 2]);
      const logged = cap
        .events('rpc.handler_error')
        .slice(before)
        .filter((l) => l.topic === t);
      assert.deepEqual(logged.map((l) => [l.kind, l.error_type]).sort(), [
        ['cast', 'PortNotFound'],
        ['fanout', 'PortNotFound'],
      ]);
      assert.equal(await server.call(t, 'answer'), 42);
    });

    it('drops (and logs) a message it cannot parse, then carries on', async () => {
      const [server, agent] = [await bus(), await bus()];
      const t = topics.next();
      const got: unknown[] = [];
      await agent.consume(t, { note: (a: unknown) => void got.push(a) });
      const before = cap.events('rpc.bad_message').length;
      const c = carrier();
      await c.injectRaw(t, Buffer.from('this is not json {'));
      await c.injectRaw(t, Buffer.from(JSON.stringify({ v: 2, kind: 'cast', method: 'note', args: { from: 'the future' } })));
      await c.injectRaw(t, Buffer.from(JSON.stringify({ v: 1, kind: 'cast', method: 'note' }))); // no args
      await server.cast(t, 'note', { ok: true });
      await waitFor('the good cast', () => got.length === 1);
      await waitFor('3 rpc.bad_message lines', () => cap.events('rpc.bad_message').length - before === 3);
      assert.deepEqual(got, [{ ok: true }]);
      assert.ok(
        cap
          .events('rpc.bad_message')
          .slice(before)
          .every((l) => l.topic === t && l.level === 40),
      );
    });

    it('a stopped consumer gets nothing more; the others take over', async () => {
      const [server, a1, a2] = [await bus(), await bus(), await bus()];
      const t = topics.next();
      const got: string[] = [];
      const c1 = await a1.consume(t, { who: () => 'a1', note: () => void got.push('a1') });
      await a2.consume(t, { who: () => 'a2', note: () => void got.push('a2') });
      await c1.stop();
      await c1.stop(); // idempotent
      for (let i = 0; i < 6; i++) assert.equal(await server.call(t, 'who'), 'a2');
      await server.fanout(t, 'note');
      await server.cast(t, 'note');
      await waitFor('two notes', () => got.length === 2);
      await sleep(50);
      assert.deepEqual(got, ['a2', 'a2']);
    });

    it('messages on their way to a consumer that stops go to another one', async () => {
      const [server, a1, a2] = [await bus(), await bus(), await bus()];
      const t = topics.next();
      const got: string[] = [];
      const c1 = await a1.consume(t, { note: (a: { n: number }) => void got.push(`a1:${a.n}`) });
      await a2.consume(t, { note: (a: { n: number }) => void got.push(`a2:${a.n}`) });
      // round-robin sends one of these towards a1; it stops before running either
      await Promise.all([server.cast(t, 'note', { n: 1 }), server.cast(t, 'note', { n: 2 })]);
      await c1.stop();
      await waitFor('both casts', () => got.length === 2);
      assert.deepEqual(got.sort(), ['a2:1', 'a2:2']);
    });

    it('casts sent while a shared topic has no consumer wait in its queue', async () => {
      const [server, agent] = [await bus(), await bus()];
      const t = topics.next();
      const got: number[] = [];
      const c = await agent.consume(t, { note: (a: { n: number }) => void got.push(a.n) });
      await c.stop();
      await server.cast(t, 'note', { n: 1 });
      await server.cast(t, 'note', { n: 2 });
      await sleep(50);
      assert.equal(got.length, 0);
      await agent.consume(t, { note: (a: { n: number }) => void got.push(a.n) });
      await waitFor('the queued casts', () => got.length === 2);
      assert.deepEqual(got, [1, 2]);
    });

    it('a closed bus refuses to send and rejects its waiting calls', async () => {
      const [server, agent] = [await bus(), await bus()];
      const t = topics.next();
      await agent.consume(t, { slow: async () => (await sleep(500), 'late') });
      const waiting = assert.rejects(server.call(t, 'slow'), (e: unknown) => e instanceof TransportUnavailable && /closed while waiting/.test(e.message));
      await sleep(50);
      await server.close();
      await waiting;
      await assert.rejects(server.call(t, 'slow'), (e: unknown) => e instanceof TransportUnavailable && /closed/.test(e.message));
      await assert.rejects(server.cast(t, 'slow'), TransportUnavailable);
      await assert.rejects(server.fanout(t, 'slow'), TransportUnavailable);
      await server.close(); // idempotent
    });
  });
}
