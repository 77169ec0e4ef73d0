// The seams: plugins loaded by name (what is left out has no routes and no alias), options
// that are honoured or refused, allow_overlapping_ips, and the callback registry's contract.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { CallbackRegistry } from '../../src/plugins/callbacks/registry.js';
import { CLI } from '../helpers/cli-process.js';
import { freePort } from '../helpers/free-port.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const aliases = async (s: TestServer): Promise<string[]> => (await s.req('GET', '/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);

describe('plugins by name', () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  it('serves routers, floating IPs and their aliases only with router in service_plugins', async () => {
    const without = await startTestServer('sqlite', { config: { DEFAULT: { service_plugins: '' } } });
    servers.push(without);
    assert.equal((await without.req('GET', '/v2.0/routers')).status, 404);
    assert.equal((await without.req('GET', '/v2.0/floatingips')).status, 404);
    assert.equal((await without.req('PUT', '/v2.0/routers/x/add_router_interface', { subnet_id: 'y' })).status, 404);
    const plain = await aliases(without);
    for (const a of ['router', 'ext-gw-mode', 'extraroute', 'extraroute-atomic', 'l3_agent_scheduler']) assert.ok(!plain.includes(a), `${a} listed without the router plugin`);
    assert.equal((await without.req('GET', '/v2.0/extensions/router')).status, 404);
    // the core is all there
    assert.equal((await without.req('GET', '/v2.0/networks')).status, 200);
    assert.ok(plain.includes('binding') && plain.includes('dhcp_agent_scheduler'));

    const withRouter = await startTestServer('sqlite', { config: { DEFAULT: { service_plugins: 'neutron.services.l3_router.l3_router_plugin.L3RouterPlugin' } } });
    servers.push(withRouter);
    assert.equal((await withRouter.req('GET', '/v2.0/routers')).status, 200);
    assert.ok((await aliases(withRouter)).includes('router'));
  });

  it('refuses to start with an unknown plugin name, listing the known ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'neutrino-seams-'));
    try {
      const conf = join(dir, 'n.conf');
      writeFileSync(conf, `[DEFAULT]\nbind_port = ${await freePort()}\nstate_path = ${dir}\nservice_plugins = router,metring\n`);
      const r = await run(process.execPath, [CLI, 'server', '--db-upgrade', '--config-file', conf]).catch((e) => e);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /service_plugins: unknown plugin\(s\) metring; known: router/);
      writeFileSync(conf, `[DEFAULT]\nbind_port = ${await freePort()}\nstate_path = ${dir}\ncore_plugin = ml3\n`);
      const c = await run(process.execPath, [CLI, 'server', '--db-upgrade', '--config-file', conf]).catch((e) => e);
      assert.equal(c.code, 1);
      assert.match(c.stderr, /core_plugin = ml3: unknown; known: ml2/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('port_security is an extension driver: left out, its attribute and alias are gone', async () => {
    const s = await startTestServer('sqlite', { config: { ml2: { extension_drivers: '' } } });
    servers.push(s);
    assert.ok(!(await aliases(s)).includes('port-security'));
    assert.ok((await aliases(s)).includes('allowed-address-pairs'), 'built-in drivers stay');
    const net = (await s.req('POST', '/v2.0/networks', { network: { name: 'n' } })).body.network;
    const r = await s.req('POST', '/v2.0/ports', { port: { network_id: net.id, port_security_enabled: false } });
    assert.equal(r.status, 400);
    assert.match(r.body.NeutronError.message, /port_security_enabled/);
    const ok = await s.req('POST', '/v2.0/ports', { port: { network_id: net.id } });
    assert.equal(ok.status, 201);
    assert.ok(!('port_security_enabled' in ok.body.port));
    assert.equal(ok.body.port.security_groups.length, 1, 'security groups still apply');
  });

  it('refuses an unknown extension driver at start, listing the known ones', async () => {
    await assert.rejects(
      startTestServer('sqlite', { config: { ml2: { extension_drivers: 'port_security,dns_domain_ports' } } }),
      /extension_drivers: unknown driver\(s\) dns_domain_ports; known: .*port_security/,
    );
  });
});

describe('options honoured or refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-opts-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [line, why] of [
    ['api_workers = 4', /api_workers = 4: SQLite is the single-process embedded database/],
    ['[ml2_type_vxlan]\nvxlan_group = 239.1.1.1', /vxlan_group = 239.1.1.1: multicast VXLAN flooding is not built/],
    ['[keystone_authtoken]\nmemcached_servers = 127.0.0.1:11211', /memcached_servers = .*: a shared memcached token cache is not built/],
  ] as const) {
    it(`refuses ${line.split('\n').pop()} at start`, async () => {
      const conf = join(dir, 'n.conf');
      writeFileSync(conf, `[DEFAULT]\nbind_port = ${await freePort()}\nstate_path = ${dir}\n${line}\n`);
      const r = await run(process.execPath, [CLI, 'server', '--db-upgrade', '--config-file', conf]).catch((e) => e);
      assert.equal(r.code, 1);
      assert.match(r.stderr, why);
    });
  }

  it('allow_overlapping_ips = false refuses a CIDR that overlaps another network’s subnet; the default allows it', async () => {
    const strict = await startTestServer('sqlite', { config: { DEFAULT: { allow_overlapping_ips: 'false' } } });
    const loose = await startTestServer('sqlite');
    try {
      for (const [s, overlapAllowed] of [
        [strict, false],
        [loose, true],
      ] as const) {
        const a = (await s.req('POST', '/v2.0/networks', { network: { name: 'a' } })).body.network;
        const b = (await s.req('POST', '/v2.0/networks', { network: { name: 'b' } })).body.network;
        assert.equal((await s.req('POST', '/v2.0/subnets', { subnet: { network_id: a.id, cidr: '10.9.0.0/16', ip_version: 4 } })).status, 201);
        const r = await s.req('POST', '/v2.0/subnets', { subnet: { network_id: b.id, cidr: '10.9.4.0/24', ip_version: 4 } });
        if (overlapAllowed) {
          assert.equal(r.status, 201);
        } else {
          assert.equal(r.status, 400);
          assert.equal(r.body.NeutronError.type, 'InvalidInput');
          assert.match(r.body.NeutronError.message, /overlaps with subnet .* of network .*allow_overlapping_ips = false/);
          // a CIDR apart from all others is still fine, and IPv6 does not clash with IPv4
          assert.equal((await s.req('POST', '/v2.0/subnets', { subnet: { network_id: b.id, cidr: '10.10.0.0/24', ip_version: 4 } })).status, 201);
          // nothing half-made: b has just the one subnet
          assert.equal((await s.req('GET', `/v2.0/subnets?network_id=${b.id}`)).body.subnets.length, 1);
        }
      }
    } finally {
      await strict.close();
      await loose.close();
    }
  });
});

describe('callback registry', () => {
  const log = pino({ level: 'silent' });

  it('runs subscribers by priority; a precommit subscriber vetoes by throwing; after_* failures do not stop the others', async () => {
    const r = new CallbackRegistry(log);
    const seen: string[] = [];
    r.subscribe('network', 'after_delete', () => void seen.push('late'), { name: 'late', priority: 20 });
    r.subscribe(
      'network',
      'after_delete',
      () => {
        seen.push('failing');
        throw new Error('boom');
      },
      { name: 'failing', priority: 10 },
    );
    await r.publish('network', 'after_delete', { context: null as never, networkId: 'n1' });
    assert.deepEqual(seen, ['failing', 'late']);

    r.subscribe(
      'network',
      'precommit_delete',
      () => {
        throw new Error('in use');
      },
      { name: 'veto' },
    );
    await assert.rejects(r.publish('network', 'precommit_delete', { context: null as never, trx: null as never, uow: null as never, network: null as never }), /in use/);
    assert.deepEqual(r.describe()['network.after_delete'], ['failing', 'late']);
    assert.equal(r.has('subnet', 'after_create'), false);
  });
});
