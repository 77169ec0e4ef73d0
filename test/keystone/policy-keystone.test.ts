// The policy table with real Keystone tokens: a token with only a custom role cannot write,
// and a policy file changes what real tokens may do.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { keystoneProblem, keystoneServerConfig } from '../helpers/keystone.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { KeystoneIdentities } from './token-identities.js';

const identities = new KeystoneIdentities();
const dir = mkdtempSync(join(tmpdir(), 'neutrino-policy-ks-'));
const P = 'policy-0a1b2c3d-0000-4000-8000-000000000001';
const Q = 'policy-0a1b2c3d-0000-4000-8000-000000000002';

before(async () => {
  const problem = await keystoneProblem();
  if (problem) throw new Error(problem);
});
after(async () => {
  await identities.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const as = async (roles: string[], project = P) => ({ 'x-auth-token': await identities.token(roles, project) });

async function server(policyFile?: string): Promise<TestServer> {
  const config = keystoneServerConfig();
  return startTestServer('sqlite', { config: { ...config, ...(policyFile ? { oslo_policy: { policy_file: policyFile } } : {}) } });
}

describe('keystone tokens under the default policy', () => {
  let s: TestServer;
  before(async () => {
    s = await server();
  });
  after(async () => s?.close());

  it('refuses every write to a token with only a custom role (no member, no reader)', async () => {
    const netops = await as(['netops']);
    const created = await s.req('POST', '/v2.0/networks', { network: { name: 'x' } }, netops);
    assert.equal(created.status, 403, JSON.stringify(created.body));
    assert.equal(created.body.NeutronError.type, 'PolicyNotAuthorized');
    assert.match(created.body.NeutronError.message, /rule:create_network\b/);
    // a network of its own project, made by the project's admin
    const net = (await s.req('POST', '/v2.0/networks', { network: { name: 'mine' } }, await as(['admin']))).body.network;
    assert.ok(net?.id);
    for (const [method, path, body] of [
      ['PUT', `/v2.0/networks/${net.id}`, { network: { name: 'y' } }],
      ['DELETE', `/v2.0/networks/${net.id}`, undefined],
      ['POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.9.0.0/24', ip_version: 4 } }],
      ['POST', '/v2.0/ports', { port: { network_id: net.id } }],
      ['POST', '/v2.0/security-groups', { security_group: { name: 'g' } }],
      ['PUT', `/v2.0/networks/${net.id}/tags/t`, undefined],
    ] as const) {
      const r = await s.req(method, path, body, netops);
      // 403, or 404 where Neutron hides what the caller may not even read
      assert.ok(r.status === 403 || r.status === 404, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    }
    // nor can it read its project's resources (get_network needs reader)
    assert.deepEqual((await s.req('GET', '/v2.0/networks', undefined, netops)).body.networks, []);
    assert.equal((await s.req('GET', `/v2.0/networks/${net.id}`, undefined, netops)).status, 404);
    // while the same project's member can
    assert.equal((await s.req('PUT', `/v2.0/networks/${net.id}`, { network: { name: 'z' } }, await as(['member']))).status, 200);
  });

  it('hides binding and provider attributes from members, shows them to admins', async () => {
    const member = await as(['member']);
    const net = (await s.req('POST', '/v2.0/networks', { network: { name: 'b' } }, member)).body.network;
    assert.equal(net['provider:network_type'], undefined);
    const port = (await s.req('POST', '/v2.0/ports', { port: { network_id: net.id } }, member)).body.port;
    assert.equal(port['binding:host_id'], undefined);
    assert.equal(port['binding:vnic_type'], 'normal');
    const shown = (await s.req('GET', `/v2.0/ports/${port.id}`, undefined, await as(['admin']))).body.port;
    assert.equal(shown['binding:host_id'], '');
    assert.ok('provider:network_type' in (await s.req('GET', `/v2.0/networks/${net.id}`, undefined, await as(['admin']))).body.network);
  });
});

describe('keystone tokens under a policy file', () => {
  let s: TestServer;
  before(async () => {
    const file = join(dir, 'policy.yaml');
    writeFileSync(
      file,
      [
        '# members may no longer create networks; the netops role may, without being member',
        '"create_network": "rule:admin_only or role:netops"',
        '"create_network:shared": "role:admin or role:netops"',
        '"get_network": "rule:admin_only or (role:reader and project_id:%(project_id)s) or (role:netops and project_id:%(project_id)s) or rule:shared"',
        '"delete_network": "rule:admin_only or (role:netops and project_id:%(project_id)s)"',
      ].join('\n'),
    );
    s = await server(file);
  });
  after(async () => s?.close());

  it('takes create_network from a member and gives it to a custom role', async () => {
    const member = await s.req('POST', '/v2.0/networks', { network: { name: 'm' } }, await as(['member']));
    assert.equal(member.status, 403, JSON.stringify(member.body));
    assert.match(member.body.NeutronError.message, /rule:create_network\b/);
    const netops = await as(['netops']);
    const made = await s.req('POST', '/v2.0/networks', { network: { name: 'n', shared: true } }, netops);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.network.shared, true);
    assert.equal((await s.req('GET', `/v2.0/networks/${made.body.network.id}`, undefined, netops)).status, 200);
    // the rest of the table is the defaults: a member of another project sees the shared network but cannot delete it
    const other = await as(['member'], Q);
    assert.equal((await s.req('GET', `/v2.0/networks/${made.body.network.id}`, undefined, other)).status, 200);
    assert.equal((await s.req('DELETE', `/v2.0/networks/${made.body.network.id}`, undefined, other)).status, 403);
    assert.equal((await s.req('DELETE', `/v2.0/networks/${made.body.network.id}`, undefined, netops)).status, 204);
  });

  it('still lets admins create', async () => {
    assert.equal((await s.req('POST', '/v2.0/networks', { network: { name: 'a' } }, await as(['admin']))).status, 201);
  });
});
