import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { decode, decodeReply, decodeRequest, encode, request } from '../../src/rpc/envelope.js';
import { openBus } from '../../src/rpc/index.js';
import { injectRawMessage } from '../../src/rpc/memory/memory-bus.js';
import { busSuite, captureLogger } from '../helpers/bus-suite.js';

// a broker of its own, so other tests in this process can't see these queues
const url = `memory://suite-${randomBytes(3).toString('hex')}`;

busSuite('memory', () => ({
  url,
  open: (log) => openBus(url, { log, responseTimeoutMs: 5000 }),
  injectRaw: async (topic, raw) => assert.ok(injectRawMessage(url, topic, raw), `no queue ${topic} on ${url}`),
}));

describe('envelope', () => {
  it('round-trips requests and replies', () => {
    const r = request('call', 'get_devices', { host: 'c1' }, 'm1', 'reply-q');
    assert.deepEqual(decode(encode(r)), { v: 1, kind: 'call', method: 'get_devices', args: { host: 'c1' }, msg_id: 'm1', reply_to: 'reply-q' });
    assert.deepEqual(decodeRequest(Buffer.from(encode(request('cast', 'm', undefined)))), { v: 1, kind: 'cast', method: 'm', args: {} });
    assert.deepEqual(decodeReply('{"v":1,"msg_id":"m1","result":null}'), { v: 1, msg_id: 'm1', result: null });
    assert.deepEqual(decodeReply('{"v":1,"msg_id":"m1","error":{"type":"T","message":"x"}}'), { v: 1, msg_id: 'm1', error: { type: 'T', message: 'x' } });
  });
  it('answers null for anything else', () => {
    for (const bad of [
      '',
      'nope',
      'null',
      '[1]',
      '{"v":2,"kind":"cast","method":"m","args":{}}',
      '{"kind":"cast","method":"m","args":{}}',
      '{"v":1,"kind":"shout","method":"m","args":{}}',
      '{"v":1,"kind":"cast","method":"","args":{}}',
      '{"v":1,"kind":"cast","method":"m","args":null}',
      '{"v":1,"kind":"call","method":"m","args":{}}',
      '{"v":1,"msg_id":"m1"}',
      '{"v":1,"msg_id":"m1","error":"x"}',
    ]) {
      assert.equal(decode(bad), null, bad);
    }
    assert.equal(decodeRequest('{"v":1,"msg_id":"m1","result":1}'), null);
    assert.equal(decodeReply('{"v":1,"kind":"cast","method":"m","args":{}}'), null);
  });
});

describe('openBus', () => {
  it('refuses an unknown scheme, hiding the password', async () => {
    const { log } = captureLogger();
    await assert.rejects(openBus('kafka://u:secret@h/', { log }), (e: Error) => {
      assert.match(e.message, /transport_url must be memory:\/\/ or rabbit:\/\//);
      assert.doesNotMatch(e.message, /secret/);
      return true;
    });
    await assert.rejects(openBus('memory://a/b', { log }), /memory:\/\/<name>/);
  });
  it('shares a broker by name within the process, and only by name', async () => {
    const { log } = captureLogger();
    const name = `memory://share-${randomBytes(3).toString('hex')}`;
    const [a, b, other] = await Promise.all([openBus(name, { log }), openBus(name, { log }), openBus(`${name}-other`, { log })]);
    try {
      assert.equal(a.describe, name);
      await a.consume('t', { ping: () => 'pong' });
      assert.equal(await b.call('t', 'ping'), 'pong');
      await assert.rejects(other.call('t', 'ping', {}, { timeoutMs: 50 }), { name: 'MessagingTimeout' });
    } finally {
      await Promise.all([a.close(), b.close(), other.close()]);
    }
  });
  it('does not run a handler inside the caller, even for call', async () => {
    const { log } = captureLogger();
    const bus = await openBus('memory://', { log });
    try {
      let ran = false;
      await bus.consume('sync-check', { m: () => (ran = true) });
      const p = bus.call('sync-check', 'm');
      await Promise.resolve();
      assert.equal(ran, false);
      assert.equal(await p, true);
    } finally {
      await bus.close();
    }
  });
});
