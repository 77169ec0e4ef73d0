// When the database can't be reached the API says so (503 ServiceUnavailable), not 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { buildApi, type Api } from '../../src/server/assemble.js';
import { Config } from '../../src/config/config.js';
import { openDatabase, type Db } from '../../src/db/connection.js';
import { openBus, type Bus } from '../../src/rpc/index.js';

describe('database unreachable', () => {
  let db: Db;
  let api: Api;
  let bus: Bus;
  before(async () => {
    bus = await openBus('memory://database-down', { log: pino({ level: 'silent' }) });
    // port 1 on loopback: nothing listens there, so every connection is refused at once
    db = openDatabase('postgresql://postgres@127.0.0.1:1/none');
    api = buildApi({ config: Config.load([]), db, log: pino({ level: 'silent' }), bus });
    await api.app.ready();
  });
  after(async () => {
    await api.app.close();
    await bus.close();
    await db.close();
  });
  it('answers 503 ServiceUnavailable with what to do, for reads and writes', async () => {
    for (const [method, url, payload] of [
      ['GET', '/v2.0/networks', undefined],
      ['POST', '/v2.0/networks', '{"network": {}}'],
    ] as const) {
      const r = await api.app.inject({ method, url, payload, headers: { 'content-type': 'application/json' } });
      assert.equal(r.statusCode, 503, r.body);
      const body = JSON.parse(r.body);
      assert.equal(body.NeutronError.type, 'ServiceUnavailable');
      assert.match(body.NeutronError.message, /database/);
    }
    // discovery needs no database
    assert.equal((await api.app.inject({ method: 'GET', url: '/v2.0/extensions' })).statusCode, 200);
  });
});
