// api_workers: one `neutrino server` on PostgreSQL with two worker processes sharing its port.
// Requests spread over both, concurrent creates give no duplicate address, a worker that dies
// is replaced, and SIGTERM stops them all.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { exited, startCli } from '../helpers/cli-process.js';
import { freePort } from '../helpers/free-port.js';
import { childrenOf } from '../helpers/proc.js';
import { scratchDatabase, type ScratchDatabase } from '../helpers/postgres.js';
import { until } from '../helpers/until.js';

describe('api_workers on PostgreSQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-workers-'));
  let pg: ScratchDatabase | undefined;
  let stopServer: (() => Promise<void>) | undefined;
  after(async () => {
    await stopServer?.();
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves one port from two processes, without duplicate addresses, replacing a dead worker and stopping on SIGTERM', async () => {
    pg = await scratchDatabase('neutrino_workers');
    const port = await freePort();
    const conf = join(dir, 'n.conf');
    writeFileSync(conf, `[DEFAULT]\nbind_port = ${port}\nstate_path = ${dir}\napi_workers = 2\nlog_level = info\nuse_json = true\n[database]\nconnection = ${pg.url}\n[quotas]\nquota_port = -1\n`);
    const { child, out } = startCli(['server', '--db-upgrade', '--config-file', conf]);
    stopServer = async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      for (const p of childrenOf(child.pid!)) process.kill(p, 'SIGKILL');
    };
    const base = `http://127.0.0.1:${port}`;
    const api = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: r.status, body: r.status === 204 ? null : await r.json() };
    };
    await until('two workers serving', async () => (await fetch(base).catch(() => null))?.ok === true && childrenOf(child.pid!).length === 2, 30_000).catch((e) => {
      throw new Error(`${e.message}\n${out()}`);
    });
    const workers = childrenOf(child.pid!);

    const net = (await api('POST', '/v2.0/networks', { network: { name: 'w' } })).body.network;
    await api('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.50.0.0/22', ip_version: 4 } });
    const made = await Promise.all(Array.from({ length: 200 }, () => api('POST', '/v2.0/ports', { port: { network_id: net.id } })));
    assert.deepEqual([...new Set(made.map((r) => r.status))], [201]);
    const ips = made.map((r) => r.body.port.fixed_ips[0].ip_address);
    assert.equal(new Set(ips).size, 200, 'no address handed out twice');
    // both workers answered: each logs the ports it made with its own pid
    const pids = new Set(
      out()
        .split('\n')
        .filter((l) => l.includes('"event":"port.create"'))
        .map((l) => JSON.parse(l).pid as number),
    );
    assert.deepEqual([...pids].sort(), [...workers].sort(), 'ports were made by both workers');

    process.kill(workers[0], 'SIGKILL');
    await until(
      'a dead worker replaced',
      async () => {
        const now = childrenOf(child.pid!);
        return now.length === 2 && !now.includes(workers[0]);
      },
      15_000,
    );
    assert.match(out(), /"event":"server.worker_died"/);
    assert.equal((await api('GET', `/v2.0/ports?network_id=${net.id}&fields=id`)).body.ports.length, 200);

    const live = childrenOf(child.pid!);
    child.kill('SIGTERM');
    assert.equal(await exited(child), 0);
    assert.deepEqual(
      live.filter((p) => readdirSync('/proc').includes(String(p))),
      [],
      'every worker is gone',
    );
  });
});
