// An ML2 extension driver written only here, in one file: it adds `color` to ports, stores it
// in a table of its own, and the attribute round-trips through create, show, update, list,
// fields= and filters — nothing else in the tree knows of it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as v from '../../src/api/validators.js';
import { rowsForIds } from '../../src/db/rows.js';
import { registerExtensionDriver } from '../../src/plugins/ml2/extensions/extension-manager.js';
import type { PortExtensionDriver } from '../../src/plugins/ml2/extensions/extension-driver.js';
import type { Services } from '../../src/plugins/services.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// biome-ignore lint/suspicious/noExplicitAny: the driver's own table is not in the schema's types
type AnyTrx = any;

const colorDriver = (s: Services): PortExtensionDriver => ({
  name: 'test_color',
  aliases: [],
  attributes: [{ name: 'color', post: true, put: true, default: '', validate: v.string(16), filter: 'string' }],
  async afterCreate(trx: AnyTrx, made) {
    const rows = made.filter((m) => m.item.color).map((m) => ({ port_id: m.row.id, color: m.item.color as string }));
    if (rows.length) await trx.insertInto('test_port_colors').values(rows).execute();
  },
  async processUpdate(draft, changes) {
    if (!('color' in changes)) return;
    const trx = draft.trx as AnyTrx;
    await trx.deleteFrom('test_port_colors').where('port_id', '=', draft.row.id).execute();
    if (changes.color) await trx.insertInto('test_port_colors').values({ port_id: draft.row.id, color: changes.color }).execute();
  },
  async beforeDelete(trx: AnyTrx, portId) {
    await trx.deleteFrom('test_port_colors').where('port_id', '=', portId).execute();
  },
  async extend(trx: AnyTrx, _rows, ids) {
    const found = await rowsForIds<{ port_id: string; color: string }>(s.db, ids, 'port_id', (where) => trx.selectFrom('test_port_colors').selectAll().where(where).execute());
    const byPort = new Map(found.map((r) => [r.port_id, r.color]));
    return (row, port) => {
      port.color = byPort.get(row.id) ?? '';
    };
  },
  filters: {
    color: (qb, values, trx: AnyTrx) => qb.where('p.id', 'in', trx.selectFrom('test_port_colors').select('port_id').where('color', 'in', values)),
  },
});

describe('an ML2 extension driver from one file', () => {
  let s: TestServer;
  let net: string;
  before(async () => {
    registerExtensionDriver('test_color', colorDriver);
    s = await startTestServer('sqlite', { config: { ml2: { extension_drivers: 'port_security,test_color' } } });
    // a real driver brings a migration; this one makes its table itself
    await s.db.kysely.schema
      .createTable('test_port_colors')
      .addColumn('port_id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('color', 'varchar(16)', (c) => c.notNull())
      .execute();
    net = (await s.req('POST', '/v2.0/networks', { network: { name: 'colors' } })).body.network.id;
  });
  after(async () => {
    await s?.close();
  });

  it('round-trips through create, show, update, list, fields and filters', async () => {
    const red = await s.req('POST', '/v2.0/ports', { port: { network_id: net, name: 'r', color: 'red' } });
    assert.equal(red.status, 201, JSON.stringify(red.body));
    assert.equal(red.body.port.color, 'red');
    const plain = (await s.req('POST', '/v2.0/ports', { port: { network_id: net, name: 'p' } })).body.port;
    assert.equal(plain.color, '');
    const bulk = await s.req('POST', '/v2.0/ports', {
      ports: [
        { network_id: net, color: 'blue' },
        { network_id: net, color: 'red' },
      ],
    });
    assert.deepEqual(
      bulk.body.ports.map((p: { color: string }) => p.color),
      ['blue', 'red'],
    );

    assert.equal((await s.req('GET', `/v2.0/ports/${red.body.port.id}`)).body.port.color, 'red');
    const upd = await s.req('PUT', `/v2.0/ports/${plain.id}`, { port: { color: 'green' } });
    assert.equal(upd.status, 200);
    assert.equal(upd.body.port.color, 'green');
    assert.equal((await s.req('GET', `/v2.0/ports/${plain.id}`)).body.port.color, 'green');

    const all = (await s.req('GET', '/v2.0/ports')).body.ports;
    assert.deepEqual(all.map((p: { color: string }) => p.color).sort(), ['blue', 'green', 'red', 'red']);
    const reds = (await s.req('GET', '/v2.0/ports?color=red')).body.ports;
    assert.equal(reds.length, 2);
    assert.ok(reds.every((p: { color: string }) => p.color === 'red'));
    const either = (await s.req('GET', '/v2.0/ports?color=red&color=green')).body.ports;
    assert.equal(either.length, 3);
    const fields = (await s.req('GET', `/v2.0/ports?color=green&fields=id&fields=color`)).body.ports;
    assert.deepEqual(fields, [{ id: plain.id, color: 'green' }]);

    // its validation is the API layer's, from its declaration
    const bad = await s.req('POST', '/v2.0/ports', { port: { network_id: net, color: 42 } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.NeutronError.message, /color/);

    assert.equal((await s.req('DELETE', `/v2.0/ports/${red.body.port.id}`)).status, 204);
    assert.equal(
      (
        await s.db.kysely
          .selectFrom('test_port_colors' as never)
          .selectAll()
          .execute()
      ).length,
      3,
      'its row went with the port',
    );
  });
});
