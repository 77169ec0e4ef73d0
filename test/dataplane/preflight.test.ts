// Preflight: with a binary taken out of PATH, the DHCP agent and `lab up` refuse at once,
// name the binary and its Debian package, and leave nothing behind; `sanity-check` says the
// same and exits 1. PATH is a test-unique directory of links to everything on the real PATH
// but the binaries taken out.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const P = `t${process.pid % 10000}pf-`;
const DIR = mkdtempSync(join(tmpdir(), `neutrino-${P}`));

/** A PATH with every program of the real PATH but `missing`. */
function pathWithout(...missing: string[]): string {
  const bin = join(DIR, `bin-without-${missing.join('-')}`);
  mkdirSync(bin, { recursive: true });
  for (const d of (process.env.PATH ?? '').split(':')) {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (missing.includes(n) || existsSync(join(bin, n))) continue;
      try {
        symlinkSync(join(d, n), join(bin, n));
      } catch {
        // a dangling or racing name: not needed
      }
    }
  }
  return bin;
}

interface Out {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function neutrino(path: string, args: string[], timeoutMs = 60_000): Promise<Out> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: timeoutMs, env: { ...process.env, PATH: path } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr), ms: Date.now() - t0 });
    });
  });
}

const run = (file: string, args: string[]) => new Promise<string>((resolve) => execFile(file, args, (_e, stdout) => resolve(String(stdout))));

const ourNamespaces = () => (existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(P)) : []);

describe('preflight', () => {
  after(async () => {
    // in case a refusal did not happen: take down whatever a lab with our prefix made
    await neutrino(process.env.PATH ?? '', ['lab', 'down', '--prefix', P, '--dir', join(DIR, 'lab')]);
    rmSync(DIR, { recursive: true, force: true });
  });

  it('the DHCP agent without dnsmasq refuses at once, naming dnsmasq and dnsmasq-base', async () => {
    const conf = join(DIR, 'dhcp.conf');
    // a RabbitMQ URL nobody listens on: the agent must refuse before it tries to connect
    writeFileSync(conf, `[DEFAULT]\ntransport_url = rabbit://guest:guest@127.0.0.1:${await freePort()}/\nstate_path = ${join(DIR, 'dhcp-state')}\n`);
    const r = await neutrino(pathWithout('dnsmasq'), ['agent', 'dhcp', '--host', `${P}net`, '--config-file', conf]);
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /the dhcp agent cannot start on this host/);
    assert.match(r.stderr, /dnsmasq \(Debian package dnsmasq-base\)/);
    assert.match(r.stderr, /apt-get install dnsmasq-base/);
    assert.doesNotMatch(r.stderr, /dhcp_release/, 'only what is missing is named');
    assert.ok(r.ms < 10_000, `refused after ${r.ms} ms`);
    assert.equal(existsSync(join(DIR, 'dhcp-state')), false, 'no state made');
  });

  it('sanity-check --agent dhcp reports the same and exits 1; with dnsmasq present it exits 0', async () => {
    const r = await neutrino(pathWithout('dnsmasq'), ['sanity-check', '--agent', 'dhcp']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /MISSING\s+binary\s+dnsmasq\s.*apt-get install dnsmasq-base/);
    assert.match(r.stdout, /ok\s+binary\s+dhcp_release/);
    const good = await neutrino(process.env.PATH ?? '', ['sanity-check', '--agent', 'dhcp']);
    assert.equal(good.code, 0, good.stdout);
    assert.match(good.stdout, /neutrino agent dhcp: ready/);
  });

  it('lab up without ping refuses before making anything, naming ping and iputils-ping', async () => {
    const labDir = join(DIR, 'lab');
    const port = await freePort();
    const r = await neutrino(pathWithout('ping'), ['lab', 'up', '--computes', '1', '--prefix', P, '--dir', labDir, '--port', String(port)]);
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /lab up cannot start on this host, it is missing/);
    assert.match(r.stderr, /ping \(Debian package iputils-ping\)/);
    assert.ok(r.ms < 15_000, `refused after ${r.ms} ms`);
    assert.deepEqual(ourNamespaces(), [], 'no namespace made');
    assert.equal(existsSync(join(labDir, 'lab.json')), false, 'no lab record');
    assert.equal(existsSync(join(labDir, 'run')), false, 'no process started');
    const vhosts = await run('rabbitmqctl', ['-q', 'list_vhosts']);
    assert.doesNotMatch(vhosts, new RegExp(`neutrino-${P}`), 'no RabbitMQ vhost made');
    const answer = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
    assert.equal(answer, false, 'no server started');
  });
});
