// `neutrino server` and `neutrino agent linuxbridge` as separate processes over RabbitMQ:
// the agent registers with its mappings and the kernel's VLAN capability, ports bind to its
// host, and both exit 0 on SIGTERM.
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port.js';
import { after, describe, it } from 'node:test';
import { probeVlanSupport } from '../../src/linux/kernel-features.js';
import { exited, startCli } from '../helpers/cli-process.js';
import { until as untilWithin } from '../helpers/until.js';
const until = <T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000) => untilWithin(what, probe, { timeoutMs, intervalMs: 100, tolerateErrors: true });

const start = startCli;

describe('server and linuxbridge agent processes over RabbitMQ', () => {
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-agentproc-'));
  // the agent's devices, sysctls and nft tables go into a namespace standing for its host,
  // never into the machine's own
  const hostNs = `t${process.pid % 10000}ap`;
  spawnSync('ip', ['netns', 'add', hostNs]);
  const children: ChildProcess[] = [];
  after(() => {
    spawnSync('ip', ['netns', 'delete', hostNs]);
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers, binds ports to its host, and both stop cleanly on SIGTERM', async () => {
    const port = await freePort();
    const host = `agentproc-${process.pid}`;
    const conf = join(dir, 'neutrino.conf');
    writeFileSync(
      conf,
      [
        '[DEFAULT]',
        'use_json = true',
        `bind_port = ${port}`,
        `state_path = ${dir}/state`,
        'transport_url = rabbit://guest:guest@127.0.0.1:5672/',
        '[ml2]',
        'tenant_network_types = vxlan',
        '[ml2_type_vxlan]',
        'vni_ranges = 1000:1999',
        '[agent]',
        'report_interval = 1',
        `host_namespace = ${hostNs}`,
        '[linux_bridge]',
        'physical_interface_mappings = physnet1:eth1',
        '[vxlan]',
        'local_ip = 192.0.2.11',
        '',
      ].join('\n'),
    );
    const server = start(['server', '--db-upgrade', '--config-file', conf]);
    children.push(server.child);
    const api = `http://127.0.0.1:${port}`;
    await until('server listening', async () => (await fetch(`${api}/v2.0/networks`)).ok);
    const agent = start(['agent', 'linuxbridge', '--host', host, '--config-file', conf]);
    children.push(agent.child);
    const found = await until('agent registered', async () => {
      const r = await (await fetch(`${api}/v2.0/agents?host=${host}`)).json();
      return r.agents[0]?.alive ? r.agents[0] : undefined;
    });
    const vlan = await probeVlanSupport();
    assert.equal(found.agent_type, 'Linux bridge agent');
    assert.deepEqual(found.configurations.interface_mappings, { physnet1: 'eth1' });
    assert.equal(found.configurations.tunneling_ip, '192.0.2.11');
    assert.equal(found.configurations.vlan_supported, vlan.supported, 'the agent reports what the kernel can do');
    const beat = found.heartbeat_timestamp;
    await until('a later heartbeat', async () => (await (await fetch(`${api}/v2.0/agents/${found.id}`)).json()).agent.heartbeat_timestamp !== beat, 5000);

    const net = await (await fetch(`${api}/v2.0/networks`, { method: 'POST', body: JSON.stringify({ network: { name: 'p' } }) })).json();
    const p = await (await fetch(`${api}/v2.0/ports`, { method: 'POST', body: JSON.stringify({ port: { network_id: net.network.id, 'binding:host_id': host } }) })).json();
    assert.equal(p.port['binding:vif_type'], 'bridge', JSON.stringify(p));
    assert.match(agent.out(), /"event":"lb.started","netns":"t\d+ap"/, 'the kernel side works in the host namespace it was given');
    assert.match(agent.out(), /"event":"agent.resync"/);

    agent.child.kill('SIGTERM');
    assert.equal(await exited(agent.child), 0, agent.out());
    server.child.kill('SIGTERM');
    assert.equal(await exited(server.child), 0, server.out());
    const lines = agent
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.event === 'agent.start'));
    assert.ok(lines.some((l) => l.event === 'agent.stop'));
  });
});
