// The bus suite over a real RabbitMQ, plus recovery from a connection the broker closes.
// Needs RabbitMQ at NEUTRINO_TEST_RABBIT_URL (default rabbit://guest:guest@127.0.0.1:5672/)
// and `rabbitmqctl` on this host; without them these tests fail, they don't skip.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { parseRabbitUrl } from '../../src/rpc/amqp/amqp-bus.js';
import { openBus, TransportUnavailable, type Bus } from '../../src/rpc/index.js';
import { busSuite, captureLogger, sleep, topicNamer, waitFor } from '../helpers/bus-suite.js';

const url = process.env.NEUTRINO_TEST_RABBIT_URL ?? 'rabbit://guest:guest@127.0.0.1:5672/';
const run = promisify(execFile);

async function rabbitmqctl(...args: string[]): Promise<string> {
  try {
    return (await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 })).stdout;
  } catch (e) {
    throw new Error(`rabbitmqctl ${args.join(' ')} failed (these tests need rabbitmqctl on the broker's host): ${(e as Error).message}`);
  }
}

/** Closes, from the broker's side, the connection whose connection_name is `name`. */
async function closeConnectionNamed(name: string): Promise<void> {
  const out = await rabbitmqctl('list_connections', '--no-table-headers', 'pid', 'client_properties');
  const line = out.split('\n').find((l) => l.includes(`{"connection_name","${name}"}`));
  assert.ok(line, `no RabbitMQ connection named ${name} in:\n${out}`);
  await rabbitmqctl('close_connection', line.split('\t')[0], 'neutrino test: simulated broker-side close');
}

// a plain amqplib connection of the test's own, to publish raw bytes and to clean up
let raw: { conn: ChannelModel; ch: Channel } | undefined;

before(async () => {
  try {
    const conn = await connect(parseRabbitUrl(url).target);
    raw = { conn, ch: await conn.createChannel() };
  } catch (e) {
    throw new Error(`RabbitMQ is not reachable at ${parseRabbitUrl(url).describe} (${(e as Error).message}). ` + 'Start it with `rabbitmq-server -detached` or set NEUTRINO_TEST_RABBIT_URL.');
  }
});

after(async () => {
  await raw?.conn.close().catch(() => undefined);
});

/** Deletes the queues and exchanges whose names contain `prefix`. */
async function cleanup(prefix: string): Promise<void> {
  if (!raw) return;
  const queues = (await rabbitmqctl('list_queues', '--no-table-headers', 'name')).split('\n').filter((n) => n.includes(prefix));
  const exchanges = (await rabbitmqctl('list_exchanges', '--no-table-headers', 'name')).split('\n').filter((n) => n.includes(prefix));
  for (const q of queues) await raw.ch.deleteQueue(q.trim());
  for (const x of exchanges) await raw.ch.deleteExchange(x.trim());
}

busSuite('RabbitMQ', () => ({
  url,
  open: (log) => openBus(url, { log, responseTimeoutMs: 5000, connectionName: `neutrino:test:${process.pid}` }),
  injectRaw: async (topic, body) => {
    assert.ok(raw, 'no RabbitMQ connection');
    raw.ch.publish('neutrino', topic, body);
  },
  cleanup,
}));

