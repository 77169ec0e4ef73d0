// The `neutrino` command as an operator runs it: db upgrade, server start, SIGTERM.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port.js';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;

describe('neutrino command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-cli-'));
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const conf = (port: number, extra = '') => {
    const p = join(dir, `neutrino-${port}.conf`);
    writeFileSync(p, `[DEFAULT]\nuse_json = true\nbind_port = ${port}\nstate_path = ${dir}/state-${port}\n${extra}\n`);
    return p;
  };

  it('--help shows examples', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'server', '--help']);
    assert.match(stdout, /Examples:/);
    assert.match(stdout, /--config-file/);
  });

  it('db upgrade applies migrations once, and the server refuses a stale schema', async () => {
    const port = await freePort();
    const c = conf(port);
    const stale = await run(process.execPath, [CLI, 'server', '--config-file', c]).catch((e) => e);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /neutrino db upgrade/);
    const first = await run(process.execPath, [CLI, 'db', 'upgrade', '--config-file', c]);
    assert.match(first.stdout, /applied 0001_core/);
    const second = await run(process.execPath, [CLI, 'db', 'upgrade', '--config-file', c]);
    assert.match(second.stdout, /nothing to apply/);
    const cur = await run(process.execPath, [CLI, 'db', 'current', '--config-file', c]);
    assert.match(cur.stdout, /pending: none/);
  });

  it('refuses a non-loopback address under noauth, and bad config, with a clear message', async () => {
    const port = await freePort();
    const r = await run(process.execPath, [CLI, 'server', '--db-upgrade', '--config-file', conf(port), '--bind-host', '0.0.0.0']).catch((e) => e);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /allow_insecure_noauth/);
    const bad = await run(process.execPath, [CLI, 'server', '--config-file', conf(port, 'base_mac = nope')]).catch((e) => e);
    assert.equal(bad.code, 1);
    const missing = await run(process.execPath, [CLI, 'server', '--config-file', join(dir, 'absent.conf')]).catch((e) => e);
    assert.match(missing.stderr, /cannot read config file/);
  });

  it('refuses to start with a malformed policy file, naming the file and the rule', async () => {
    const port = await freePort();
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, '"create_network": "rule:admin_only or"\n');
    const r = await run(process.execPath, [CLI, 'server', '--db-upgrade', '--config-file', conf(port, `[oslo_policy]\npolicy_file = ${policy}`)]).catch((e) => e);
    assert.equal(r.code, 1, `${r.stdout ?? ''}${r.stderr ?? ''}`);
    assert.match(r.stderr, /policy\.yaml/);
    assert.match(r.stderr, /"create_network"/);
    writeFileSync(policy, 'create_network: [unclosed\n');
    const y = await run(process.execPath, [CLI, 'server', '--db-upgrade', '--config-file', conf(port, `[oslo_policy]\npolicy_file = ${policy}`)]).catch((e) => e);
    assert.equal(y.code, 1);
    assert.match(y.stderr, /not valid YAML/);
  });

  it('serves, logs structured lines, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'server', '--db-upgrade', '--config-file', conf(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const deadline = Date.now() + 15000;
    while (!out.includes('"server.listen"')) {
      assert.ok(Date.now() < deadline, `server did not start: ${out}`);
      assert.equal(child.exitCode, null, `server exited: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const res = await fetch(`http://127.0.0.1:${port}/v2.0/networks`, { method: 'POST', body: JSON.stringify({ network: { name: 'sig' } }) });
    assert.equal(res.status, 201);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.event === 'network.create' && l.network_id));
    assert.ok(lines.some((l) => l.event === 'server.stop'));
  });
});
