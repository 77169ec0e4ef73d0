// A short run of the scale simulator (bench/scale.ts): a real server with two api_workers on
// PostgreSQL + RabbitMQ, 100 simulated hosts running the real L2 agent logic over the real
// agent RPC, 1,000 ports bound across them. It fails if any host never converges, if a port
// stays DOWN, or if a port event again reaches every host instead of the ones that need it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';

const SCALE = new URL('../../bench/scale.js', import.meta.url).pathname;

describe('scale simulator (100 hosts, 1,000 ports)', () => {
  it('every host converges, every port is ACTIVE, and port events reach only the hosts that need them', { timeout: 900_000 }, async () => {
    const child = spawn(
      process.execPath,
      [SCALE, '--hosts', '100', '--ports', '1000', '--workers', '2', '--report-interval', '5', '--resync-ports', '300', '--converge-timeout', '300', '--check', '--json'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    assert.equal(code, 0, `bench/scale.js exited ${code}:\n${out}`);
    const figures = JSON.parse(out.trim().split('\n').at(-1)!);
    assert.equal(figures.converged, true, out);
    assert.equal(figures.unconverged_hosts, 0);
    assert.equal(figures.ports_down, 0, 'every compute port ACTIVE');
    assert.equal(figures.hosts, 101);
    const perPort = figures.agent_messages_per_port_by_method;
    // port_update goes to the port's host only (Neutron: every agent)
    assert.ok(perPort.port_update <= 1.05, `port_update per port ${perPort.port_update}`);
    // l2population reaches the hosts of the port's network (10 here, as bench/scale.js spreads them), not all 101
    assert.ok(perPort.add_fdb_entries <= 11, `add_fdb_entries per port ${perPort.add_fdb_entries}`);
    assert.ok(perPort.add_fdb_entries > 0, 'l2population did run');
    assert.ok(figures.resync_ms > 0, 'the timed resync ran');
  });
});