describe('RabbitMQ carrier', () => {
  const topics = topicNamer('rabbit-recovery');
  const open: Bus[] = [];
  after(async () => {
    for (const b of open) await b.close();
    await cleanup(topics.prefix);
  });

  it('says which broker is unreachable, without the password', async () => {
    const { log } = captureLogger();
    await assert.rejects(openBus('rabbit://guest:s3cret@127.0.0.1:1/', { log }), (e: unknown) => {
      assert.ok(e instanceof TransportUnavailable, String(e));
      assert.match(e.message, /rabbit:\/\/guest:\*\*\*@127\.0\.0\.1:1\//);
      assert.doesNotMatch(e.message, /s3cret/);
      return true;
    });
  });

  it('maps transport_url to amqplib options', () => {
    const p = parseRabbitUrl('rabbit://neutron:p%40ss@rabbit.example:5673/openstack');
    assert.deepEqual(
      { ...p.target, heartbeat: undefined },
      { protocol: 'amqp', hostname: 'rabbit.example', port: 5673, vhost: 'openstack', username: 'neutron', password: 'p@ss', heartbeat: undefined },
    );
    assert.equal(p.describe, 'rabbit://neutron:***@rabbit.example:5673/openstack');
    assert.equal(parseRabbitUrl('amqp://h/').target.vhost, '');
    assert.throws(
      () => parseRabbitUrl('rabbit://u:secret@h1:5672,u:secret@h2:5672/'),
      (e: Error) => /one host/.test(e.message) && !/secret/.test(e.message),
    );
  });

  it('recovers after the broker closes its connection: same consumers, onReconnect fires', async () => {
    const cap = captureLogger();
    const name = `neutrino:test-agent:${process.pid}:${randomBytes(3).toString('hex')}`;
    const server = await openBus(url, { log: cap.log, responseTimeoutMs: 5000, connectionName: `neutrino:test-server:${process.pid}` });
    open.push(server);
    const agent = await openBus(url, { log: cap.log, responseTimeoutMs: 5000, connectionName: name });
    open.push(agent);
    const t = topics.next();
    const got: string[] = [];
    await agent.consume(t, { ping: () => 'pong', note: (a: { n: string }, m) => void got.push(`${m.kind}:${a.n}`) }, { host: 'compute1' });
    let reconnects = 0;
    const unsubscribe = agent.onReconnect(() => reconnects++);
    let other = 0;
    agent.onReconnect(() => other++)(); // subscribed and at once unsubscribed: never called
    assert.equal(await server.call(t, 'ping'), 'pong');

    await closeConnectionNamed(name);
    await waitFor('onReconnect', () => reconnects === 1, 20_000);
    assert.equal(other, 0);
    assert.equal(cap.events('rpc.connection_lost').length, 1);
    assert.equal(cap.events('rpc.reconnect').length, 1);

    assert.equal(await server.call(t, 'ping'), 'pong');
    assert.equal(await server.call(`${t}.compute1`, 'ping'), 'pong');
    await server.cast(t, 'note', { n: '1' });
    await server.cast(`${t}.compute1`, 'note', { n: '2' });
    await server.fanout(t, 'note', { n: '3' });
    await waitFor('cast, host cast and fanout after the reconnect', () => got.length === 3);
    assert.deepEqual(got.sort(), ['cast:1', 'cast:2', 'fanout:3']);
    unsubscribe();
  });

  it('fails calls in flight and sends while down with TransportUnavailable, then works again', async () => {
    const cap = captureLogger();
    const name = `neutrino:test-caller:${process.pid}:${randomBytes(3).toString('hex')}`;
    const caller = await openBus(url, { log: cap.log, responseTimeoutMs: 20_000, connectionName: name });
    open.push(caller);
    const agent = await openBus(url, { log: cap.log, responseTimeoutMs: 5000 });
    open.push(agent);
    const t = topics.next();
    await agent.consume(t, { slow: async () => (await sleep(3000), 'late'), ping: () => 'pong' });
    let reconnects = 0;
    caller.onReconnect(() => reconnects++);

    const inFlight = caller.call(t, 'slow');
    const rejected = assert.rejects(inFlight, (e: unknown) => {
      assert.ok(e instanceof TransportUnavailable, String(e));
      assert.match(e.message, /lost the connection to RabbitMQ at rabbit:\/\/guest:\*\*\*@127\.0\.0\.1:5672\//);
      return true;
    });
    const started = Date.now();
    await closeConnectionNamed(name);
    await rejected;
    // rejected at the loss, not at the 20 s timeout nor when the 3 s handler answered
    assert.ok(Date.now() - started < 2900, `took ${Date.now() - started} ms`);
    if (reconnects === 0) {
      // still between the loss and the reconnect (the first retry waits ≥ 80 ms)
      await assert.rejects(caller.cast(t, 'ping'), (e: unknown) => e instanceof TransportUnavailable && /not connected to RabbitMQ at rabbit:\/\/guest:\*\*\*@/.test(e.message));
    }
    await waitFor('onReconnect', () => reconnects === 1, 20_000);
    assert.equal(await caller.call(t, 'ping'), 'pong');
  });

  it('close() while reconnecting stops for good', async () => {
    const cap = captureLogger();
    const name = `neutrino:test-closing:${process.pid}:${randomBytes(3).toString('hex')}`;
    const bus = await openBus(url, { log: cap.log, connectionName: name });
    let reconnects = 0;
    bus.onReconnect(() => reconnects++);
    await closeConnectionNamed(name);
    await waitFor('the loss', () => cap.events('rpc.connection_lost').length === 1, 10_000);
    await bus.close();
    await sleep(1000);
    assert.equal(reconnects, 0);
    assert.equal(cap.events('rpc.reconnect').length, 0);
    const out = await rabbitmqctl('list_connections', '--no-table-headers', 'client_properties');
    assert.ok(!out.includes(name), 'a connection survived close()');
  });
});
