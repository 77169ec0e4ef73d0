// The real `openstack` CLI on the dhcp_agent_scheduler extension: which DHCP agents serve a
// network, and an admin moving a network between DHCP agents (noauth server, as in
// openstack-cli.test.ts; the agents are registered over the server's bus, no dnsmasq runs).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as topics from '../../src/contract/topics.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

describe('openstack CLI: DHCP agents of networks', () => {
  let s: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-osc-dhcp-'));

  function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OS_')) env[k] = v;
    env.OS_CLIENT_CONFIG_FILE = join(dir, 'clouds.yaml');
    env.PYTHONWARNINGS = 'ignore';
    const argv = ['--os-auth-type', 'none', '--os-endpoint', s.url!, ...args];
    return new Promise((resolve) => {
      execFile('openstack', argv, { env, timeout: 90_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  }
  const json = async (args: string[]): Promise<Json> => {
    const r = await cli([...args, '-f', 'json']);
    assert.equal(r.code, 0, `openstack ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const ok = async (args: string[]) => {
    const r = await cli(args);
    assert.equal(r.code, 0, `openstack ${args.join(' ')}: ${r.stderr}`);
  };

  async function register(host: string): Promise<string> {
    await s.bus.call(topics.REPORTS, 'report_state', { agent_state: { agent_state: { agent_type: 'DHCP agent', binary: 'neutrino-dhcp-agent', host, topic: topics.DHCP_AGENT, configurations: {} } } });
    const r = await s.req('GET', `/v2.0/agents?host=${host}`);
    return r.body.agents[0].id;
  }

  before(async () => {
    writeFileSync(join(dir, 'clouds.yaml'), 'clouds: {}\n');
    s = await startTestServer('sqlite', { listen: true });
  });
  after(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('agent list --network, agent add/remove network --dhcp, network list --agent', async () => {
    const a1 = await register('dhcp-a');
    const a2 = await register('dhcp-b');
    const net = (await s.req('POST', '/v2.0/networks', { network: { name: 'osc-dhcp' } })).body.network;
    await s.req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.90.0.0/24', ip_version: 4 } });
    const serving = await json(['network', 'agent', 'list', '--network', net.id]);
    assert.equal(serving.length, 1);
    const other = serving[0].ID === a1 ? a2 : a1;
    await ok(['network', 'agent', 'add', 'network', '--dhcp', other, net.id]);
    assert.deepEqual((await json(['network', 'agent', 'list', '--network', net.id])).map((a: Json) => a.ID).sort(), [a1, a2].sort());
    assert.deepEqual(
      (await json(['network', 'list', '--agent', other])).map((n: Json) => n.ID),
      [net.id],
    );
    await ok(['network', 'agent', 'remove', 'network', '--dhcp', other, net.id]);
    assert.deepEqual(
      (await json(['network', 'agent', 'list', '--network', net.id])).map((a: Json) => a.ID),
      [serving[0].ID],
    );
    // openstacksdk does not look at the status of this DELETE: the API's answer is checked directly
    const again = await s.req('DELETE', `/v2.0/agents/${other}/dhcp-networks/${net.id}`);
    assert.equal(again.status, 409);
    assert.equal(again.body.NeutronError.type, 'NetworkNotHostedByDhcpAgent');
  });
});
