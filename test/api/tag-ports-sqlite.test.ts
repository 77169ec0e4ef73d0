// tag-ports-during-bulk-creation: with the tag_ports_during_bulk_creation extension driver,
// `tags` may be given when ports are made, one or in bulk, as Neutron.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('tag_ports_during_bulk_creation (sqlite)', () => {
  let s: TestServer;
  let plain: TestServer;
  let net: string;
  before(async () => {
    s = await startTestServer('sqlite', { config: { ml2: { extension_drivers: 'port_security,tag_ports_during_bulk_creation' } } });
    plain = await startTestServer('sqlite');
    net = (await s.req('POST', '/v2.0/networks', { network: { name: 'tagged' } })).body.network.id;
  });
  after(async () => {
    await s?.close();
    await plain?.close();
  });

  it('is advertised only with the driver', async () => {
    const aliases = async (t: TestServer) => (await t.req('GET', '/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
    assert.ok((await aliases(s)).includes('tag-ports-during-bulk-creation'));
    assert.ok(!(await aliases(plain)).includes('tag-ports-during-bulk-creation'));
  });

  it('tags ports made in bulk and alone; the tags are the standard ones (sub-resource, filters)', async () => {
    const bulk = await s.req('POST', '/v2.0/ports', {
      ports: [{ network_id: net, tags: ['red', 'web'] }, { network_id: net, tags: ['blue'] }, { network_id: net }],
    });
    assert.equal(bulk.status, 201, JSON.stringify(bulk.body));
    assert.deepEqual(
      bulk.body.ports.map((p: { tags: string[] }) => [...p.tags].sort()),
      [['red', 'web'], ['blue'], []],
    );
    const [a, b] = bulk.body.ports;
    assert.deepEqual((await s.req('GET', `/v2.0/ports/${a.id}/tags`)).body.tags.sort(), ['red', 'web']);
    assert.deepEqual(
      (await s.req('GET', `/v2.0/ports?network_id=${net}&tags=blue`)).body.ports.map((p: { id: string }) => p.id),
      [b.id],
    );
    const one = await s.req('POST', '/v2.0/ports', { port: { network_id: net, tags: ['solo'] } });
    assert.equal(one.status, 201, JSON.stringify(one.body));
    assert.deepEqual(one.body.port.tags, ['solo']);
  });

  it('refuses bad tags (400) and tags on update (tags change through /tags)', async () => {
    assert.equal((await s.req('POST', '/v2.0/ports', { port: { network_id: net, tags: ['x', 'x'] } })).status, 400);
    assert.equal((await s.req('POST', '/v2.0/ports', { port: { network_id: net, tags: 'x' } })).status, 400);
    assert.equal((await s.req('POST', '/v2.0/ports', { port: { network_id: net, tags: ['x'.repeat(256)] } })).status, 400);
    const p = (await s.req('POST', '/v2.0/ports', { port: { network_id: net } })).body.port;
    assert.equal((await s.req('PUT', `/v2.0/ports/${p.id}`, { port: { tags: ['y'] } })).status, 400);
  });

  it('without the driver, tags on create are refused as before', async () => {
    const n = (await plain.req('POST', '/v2.0/networks', { network: { name: 'plain' } })).body.network.id;
    assert.equal((await plain.req('POST', '/v2.0/ports', { port: { network_id: n, tags: ['a'] } })).status, 400);
  });
});
