// `neutrino server` with the metadata plugin and `neutrino agent metadata` as processes over
// RabbitMQ (a vhost of their own): the agent registers, owns its socket (group nogroup, 0660),
// answers a request for an instance's address with that instance's data (RPC over RabbitMQ,
// signed request to the server's metadata service), 404 for an address that is no port's,
// 400 without the proxy's headers; it refuses to start without the shared secret, and stops
// cleanly on SIGTERM, removing its socket.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { groupId } from '../../src/agents/metadata/metadata-agent.js';
import { addVhost, deleteVhost } from '../../src/lab/rabbit.js';
import { exited, startCli } from '../helpers/cli-process.js';
import { freePort } from '../helpers/free-port.js';
import { until as untilWithin } from '../helpers/until.js';

const until = <T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000) => untilWithin(what, probe, { timeoutMs, intervalMs: 100, tolerateErrors: true });
const VHOST = `neutrino-metadata-test-${process.pid}`;

function viaSocket(socket: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('server and metadata agent processes over RabbitMQ', () => {
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-mdproc-'));
  chmodSync(dir, 0o755);
  const socket = join(dir, 'metadata_proxy');
  const children: ChildProcess[] = [];
  let api = '';
  let conf = '';

  before(async () => {
    await addVhost(VHOST, 'guest');
    const port = await freePort();
    const mdPort = await freePort();
    api = `http://127.0.0.1:${port}`;
    conf = join(dir, 'neutrino.conf');
    const lines = [
      '[DEFAULT]',
      `bind_port = ${port}`,
      `state_path = ${dir}`,
      `transport_url = rabbit://guest:guest@127.0.0.1:5672/${encodeURIComponent(VHOST)}`,
      'service_plugins = router,metadata',
      `metadata_listen_port = ${mdPort}`,
      `nova_metadata_port = ${mdPort}`,
      '[agent]',
      'report_interval = 1',
      '',
    ];
    writeFileSync(join(dir, 'no-secret.conf'), lines.join('\n'));
    writeFileSync(conf, [...lines, '[DEFAULT]', 'metadata_proxy_shared_secret = process-test-secret', ''].join('\n'));
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await deleteVhost(VHOST).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the agent refuses to start without metadata_proxy_shared_secret', async () => {
    const a = startCli(['agent', 'metadata', '--host', 'md-test', '--config-file', join(dir, 'no-secret.conf')]);
    children.push(a.child);
    assert.equal(await exited(a.child), 1);
    assert.match(a.out(), /metadata_proxy_shared_secret is empty/);
  });

  it('answers an instance’s address with its data, 404 for no port, 400 without the proxy’s headers; stops cleanly', async () => {
    const server = startCli(['server', '--db-upgrade', '--config-file', conf]);
    children.push(server.child);
    await until(`the server answers (${server.out().slice(-300)})`, async () => (await fetch(`${api}/`)).ok);
    const agent = startCli(['agent', 'metadata', '--host', 'md-test', '--config-file', conf]);
    children.push(agent.child);
    await until('the metadata agent reports alive', async () => {
      const r = (await (await fetch(`${api}/v2.0/agents?agent_type=Metadata%20agent`)).json()) as { agents: { alive: boolean; binary: string; host: string }[] };
      return r.agents.find((x) => x.host === 'md-test' && x.alive && x.binary === 'neutrino-metadata-agent');
    });
    const st = statSync(socket);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o660);
    assert.equal(st.gid, groupId('nogroup'));

    const post = async (path: string, body: unknown) => {
      const r = await fetch(`${api}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      assert.ok(r.ok, `${path}: ${r.status} ${await r.clone().text()}`);
      return (await r.json()) as Record<string, Record<string, string>>;
    };
    const net = (await post('/v2.0/networks', { network: { name: 'md' } })).network.id;
    await post('/v2.0/subnets', { subnet: { network_id: net, cidr: '10.99.0.0/24', ip_version: 4 } });
    const id = randomUUID();
    await post('/v2.0/ports', { port: { network_id: net, device_owner: 'compute:nova', device_id: id, fixed_ips: [{ ip_address: '10.99.0.5' }] } });
    await post('/neutrino/v1/instances', { instance: { id, name: 'proc-vm', user_data: Buffer.from('hello').toString('base64') } });

    const h = (ip: string) => ({ 'x-forwarded-for': ip, 'x-neutron-network-id': net });
    assert.deepEqual(await viaSocket(socket, '/latest/meta-data/instance-id', h('10.99.0.5')), { status: 200, body: id });
    assert.deepEqual(await viaSocket(socket, '/openstack/latest/user_data', h('10.99.0.5')), { status: 200, body: 'hello' });
    assert.equal((await viaSocket(socket, '/latest/meta-data/instance-id', h('10.99.0.6'))).status, 404);
    assert.equal((await viaSocket(socket, '/latest/meta-data/instance-id', { 'x-forwarded-for': '10.99.0.5' })).status, 400);

    agent.child.kill('SIGTERM');
    assert.equal(await exited(agent.child), 0, agent.out().slice(-500));
    assert.equal(existsSync(socket), false, 'the socket is removed');
    server.child.kill('SIGTERM');
    assert.equal(await exited(server.child), 0);
  });
});
