// The dashboard's event streams under api_workers = 2 (PostgreSQL, RabbitMQ): a change made by
// one worker reaches the streams held by the other, because the change hints travel on a bus
// fanout that every worker consumes.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { addVhost, deleteVhost } from '../../src/lab/rabbit.js';
import { startCli } from '../helpers/cli-process.js';
import { readEvents, type EventReader } from '../helpers/event-stream.js';
import { freePort } from '../helpers/free-port.js';
import { scratchDatabase, type ScratchDatabase } from '../helpers/postgres.js';
import { until } from '../helpers/until.js';

const VHOST = `neutrino-dash-test-${process.pid}`;

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe('dashboard streams with api_workers = 2 (PostgreSQL, RabbitMQ)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-dash-workers-'));
  let pg: ScratchDatabase | undefined;
  let stopServer: (() => Promise<void>) | undefined;
  const readers: EventReader[] = [];
  after(async () => {
    for (const r of readers) r.close();
    await stopServer?.();
    await pg?.drop();
    await deleteVhost(VHOST).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it("every stream hears every worker's changes", async () => {
    pg = await scratchDatabase('neutrino_dash');
    await addVhost(VHOST, 'guest');
    const port = await freePort();
    const conf = join(dir, 'n.conf');
    writeFileSync(
      conf,
      `[DEFAULT]\nbind_port = ${port}\nstate_path = ${dir}\napi_workers = 2\nlog_level = info\nuse_json = true\ntransport_url = rabbit://guest:guest@127.0.0.1:5672/${encodeURIComponent(VHOST)}\n[database]\nconnection = ${pg.url}\n`,
    );
    const { child, out } = startCli(['server', '--db-upgrade', '--config-file', conf]);
    stopServer = async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await until('the server stopped', async () => child.exitCode !== null, 15_000).catch(() => {
        for (const p of childrenOf(child.pid!)) process.kill(p, 'SIGKILL');
        child.kill('SIGKILL');
      });
    };
    const base = `http://127.0.0.1:${port}`;
    await until('two workers serving', async () => (await fetch(base).catch(() => null))?.ok === true && childrenOf(child.pid!).length === 2, 30_000).catch((e) => {
      throw new Error(`${e.message}\n${out()}`);
    });
    const workers = childrenOf(child.pid!);
    const logged = (event: string) =>
      new Set(
        out()
          .split('\n')
          .filter((l) => l.includes(`"event":"${event}"`))
          .map((l) => JSON.parse(l).pid as number),
      );
    // the primary hands connections only to workers that listen already
    await until('both workers listening', async () => logged('server.listen').size === 2, 30_000);
    // connections are spread over the workers: open streams until both hold some
    for (let i = 0; i < 12 && logged('dashboard.stream_opened').size < 2; i++) {
      const r = await readEvents(base, {});
      readers.push(r);
      await r.waitFor('the snapshot', (e) => e.event === 'snapshot', 10_000);
    }
    assert.deepEqual([...logged('dashboard.stream_opened')].sort(), [...workers].sort(), 'both workers hold streams');

    const made: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await fetch(`${base}/v2.0/networks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ network: { name: `w${i}` } }) });
      assert.equal(r.status, 201);
      made.push(((await r.json()) as { network: { id: string } }).network.id);
    }
    assert.deepEqual([...logged('network.create')].sort(), [...workers].sort(), 'both workers made networks');
    for (const [i, r] of readers.entries()) {
      await until(`stream ${i} hears all 12 networks`, async () => made.every((id) => r.ids().has(id)), 5000);
    }
  });
});
