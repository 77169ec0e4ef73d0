// service-type: /v2.0/service-providers lists the loaded service plugins' drivers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asMember, startTestServer, type TestServer } from '../helpers/server.js';

describe('service providers (sqlite)', () => {
  let with3: TestServer;
  let bare: TestServer;
  before(async () => {
    with3 = await startTestServer('sqlite');
    bare = await startTestServer('sqlite', { config: { DEFAULT: { service_plugins: '' } } });
  });
  after(async () => {
    await with3?.close();
    await bare?.close();
  });

  it('the router plugin lists its single-node driver; without it there is none', async () => {
    const r = await with3.req('GET', '/v2.0/service-providers');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.service_providers, [{ service_type: 'L3_ROUTER_NAT', name: 'single_node', default: false }]);
    assert.deepEqual((await bare.req('GET', '/v2.0/service-providers')).body.service_providers, []);
    const aliases = (await with3.req('GET', '/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
    assert.ok(aliases.includes('service-type'));
  });

  it('filters, fields, bad filters and a reader', async () => {
    assert.deepEqual((await with3.req('GET', '/v2.0/service-providers?service_type=FIREWALL_V2')).body.service_providers, []);
    assert.deepEqual((await with3.req('GET', '/v2.0/service-providers?name=single_node&fields=name')).body.service_providers, [{ name: 'single_node' }]);
    assert.equal((await with3.req('GET', '/v2.0/service-providers?default=false')).body.service_providers.length, 1);
    const bad = await with3.req('GET', '/v2.0/service-providers?colour=red');
    assert.equal(bad.status, 400);
    assert.match(bad.body.NeutronError.message, /colour/);
    assert.equal((await with3.req('GET', '/v2.0/service-providers', undefined, asMember('sp-reader'))).body.service_providers.length, 1);
  });
});
