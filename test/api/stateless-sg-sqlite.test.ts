// Stateless security groups (stateful-security-group): a port's groups are all stateful or all
// stateless, and the agents are told which (sg_stateful) so their firewall can enforce it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('stateless security groups', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer('sqlite');
  });
  after(async () => {
    await s?.close();
  });

  it('refuses a port with both kinds (409 SecurityGroupConflict) and tells agents which groups are stateless', async () => {
    const net = (await s.req('POST', '/v2.0/networks', { network: { name: 'n' } })).body.network;
    await s.req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.4.0.0/24', ip_version: 4 } });
    const loose = (await s.req('POST', '/v2.0/security-groups', { security_group: { name: 'loose', stateful: false } })).body.security_group;
    const tight = (await s.req('POST', '/v2.0/security-groups', { security_group: { name: 'tight' } })).body.security_group;
    assert.equal(loose.stateful, false);
    const mixed = await s.req('POST', '/v2.0/ports', { port: { network_id: net.id, security_groups: [loose.id, tight.id] } });
    assert.equal(mixed.status, 409);
    assert.equal(mixed.body.NeutronError.type, 'SecurityGroupConflict');
    assert.match(mixed.body.NeutronError.message, /both stateful and stateless/);
    assert.equal((await s.req('GET', `/v2.0/ports?network_id=${net.id}`)).body.ports.length, 0, 'nothing half-made');

    const port = (await s.req('POST', '/v2.0/ports', { port: { network_id: net.id, security_groups: [loose.id] } })).body.port;
    assert.equal((await s.req('PUT', `/v2.0/ports/${port.id}`, { port: { security_groups: [loose.id, tight.id] } })).status, 409);
    const info = (await s.api.rpc.pluginEndpoints().security_group_info_for_devices({ devices: [port.id] }, { topic: '', method: '', kind: 'call' })) as { sg_stateful: Record<string, boolean> };
    assert.deepEqual(info.sg_stateful, { [loose.id]: false });
  });
});
