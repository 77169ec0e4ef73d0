// fixed_ip_disassociate_timeout with the nova_network service plugin loaded: a deleted
// instance's fixed IP on a nova-network network is held by the network's quarantine port and
// given to no one until its time is up; other networks are not touched.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildNovaNetwork } from '../../src/plugins/nova_network/nova-network-plugin.js';
import { asAdmin, startTestServer, type DbKind, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const ADMIN = asAdmin('admin-project');
const SECONDS = 3;

export function novaQuarantineSuite(kind: DbKind): void {
  describe(`fixed_ip_disassociate_timeout (${kind})`, () => {
    let s: TestServer;
    let networkId: string;
    before(async () => {
      s = await startTestServer(kind, { config: { DEFAULT: { service_plugins: 'router,nova_network', fixed_ip_disassociate_timeout: String(SECONDS) } } });
      const nn = buildNovaNetwork(s.api.services, s.api.core);
      [{ id: networkId }] = await nn.networks.create({
        mode: 'flatdhcp',
        label: 'q',
        fixedRangeV4: '10.0.0.0/28',
        numNetworks: 1,
        networkSize: 16,
        bridge: 'br100',
        bridgeInterface: 'eth1',
        multiHost: false,
      });
    });
    after(async () => {
      await s?.close();
    });
    const ok = async (method: string, path: string, body?: unknown): Promise<Obj> => {
      const r = await s.req(method, path, body, ADMIN);
      assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body as Obj;
    };
    const vm = async (network: string, fixed?: string) =>
      (await ok('POST', '/v2.0/ports', { port: { network_id: network, device_owner: 'compute:nova', device_id: 'vm', ...(fixed ? { fixed_ips: [{ ip_address: fixed }] } : {}) } })).port;

    it('a deleted instance’s address is held by the quarantine port, refused to others, then given back', async () => {
      const first = await vm(networkId);
      const address = first.fixed_ips[0].ip_address;
      assert.equal(address, '10.0.0.2');
      const t0 = Date.now();
      await ok('DELETE', `/v2.0/ports/${first.id}`);
      const next = await vm(networkId);
      assert.equal(next.fixed_ips[0].ip_address, '10.0.0.3', 'the lowest free address, not the quarantined one');
      const holders = (await ok('GET', `/v2.0/ports?network_id=${networkId}&device_owner=network:quarantine`)).ports;
      assert.equal(holders.length, 1);
      assert.deepEqual(
        holders[0].fixed_ips.map((f: Obj) => f.ip_address),
        ['10.0.0.2'],
      );
      const asked = await s.req('POST', '/v2.0/ports', { port: { network_id: networkId, fixed_ips: [{ ip_address: address }] } }, ADMIN);
      assert.equal(asked.status, 409, JSON.stringify(asked.body));
      // the plugin's sweep gives it back after the timeout (not before)
      const back = await until(
        `${address} out of quarantine`,
        async () => {
          const r = await s.req('POST', '/v2.0/ports', { port: { network_id: networkId, device_owner: 'compute:nova', device_id: 'vm2', fixed_ips: [{ ip_address: address }] } }, ADMIN);
          return r.status === 201 ? r.body.port : null;
        },
        30_000,
      );
      assert.ok(Date.now() - t0 >= (SECONDS - 1) * 1000, `given back after ${Date.now() - t0} ms`);
      assert.equal(back.fixed_ips[0].ip_address, address);
      const left = (await ok('GET', `/v2.0/ports?device_owner=network:quarantine&network_id=${networkId}`)).ports[0];
      assert.deepEqual(left.fixed_ips, []);
    });

    it('ports of other networks, and service ports, are released at once', async () => {
      const other = (await ok('POST', '/v2.0/networks', { network: { name: 'plain' } })).network;
      await ok('POST', '/v2.0/subnets', { subnet: { network_id: other.id, cidr: '10.9.0.0/24', ip_version: 4 } });
      const p = await vm(other.id);
      await ok('DELETE', `/v2.0/ports/${p.id}`);
      assert.equal((await vm(other.id)).fixed_ips[0].ip_address, p.fixed_ips[0].ip_address);
      const svc = (await ok('POST', '/v2.0/ports', { port: { network_id: networkId, device_owner: 'network:probe' } })).port;
      await ok('DELETE', `/v2.0/ports/${svc.id}`);
      const again = (await ok('POST', '/v2.0/ports', { port: { network_id: networkId, fixed_ips: [{ ip_address: svc.fixed_ips[0].ip_address }] } })).port;
      assert.equal(again.fixed_ips[0].ip_address, svc.fixed_ips[0].ip_address);
    });
  });
}
