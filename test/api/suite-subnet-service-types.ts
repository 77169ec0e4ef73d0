// subnet-service-types on SQLite (api tier) and PostgreSQL (integration tier): service_types
// validated, shown, updated and filtered; ports take addresses from the subnets that serve
// their device owner first, then from open subnets, never from subnets serving others.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asAdmin, startTestServer, type DbKind, type TestServer } from '../helpers/server.js';

type Obj = Record<string, any>;
const ADMIN = asAdmin('sst-project');

export function subnetServiceTypesSuite(kind: DbKind): void {
  describe(`subnet service types (${kind})`, () => {
    let s: TestServer;
    const req = (method: string, path: string, body?: unknown) => s.req(method, path, body, ADMIN);
    const ok = async (method: string, path: string, body?: unknown): Promise<Obj> => {
      const r = await req(method, path, body);
      assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const subnet = async (network_id: string, cidr: string, service_types?: string[]) =>
      (await ok('POST', '/v2.0/subnets', { subnet: { network_id, cidr, ip_version: 4, enable_dhcp: false, ...(service_types ? { service_types } : {}) } })).subnet;
    const port = (network_id: string, device_owner = '') => req('POST', '/v2.0/ports', { port: { network_id, device_owner } });

    before(async () => {
      s = await startTestServer(kind);
    });
    after(async () => {
      await s?.close();
    });

    it('is listed, shown, updated and filtered', async () => {
      const aliases = (await ok('GET', '/v2.0/extensions')).extensions.map((e: Obj) => e.alias);
      assert.ok(aliases.includes('subnet-service-types'));
      const net = (await ok('POST', '/v2.0/networks', { network: { name: 'sst-a' } })).network;
      const fip = await subnet(net.id, '10.91.0.0/24', ['network:floatingip', 'network:router_gateway']);
      const open = await subnet(net.id, '10.91.1.0/24');
      assert.deepEqual(fip.service_types, ['network:floatingip', 'network:router_gateway']);
      assert.deepEqual(open.service_types, []);
      const listed = (await ok('GET', `/v2.0/subnets?network_id=${net.id}&service_types=network:router_gateway`)).subnets.map((x: Obj) => x.id);
      assert.deepEqual(listed, [fip.id]);
      // '_' is no wildcard: network:router_gateway does not match network:routerXgateway
      await ok('PUT', `/v2.0/subnets/${open.id}`, { subnet: { service_types: ['network:routerXgateway'] } });
      assert.deepEqual((await ok('GET', `/v2.0/subnets?network_id=${net.id}&service_types=network:router_gateway`)).subnets.length, 1);
      const updated = (await ok('PUT', `/v2.0/subnets/${open.id}`, { subnet: { service_types: [] } })).subnet;
      assert.deepEqual(updated.service_types, []);
      assert.deepEqual((await ok('GET', `/v2.0/subnets/${fip.id}`)).subnet.service_types, ['network:floatingip', 'network:router_gateway']);
    });

    it('refuses what is not a list of device owners, naming the attribute', async () => {
      const net = (await ok('POST', '/v2.0/networks', { network: { name: 'sst-bad' } })).network;
      for (const bad of ['network:dhcp', ['storage:x'], [3]]) {
        const r = await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.92.0.0/24', ip_version: 4, service_types: bad } });
        assert.equal(r.status, 400, JSON.stringify(bad));
        assert.match(r.body.NeutronError.message, /service_types/);
      }
      assert.equal((await ok('GET', `/v2.0/subnets?network_id=${net.id}`)).subnets.length, 0);
    });

    it('a port takes its address from the subnet serving its owner, else from an open one', async () => {
      const net = (await ok('POST', '/v2.0/networks', { network: { name: 'sst-alloc' } })).network;
      const compute = await subnet(net.id, '10.93.0.0/24', ['compute:nova']);
      const open = await subnet(net.id, '10.93.1.0/24');
      const vm = await port(net.id, 'compute:nova');
      assert.equal(vm.status, 201);
      assert.equal(vm.body.port.fixed_ips[0].subnet_id, compute.id);
      const dhcp = await port(net.id, 'network:dhcp');
      assert.equal(dhcp.body.port.fixed_ips[0].subnet_id, open.id);
      const plain = await port(net.id);
      assert.equal(plain.body.port.fixed_ips[0].subnet_id, open.id);
      // a port may not ask for an address on a subnet that serves others
      const asked = await req('POST', '/v2.0/ports', { port: { network_id: net.id, fixed_ips: [{ subnet_id: compute.id }] } });
      assert.equal(asked.status, 400);
      assert.match(asked.body.NeutronError.message, /invalid subnet/);
    });

    it('a network whose subnets all serve other owners: 409 IpAddressGenerationFailureNoMatchingSubnet', async () => {
      const net = (await ok('POST', '/v2.0/networks', { network: { name: 'sst-none' } })).network;
      await subnet(net.id, '10.94.0.0/24', ['network:floatingip']);
      const before = (await ok('GET', `/v2.0/ports?network_id=${net.id}`)).ports.length;
      const r = await port(net.id, 'compute:nova');
      assert.equal(r.status, 409);
      assert.equal(r.body.NeutronError.type, 'IpAddressGenerationFailureNoMatchingSubnet');
      assert.match(r.body.NeutronError.message, /service type compute:nova/);
      assert.equal((await ok('GET', `/v2.0/ports?network_id=${net.id}`)).ports.length, before);
    });
  });
}
