// The metadata plugin's API and RPC against an in-process server on SQLite: key pairs, instance
// records (a key pair named at boot is copied in; another project sees nothing), the metadata
// agents' get_metadata_port (by network, by router; never a service port, never ambiguous),
// and the start refused without a shared secret.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GET_METADATA_PORT } from '../../src/contract/metadata.js';
import { PLUGIN } from '../../src/contract/topics.js';
import { asAdmin, asMember, startTestServer, type TestServer } from '../helpers/server.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIr998vu+ZfFw5Qe8bKnNamiOEbVs5CWhtQ1z3AmXr+A a@test';
const A = asMember('proj-a');
const B = asMember('proj-b');

describe('metadata plugin (API, sqlite)', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer('sqlite', { config: { DEFAULT: { service_plugins: 'router,metadata', metadata_proxy_shared_secret: 'x' } } });
  });
  after(async () => {
    await s?.close();
  });

  it('key pairs: import, list, duplicate 409, bad key 400, delete, missing 404; per project', async () => {
    const c = await s.req('POST', '/neutrino/v1/keypairs', { keypair: { name: 'k1', public_key: KEY } }, A);
    assert.equal(c.status, 201, JSON.stringify(c.body));
    assert.equal(c.body.keypair.fingerprint, 'SHA256:M/mT2ULozui7DX4SukJLWBn0ABtkbEo+YXCbMf5BbJo');
    assert.equal((await s.req('POST', '/neutrino/v1/keypairs', { keypair: { name: 'k1', public_key: KEY } }, A)).body.NeutronError.type, 'KeyPairExists');
    const bad = await s.req('POST', '/neutrino/v1/keypairs', { keypair: { name: 'k2', public_key: 'ssh-ed25519 nope' } }, A);
    assert.equal(bad.status, 400);
    assert.equal((await s.req('POST', '/neutrino/v1/keypairs', { keypair: { name: 'k2' } }, A)).status, 400, 'no generation: a public key is required');
    assert.deepEqual(
      (await s.req('GET', '/neutrino/v1/keypairs', undefined, A)).body.keypairs.map((k: Obj) => k.name),
      ['k1'],
    );
    assert.deepEqual((await s.req('GET', '/neutrino/v1/keypairs', undefined, B)).body.keypairs, [], "another project's are not listed");
    assert.equal((await s.req('DELETE', '/neutrino/v1/keypairs/k1', undefined, B)).status, 404);
    assert.equal((await s.req('POST', '/neutrino/v1/keypairs', { keypair: { name: 'k1', public_key: KEY } }, B)).status, 201, 'the same name in another project');
    assert.equal((await s.req('DELETE', '/neutrino/v1/keypairs/k1', undefined, B)).status, 204);
  });

  it('instances: a key pair named is copied in; bad input 400; duplicate id 409; another project gets 404; admin lists all', async () => {
    const id = randomUUID();
    const c = await s.req('POST', '/neutrino/v1/instances', { instance: { id, name: 'Vm One', key_name: 'k1', meta: { a: 'b' }, user_data: Buffer.from('hi').toString('base64') } }, A);
    assert.equal(c.status, 201, JSON.stringify(c.body));
    assert.equal(c.body.instance.hostname, 'vm-one');
    assert.deepEqual(c.body.instance.public_keys, { k1: KEY });
    assert.equal(c.body.instance.has_user_data, true);
    assert.equal(c.body.instance.user_data, undefined, 'user data is served only to the instance');
    assert.equal((await s.req('POST', '/neutrino/v1/instances', { instance: { id, name: 'again' } }, B)).status, 409, 'an id is taken once, whoever asks');
    assert.equal((await s.req('POST', '/neutrino/v1/instances', { instance: { id: randomUUID(), name: 'x', key_name: 'nope' } }, A)).body.NeutronError?.type, 'KeypairNotFound');
    for (const bad of [
      { id: 'not-a-uuid', name: 'x' },
      { id: randomUUID(), name: 'x', user_data: 'not base64!' },
      { id: randomUUID(), name: 'x', public_keys: { k: 'garbage' } },
      { id: randomUUID(), name: 'x', meta: { k: 1 } },
    ]) {
      assert.equal((await s.req('POST', '/neutrino/v1/instances', { instance: bad }, A)).status, 400, JSON.stringify(bad));
    }
    assert.equal((await s.req('GET', `/neutrino/v1/instances/${id}`, undefined, B)).status, 404);
    assert.equal((await s.req('DELETE', `/neutrino/v1/instances/${id}`, undefined, B)).status, 404);
    assert.equal((await s.req('GET', `/neutrino/v1/instances/${id}`, undefined, A)).status, 200);
    const drive = await s.req('GET', `/neutrino/v1/instances/${id}/config-drive`, undefined, A);
    assert.equal(drive.status, 200);
    assert.equal(Buffer.from(drive.body.files['openstack/latest/user_data'], 'base64').toString(), 'hi');
    assert.equal(JSON.parse(Buffer.from(drive.body.files['openstack/latest/meta_data.json'], 'base64').toString()).uuid, id);
    assert.equal((await s.req('GET', `/neutrino/v1/instances/${id}/config-drive`, undefined, B)).status, 404, "another project's config drive");
    assert.ok((await s.req('GET', '/neutrino/v1/instances', undefined, asAdmin('admin'))).body.instances.some((i: Obj) => i.id === id));
    assert.deepEqual((await s.req('GET', '/neutrino/v1/instances', undefined, B)).body.instances, []);
    assert.equal((await s.req('DELETE', `/neutrino/v1/instances/${id}`, undefined, A)).status, 204);
  });

  it('get_metadata_port: the instance port with the address on the network or behind the router; none for service ports or unknown addresses', async () => {
    const rpc = s.api.rpcEndpoints.get(PLUGIN)![GET_METADATA_PORT];
    const call = (args: Obj) => rpc(args, { topic: PLUGIN, method: GET_METADATA_PORT, kind: 'call' }) as Promise<Obj | null>;
    const admin = asAdmin('proj-a');
    const net = (await s.req('POST', '/v2.0/networks', { network: { name: 'n' } }, admin)).body.network;
    const sub = (await s.req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.9.0.0/24', ip_version: 4 } }, admin)).body.subnet;
    const router = (await s.req('POST', '/v2.0/routers', { router: { name: 'r' } }, admin)).body.router;
    await s.req('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub.id }, admin);
    const device = randomUUID();
    const port = (
      await s.req('POST', '/v2.0/ports', { port: { network_id: net.id, device_owner: 'compute:nova', device_id: device, fixed_ips: [{ subnet_id: sub.id, ip_address: '10.9.0.7' }] } }, admin)
    ).body.port;
    const want = { port_id: port.id, network_id: net.id, device_id: device, project_id: 'proj-a' };
    assert.deepEqual(await call({ ip_address: '10.9.0.7', network_id: net.id }), want);
    assert.deepEqual(await call({ ip_address: '10.9.0.7', router_id: router.id }), want);
    assert.equal(await call({ ip_address: '10.9.0.8', router_id: router.id }), null, 'no port has it');
    assert.equal(await call({ ip_address: '10.9.0.1', router_id: router.id }), null, "the router's own port is no instance");
    assert.equal(await call({ ip_address: '10.9.0.7', router_id: randomUUID() }), null, 'another router');
    assert.equal(await call({ ip_address: '10.9.0.7', network_id: net.id, router_id: router.id }), null, 'both ids: refused');
    assert.equal(await call({ ip_address: 'bogus', network_id: net.id }), null);
  });

  it("the metadata service keeps an instance's data metadata_cache_expiration seconds; a deleted record is forgotten at once; 0 reads every time", async () => {
    const source = s.api.plugins.find((p) => p.metadata)!.metadata!;
    const id = randomUUID();
    assert.equal(await source.instance(id), null, 'unknown');
    assert.equal((await s.req('POST', '/neutrino/v1/instances', { instance: { id, name: 'cached', meta: { v: '1' } } }, A)).status, 201);
    assert.deepEqual((await source.instance(id))?.meta, { v: '1' }, 'an unknown instance is not remembered: recorded a moment later, it is found');
    await s.db.kysely
      .updateTable('instances')
      .set({ meta: JSON.stringify({ v: '2' }) })
      .where('id', '=', id)
      .execute();
    assert.deepEqual((await source.instance(id))?.meta, { v: '1' }, 'kept (default 15 s)');
    assert.deepEqual((await source.readInstance(id))?.meta, { v: '2' }, 'the config drive reads it now');
    const drive = await s.req('GET', `/neutrino/v1/instances/${id}/config-drive`, undefined, A);
    assert.deepEqual(JSON.parse(Buffer.from(drive.body.files['openstack/latest/meta_data.json'], 'base64').toString()).meta, { v: '2' });
    assert.equal((await s.req('DELETE', `/neutrino/v1/instances/${id}`, undefined, A)).status, 204);
    assert.equal(await source.instance(id), null, 'deleted: not served from the cache');

    const fresh = await startTestServer('sqlite', { config: { DEFAULT: { service_plugins: 'router,metadata', metadata_proxy_shared_secret: 'x', metadata_cache_expiration: '0' } } });
    try {
      const src = fresh.api.plugins.find((p) => p.metadata)!.metadata!;
      const id2 = randomUUID();
      assert.equal((await fresh.req('POST', '/neutrino/v1/instances', { instance: { id: id2, name: 'uncached', meta: { v: '1' } } }, A)).status, 201);
      assert.deepEqual((await src.instance(id2))?.meta, { v: '1' });
      await fresh.db.kysely
        .updateTable('instances')
        .set({ meta: JSON.stringify({ v: '2' }) })
        .where('id', '=', id2)
        .execute();
      assert.deepEqual((await src.instance(id2))?.meta, { v: '2' }, 'metadata_cache_expiration = 0: read every time');
    } finally {
      await fresh.close();
    }
  });

  it('a server with the metadata plugin and no shared secret does not start', async () => {
    await assert.rejects(startTestServer('sqlite', { config: { DEFAULT: { service_plugins: 'router,metadata' } } }), /metadata_proxy_shared_secret is empty/);
  });
});
