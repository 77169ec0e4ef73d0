// Instances find their lab: with one lab up, `neutrino instance …` given no --config-file uses
// that lab's config (records in the lab dir, the lab's API); with several up it asks for --lab;
// `lab down` deletes the lab's instances, those recorded in another state_path too. Every
// command runs with TMPDIR set to a test-unique directory, so only this test's labs are seen
// (the registry of labs up is $TMPDIR/neutrino-labs/).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sh } from '../helpers/lab-driver.js';
import { freePort } from '../helpers/free-port.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const P = `t${process.pid % 10000}li-`;
const ROOT = mkdtempSync(join(tmpdir(), `neutrino-${P}`));
const TMP = join(ROOT, 'tmp');
const DIR = join(ROOT, 'lab');
const ELSEWHERE = join(ROOT, 'elsewhere');
/** an instance recorded outside the lab: its namespace is vm-<name>, so the name carries P */
const STRAY = `${P}stray`;
mkdirSync(TMP, { recursive: true });

/** the CLI as a user in a fresh shell: no OS_ENDPOINT, this test's TMPDIR */
const neutrino = (...args: string[]) => sh(process.execPath, [CLI, ...args], { env: { TMPDIR: TMP, OS_ENDPOINT: '' }, timeoutMs: 180_000 });
const namespaces = () => (existsSync('/run/netns') ? readdirSync('/run/netns') : []);

describe(`instances find their lab (prefix ${P})`, { timeout: 5 * 60_000 }, () => {
  let url = '';
  let fakeServer: ChildProcess | undefined;

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const r = await neutrino('lab', 'up', '--computes', '1', '--prefix', P, '--dir', DIR, '--port', String(port));
    assert.equal(r.code, 0, `lab up failed:\n${r.stdout}\n${r.stderr}`);
  });

  after(async () => {
    fakeServer?.kill('SIGKILL');
    const down = await neutrino('lab', 'down', '--prefix', P, '--dir', DIR);
    if (down.code !== 0) console.error(`lab down failed:\n${down.stdout}\n${down.stderr}`);
    // by name only: whatever lab down could not remove
    for (const n of namespaces().filter((x) => x.startsWith(P) || x === `vm-${STRAY}`)) await sh('ip', ['netns', 'del', n]);
    rmSync(`/etc/netns/vm-${STRAY}`, { recursive: true, force: true });
    await sh('rabbitmqctl', ['delete_vhost', `neutrino-${P}lab`]);
    rmSync(ROOT, { recursive: true, force: true });
  });

  it('boot without --config-file files the instance under the lab and uses its API', async () => {
    const r = await neutrino('instance', 'boot', 'v1', '--network', 'private', '--host', 'compute1');
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`via ${url}`), 'the lab API, not the default endpoint');
    assert.match(r.stdout, /address by DHCP/);
    const rec = JSON.parse(readFileSync(join(DIR, 'instances', 'v1.json'), 'utf8'));
    assert.equal(rec.netns, `${P}vm-v1`, "the lab's instance namespace names");
    const list = await neutrino('instance', 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /v1\s+compute1\s+private\s+10\.0\.0\.\d+\s+ACTIVE/);
  });

  it('with two labs up, asks for --lab PREFIX; --lab picks one', async () => {
    // a second lab, as the registry sees it: an entry and a running "server" whose command line names its dir
    const other = join(ROOT, 'other-lab');
    mkdirSync(join(other, 'run'), { recursive: true });
    fakeServer = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)', other], { stdio: 'ignore' });
    writeFileSync(join(other, 'run', 'server.pid'), `${fakeServer.pid}\n`);
    writeFileSync(join(TMP, 'neutrino-labs', `${P}x-`), `${other}\n`);
    try {
      const r = await neutrino('instance', 'list');
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /2 labs are up/);
      assert.match(r.stderr, new RegExp(`${P} in ${DIR}`));
      assert.match(r.stderr, /--lab PREFIX/);
      const picked = await neutrino('instance', 'list', '--lab', P);
      assert.equal(picked.code, 0, picked.stderr);
      assert.match(picked.stdout, /v1\s+compute1/);
      const none = await neutrino('instance', 'list', '--lab', 'nosuch-');
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no lab with prefix nosuch- is up/);
    } finally {
      fakeServer.kill('SIGKILL');
      rmSync(join(TMP, 'neutrino-labs', `${P}x-`), { force: true });
    }
  });

  it('lab down deletes every instance of the lab, one recorded in another state_path too', async () => {
    const conf = join(ROOT, 'elsewhere.conf');
    writeFileSync(conf, `[DEFAULT]\nstate_path = ${ELSEWHERE}\n`);
    const stray = await neutrino('instance', 'boot', STRAY, '--network', 'private', '--host', 'compute1', '--config-file', conf, '--os-url', url);
    assert.equal(stray.code, 0, `${stray.stdout}\n${stray.stderr}`);
    assert.ok(namespaces().includes(`vm-${STRAY}`));
    assert.ok(existsSync(join(ELSEWHERE, 'instances', `${STRAY}.json`)));
    const down = await neutrino('lab', 'down', '--prefix', P, '--dir', DIR);
    assert.equal(down.code, 0, `${down.stdout}\n${down.stderr}`);
    assert.match(down.stdout, new RegExp(`instance namespace vm-${STRAY} .*deleted`));
    const left = namespaces().filter((n) => n.startsWith(P) || n === `vm-${STRAY}`);
    assert.deepEqual(left, [], 'no namespace of the lab or its instances left');
    assert.equal(existsSync(`/etc/netns/${P}vm-v1`), false, "the lab instance's resolv.conf dir is gone");
    assert.equal(existsSync(`/etc/netns/vm-${STRAY}`), false, "the stray instance's resolv.conf dir is gone");
    assert.deepEqual(readdirSync(join(TMP, 'neutrino-labs')), [], 'the lab is no longer registered');
    const after = await neutrino('instance', 'list');
    assert.equal(after.code, 0);
    assert.doesNotMatch(after.stdout, /v1/, 'no lab up: the default state_path, not the old lab');
  });
});
