// dns-integration ([ml2] extension_drivers dns) on SQLite (api tier) and PostgreSQL (integration
// tier): dns_name validated and taken under a [DEFAULT] dns_domain of one's own, dns_assignment
// per fixed IP, a FQDN that must end in the domain, network dns_domain, the DHCP agents told the
// names; and, as Neutron, dns_name not taken while dns_domain is the default openstacklocal.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asAdmin, startTestServer, type DbKind, type TestServer } from '../helpers/server.js';

type Obj = Record<string, any>;
const ADMIN = asAdmin('dns-project');

export function dnsSuite(kind: DbKind): void {
  describe(`dns-integration (${kind})`, () => {
    let s: TestServer;
    let net: Obj;
    const ok = async (method: string, path: string, body?: unknown): Promise<Obj> => {
      const r = await s.req(method, path, body, ADMIN);
      assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const fails = async (status: number, method: string, path: string, body?: unknown, pattern?: RegExp) => {
      const r = await s.req(method, path, body, ADMIN);
      assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
      if (pattern) assert.match(r.body.NeutronError.message, pattern);
    };

    before(async () => {
      s = await startTestServer(kind, { config: { DEFAULT: { dns_domain: 'example.org' }, ml2: { extension_drivers: 'port_security,dns' } } });
      net = (await ok('POST', '/v2.0/networks', { network: { name: 'dns-net', dns_domain: 'corp.example.org.' } })).network;
      await ok('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.61.0.0/24', ip_version: 4 } });
    });
    after(async () => {
      await s?.close();
    });

    it('lists dns-integration; networks keep a dns_domain that is a FQDN', async () => {
      const aliases = (await ok('GET', '/v2.0/extensions')).extensions.map((e: Obj) => e.alias);
      assert.ok(aliases.includes('dns-integration'));
      assert.equal(net.dns_domain, 'corp.example.org.');
      await fails(400, 'POST', '/v2.0/networks', { network: { name: 'x', dns_domain: 'nodot' } }, /is not a FQDN/);
      assert.equal((await ok('PUT', `/v2.0/networks/${net.id}`, { network: { dns_domain: '' } })).network.dns_domain, '');
    });

    it('a port gets dns_assignment per fixed IP: its dns_name, or host-<ip>, under dns_domain', async () => {
      const named = (await ok('POST', '/v2.0/ports', { port: { network_id: net.id, dns_name: 'web1' } })).port;
      const ip = named.fixed_ips[0].ip_address;
      assert.equal(named.dns_name, 'web1');
      assert.deepEqual(named.dns_assignment, [{ ip_address: ip, hostname: 'web1', fqdn: 'web1.example.org.' }]);
      const plain = (await ok('POST', '/v2.0/ports', { port: { network_id: net.id } })).port;
      const pip = plain.fixed_ips[0].ip_address as string;
      assert.deepEqual(plain.dns_assignment, [{ ip_address: pip, hostname: `host-${pip.replace(/\./g, '-')}`, fqdn: `host-${pip.replace(/\./g, '-')}.example.org.` }]);
      const fqdn = (await ok('POST', '/v2.0/ports', { port: { network_id: net.id, dns_name: 'db1.example.org.' } })).port;
      assert.equal(fqdn.dns_assignment[0].fqdn, 'db1.example.org.');
      assert.deepEqual(
        (await ok('GET', `/v2.0/ports?dns_name=web1`)).ports.map((p: Obj) => p.id),
        [named.id],
      );
      const renamed = (await ok('PUT', `/v2.0/ports/${named.id}`, { port: { dns_name: 'web2' } })).port;
      assert.equal(renamed.dns_assignment[0].hostname, 'web2');
      // what the DHCP agents are told
      const info = await s.api.dhcpRpc.networkInfo(net.id);
      assert.equal(info?.ports.find((p) => p.id === named.id)?.dns_name, 'web2');
      assert.equal(info?.ports.find((p) => p.id === plain.id)?.dns_name, undefined);
    });

    it('refuses names that are no PQDN/FQDN, or a FQDN outside dns_domain, naming why', async () => {
      await fails(400, 'POST', '/v2.0/ports', { port: { network_id: net.id, dns_name: 'Bad_Name' } }, /not a valid PQDN or FQDN/);
      await fails(400, 'POST', '/v2.0/ports', { port: { network_id: net.id, dns_name: '-lead' } }, /must not start or end with a hyphen/);
      await fails(400, 'POST', '/v2.0/ports', { port: { network_id: net.id, dns_name: 'vm.other.org.' } }, /higher level labels must be equal to the dns_domain/);
      await fails(400, 'POST', '/v2.0/ports', { port: { network_id: net.id, dns_name: 'vm.123' } }, /TLD '123' must not be all numeric/);
    });
  });

  describe(`dns-integration under the default openstacklocal (${kind})`, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer(kind, { config: { ml2: { extension_drivers: 'port_security,dns' } } });
    });
    after(async () => {
      await s?.close();
    });
    it('takes no dns_name (as Neutron) and names addresses host-<ip>.openstacklocal.', async () => {
      const n = (await s.req('POST', '/v2.0/networks', { network: { name: 'dns-default' } }, ADMIN)).body.network;
      await s.req('POST', '/v2.0/subnets', { subnet: { network_id: n.id, cidr: '10.62.0.0/24', ip_version: 4 } }, ADMIN);
      const p = (await s.req('POST', '/v2.0/ports', { port: { network_id: n.id, dns_name: 'web1' } }, ADMIN)).body.port;
      assert.equal(p.dns_name, '');
      assert.match(p.dns_assignment[0].fqdn, /^host-10-62-0-\d+\.openstacklocal\.$/);
    });
  });
}
