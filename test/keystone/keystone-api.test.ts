// The API server with auth_strategy = keystone, against the real Keystone from
// scripts/keystone/setup.sh: real tokens, over HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeKeystoneAuth } from '../../src/api/auth/auth-hook.js';
import { Config } from '../../src/config/config.js';
import { pino } from 'pino';
import { ADMIN, ALAN, ALICE, BOB, KEYSTONE_URL, keystoneProblem, keystoneServerConfig, projectId, revokeToken, tokenOf } from '../helpers/keystone.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

async function call(base: string, method: string, path: string, token?: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== undefined) headers['x-auth-token'] = token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

const silent = pino({ level: 'silent' });

before(async () => {
  const problem = await keystoneProblem();
  if (problem) throw new Error(problem);
});

describe('auth_strategy = keystone: configuration', () => {
  it('refuses to build without the required [keystone_authtoken] options, naming them', () => {
    const c = Config.load([], { DEFAULT: { auth_strategy: 'keystone' }, keystone_authtoken: { auth_url: KEYSTONE_URL } });
    assert.throws(() => makeKeystoneAuth(c, silent), /\[keystone_authtoken\] username, \[keystone_authtoken\] password, \[keystone_authtoken\] project_name/);
  });

  it('sends clients to auth_url when www_authenticate_uri is not set', () => {
    const cfg = keystoneServerConfig();
    delete cfg.keystone_authtoken.www_authenticate_uri;
    const auth = makeKeystoneAuth(Config.load([], cfg), silent);
    assert.equal(auth.wwwAuthenticate, `Keystone uri="${KEYSTONE_URL}"`);
  });
});

describe('auth_strategy = keystone: tokens', () => {
  let s: TestServer;
  let url: string;

  before(async () => {
    s = await startTestServer('sqlite', { listen: true, config: keystoneServerConfig({ www_authenticate_uri: 'http://127.0.0.1:5000' }) });
    url = s.url!;
  });
  after(async () => s?.close());

  it('answers version discovery (GET /) without a token', async () => {
    const r = await call(url, 'GET', '/');
    assert.equal(r.status, 200);
    assert.equal(r.body.versions[0].id, 'v2.0');
  });

  it('answers 401 when there is no token, /v2.0 included', async () => {
    for (const path of ['/v2.0', '/v2.0/networks', '/v2.0/extensions']) {
      const r = await call(url, 'GET', path);
      assert.equal(r.status, 401, path);
      assert.equal(r.body.NeutronError.type, 'HTTPUnauthorized');
    }
    const post = await call(url, 'POST', '/v2.0/networks', undefined, { network: { name: 'x' } });
    assert.equal(post.status, 401);
  });

  // The hook throws AuthenticationRequired with `headers`; the error handler in
  // src/api/server.ts copies them onto the reply.
  it('sends WWW-Authenticate: Keystone uri="<www_authenticate_uri>" with every 401', async () => {
    const noToken = await call(url, 'GET', '/v2.0/networks');
    assert.equal(noToken.headers.get('www-authenticate'), 'Keystone uri="http://127.0.0.1:5000"');
    const garbage = await call(url, 'GET', '/v2.0/networks', 'gAAAAABnot-a-real-fernet-token');
    assert.equal(garbage.headers.get('www-authenticate'), 'Keystone uri="http://127.0.0.1:5000"');
  });

  it('answers 401 to a garbage token', async () => {
    for (const token of ['gAAAAABnot-a-real-fernet-token', 'x', 'has spaces in it', 'A'.repeat(2000)]) {
      const r = await call(url, 'GET', '/v2.0/networks', token);
      assert.equal(r.status, 401, token);
      assert.equal(r.body.NeutronError.type, 'HTTPUnauthorized');
    }
  });

  it('accepts a valid token', async () => {
    const r = await call(url, 'GET', '/v2.0/networks', await tokenOf(ALICE));
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.body.networks));
  });

  it('answers 401 to a revoked token (on a server that has not cached it)', async () => {
    const token = await tokenOf(ALICE);
    await revokeToken(token);
    // a fresh server: its token cache is empty, so it must ask Keystone
    const fresh = await startTestServer('sqlite', { listen: true, config: keystoneServerConfig() });
    try {
      const r = await call(fresh.url!, 'GET', '/v2.0/networks', token);
      assert.equal(r.status, 401);
      assert.equal(r.body.NeutronError.type, 'HTTPUnauthorized');
    } finally {
      await fresh.close();
    }
  });

  it('answers 503 naming Keystone when Keystone is unreachable, and never lets the request through', async () => {
    const token = await tokenOf(ALICE);
    const down = await startTestServer('sqlite', { listen: true, config: keystoneServerConfig({ auth_url: 'http://127.0.0.1:1/v3', http_connect_timeout: '2' }) });
    try {
      const r = await call(down.url!, 'GET', '/v2.0/networks', token);
      assert.equal(r.status, 503);
      assert.equal(r.body.NeutronError.type, 'ServiceUnavailable');
      assert.match(r.body.NeutronError.message, /Keystone/);
      // discovery needs no Keystone
      assert.equal((await call(down.url!, 'GET', '/')).status, 200);
    } finally {
      await down.close();
    }
  });
});

