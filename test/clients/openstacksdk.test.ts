// openstacksdk (Debian's python3-openstacksdk, run by /usr/bin/python3) against a Neutrino
// server in noauth mode: scripts/openstacksdk/network_roundtrip.py creates a network, subnet,
// external network, router (gateway + interface), security group and rule, port and floating
// IP; the test then reads each one back through the API itself; the script's delete finds them
// by name through the SDK and tears them down, and the API then knows none of them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SCRIPT = new URL('../../../scripts/openstacksdk/network_roundtrip.py', import.meta.url).pathname;
const PYTHON = '/usr/bin/python3'; // Debian's, where python3-openstacksdk is installed

function sdk(action: 'create' | 'delete', url: string, prefix: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OS_')) env[k] = v;
  env.PYTHONWARNINGS = 'ignore';
  return new Promise((resolve) => {
    execFile(PYTHON, [SCRIPT, action, '--endpoint', url, '--prefix', prefix], { env, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe('openstacksdk (python3-openstacksdk) against Neutrino in noauth mode', () => {
  let s: TestServer;
  const prefix = `sdk${randomUUID().slice(0, 8)}`;
  let made: any;

  before(async () => {
    s = await startTestServer('sqlite', { listen: true });
  });
  after(async () => {
    await s?.close();
  });

  const get = async (path: string) => {
    const r = await s.req('GET', path);
    assert.equal(r.status, 200, `GET ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

  it('creates a network, subnet, router, security group, port and floating IP', async () => {
    const r = await sdk('create', s.url!, prefix);
    assert.equal(r.code, 0, `create failed:\n${r.stdout}\n${r.stderr}`);
    made = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.match(made.openstacksdk, /^\d+\.\d+/);
    // what the SDK made, read back from the API
    assert.equal((await get(`/v2.0/networks/${made.network}`)).network.name, `${prefix}-net`);
    assert.equal((await get(`/v2.0/subnets/${made.subnet}`)).subnet.cidr, '10.77.0.0/24');
    assert.equal((await get(`/v2.0/networks/${made.external_network}`)).network['router:external'], true);
    const router = (await get(`/v2.0/routers/${made.router}`)).router;
    assert.equal(router.external_gateway_info.network_id, made.external_network);
    const ifaces = (await get(`/v2.0/ports?device_id=${made.router}&device_owner=network:router_interface`)).ports;
    assert.deepEqual(
      ifaces.map((p: { fixed_ips: { subnet_id: string }[] }) => p.fixed_ips[0].subnet_id),
      [made.subnet],
    );
    const sg = (await get(`/v2.0/security-groups/${made.security_group}`)).security_group;
    assert.ok(sg.security_group_rules.some((x: { id: string; port_range_min: number }) => x.id === made.security_group_rule && x.port_range_min === 22));
    const port = (await get(`/v2.0/ports/${made.port}`)).port;
    assert.deepEqual(port.security_groups, [made.security_group]);
    assert.equal(port.description, 'updated by openstacksdk');
    const fip = (await get(`/v2.0/floatingips/${made.floating_ip}`)).floatingip;
    assert.equal(fip.port_id, made.port);
    assert.equal(fip.fixed_ip_address, made.fixed_ip_address);
    assert.equal(fip.router_id, made.router);
  });

  it('finds them by name and tears them all down', async () => {
    assert.ok(made, 'the create step ran');
    const r = await sdk('delete', s.url!, prefix);
    assert.equal(r.code, 0, `delete failed:\n${r.stdout}\n${r.stderr}`);
    const done = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.deepEqual(
      { ...done, action: undefined, openstacksdk: undefined },
      { action: undefined, openstacksdk: undefined, floating_ips: 1, ports: 1, router_interfaces: 1, routers: 1, security_groups: 1, subnets: 2, networks: 2 },
    );
    for (const [path, id] of [
      ['floatingips', made.floating_ip],
      ['ports', made.port],
      ['routers', made.router],
      ['security-groups', made.security_group],
      ['subnets', made.subnet],
      ['subnets', made.external_subnet],
      ['networks', made.network],
      ['networks', made.external_network],
    ]) {
      assert.equal((await s.req('GET', `/v2.0/${path}/${id}`)).status, 404, `${path}/${id} is gone`);
    }
  });
});