describe('auth_strategy = keystone: projects and roles from tokens', () => {
  let s: TestServer;
  let url: string;
  let alice: string;
  let alan: string;
  let bob: string;
  let admin: string;
  let projectA: string;
  let projectB: string;
  const ids = { network: '', subnet: '', port: '', security_group: '' };

  before(async () => {
    s = await startTestServer('sqlite', { listen: true, config: keystoneServerConfig() });
    url = s.url!;
    [alice, alan, bob, admin, projectA, projectB] = await Promise.all([tokenOf(ALICE), tokenOf(ALAN), tokenOf(BOB), tokenOf(ADMIN), projectId('neutrino-a'), projectId('neutrino-b')]);
    const net = await call(url, 'POST', '/v2.0/networks', alice, { network: { name: 'alice-net' } });
    assert.equal(net.status, 201, JSON.stringify(net.body));
    ids.network = net.body.network.id;
    const sub = await call(url, 'POST', '/v2.0/subnets', alice, { subnet: { network_id: ids.network, cidr: '10.7.0.0/24', ip_version: 4 } });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    ids.subnet = sub.body.subnet.id;
    const port = await call(url, 'POST', '/v2.0/ports', alice, { port: { network_id: ids.network, name: 'alice-port' } });
    assert.equal(port.status, 201, JSON.stringify(port.body));
    ids.port = port.body.port.id;
    const sg = await call(url, 'POST', '/v2.0/security-groups', alice, { security_group: { name: 'alice-sg' } });
    assert.equal(sg.status, 201, JSON.stringify(sg.body));
    ids.security_group = sg.body.security_group.id;
  });
  after(async () => s?.close());

  const paths = () => ({
    network: `/v2.0/networks/${ids.network}`,
    subnet: `/v2.0/subnets/${ids.subnet}`,
    port: `/v2.0/ports/${ids.port}`,
    security_group: `/v2.0/security-groups/${ids.security_group}`,
  });

  it("puts what alice creates in her token's project", async () => {
    for (const [member, path] of Object.entries(paths())) {
      const r = await call(url, 'GET', path, alice);
      assert.equal(r.status, 200, path);
      assert.equal(r.body[member].project_id, projectA, path);
      assert.equal(r.body[member].tenant_id, projectA, path);
    }
  });

  it("hides alice's resources from bob: 404 on show, update and delete, nothing in his lists", async () => {
    const notFound = { network: 'NetworkNotFound', subnet: 'SubnetNotFound', port: 'PortNotFound', security_group: 'SecurityGroupNotFound' } as const;
    for (const [member, path] of Object.entries(paths()) as [keyof typeof notFound, string][]) {
      const show = await call(url, 'GET', path, bob);
      assert.equal(show.status, 404, `GET ${path}`);
      assert.equal(show.body.NeutronError.type, notFound[member]);
      const put = await call(url, 'PUT', path, bob, { [member]: { name: 'bobs-now' } });
      assert.equal(put.status, 404, `PUT ${path}`);
      const del = await call(url, 'DELETE', path, bob);
      assert.equal(del.status, 404, `DELETE ${path}`);
    }
    for (const col of ['networks', 'subnets', 'ports', 'security-groups']) {
      const r = await call(url, 'GET', `/v2.0/${col}`, bob);
      assert.equal(r.status, 200);
      const items = r.body[col.replace('-', '_')] as { project_id: string }[];
      assert.ok(
        items.every((x) => x.project_id === projectB),
        `bob lists only his own ${col}`,
      );
    }
    // still there, unchanged
    const net = await call(url, 'GET', paths().network, alice);
    assert.equal(net.body.network.name, 'alice-net');
  });

  it("does not let bob create a port on alice's unshared network (404: he cannot see it)", async () => {
    const r = await call(url, 'POST', '/v2.0/ports', bob, { port: { network_id: ids.network } });
    assert.equal(r.status, 404);
    assert.equal(r.body.NeutronError.type, 'NetworkNotFound');
  });

  it('lets alan (reader) list and show but not create, update or delete (403)', async () => {
    for (const [member, path] of Object.entries(paths())) {
      const show = await call(url, 'GET', path, alan);
      assert.equal(show.status, 200, `GET ${path}`);
      const put = await call(url, 'PUT', path, alan, { [member]: { name: 'alans' } });
      assert.equal(put.status, 403, `PUT ${path}`);
      assert.equal(put.body.NeutronError.type, 'PolicyNotAuthorized');
      const del = await call(url, 'DELETE', path, alan);
      assert.equal(del.status, 403, `DELETE ${path}`);
    }
    const list = await call(url, 'GET', '/v2.0/networks', alan);
    assert.equal(list.status, 200);
    assert.ok(list.body.networks.some((n: { id: string }) => n.id === ids.network));
    const create = await call(url, 'POST', '/v2.0/networks', alan, { network: { name: 'alans' } });
    assert.equal(create.status, 403);
    assert.equal(create.body.NeutronError.type, 'PolicyNotAuthorized');
  });

  it('lets an admin token see every project', async () => {
    const bobs = await call(url, 'POST', '/v2.0/networks', bob, { network: { name: 'bob-net' } });
    assert.equal(bobs.status, 201);
    const list = await call(url, 'GET', '/v2.0/networks', admin);
    assert.equal(list.status, 200);
    const seen = new Set(list.body.networks.map((n: { id: string }) => n.id));
    assert.ok(seen.has(ids.network) && seen.has(bobs.body.network.id), "admin lists alice's and bob's networks");
    for (const path of Object.values(paths())) assert.equal((await call(url, 'GET', path, admin)).status, 200, path);
  });
});
