// Logs as a Neutron operator reads them: `neutrino server` on a pseudo-terminal (util-linux
// `script`) prints oslo.log-style text lines; with [DEFAULT] use_json = true one JSON object
// per line; with log_dir the text goes to log_dir/neutrino-server.log; debug shows debug lines.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'neutrino-logging-'));
const OSLO_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (\d+) (INFO|DEBUG|WARN|ERROR) neutrino-server \[[^\]]+\] /;
// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal colour codes are what is removed
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r/g, '');
const pids: number[] = [];

/**
 * Runs the server under `script` (a pseudo-terminal) until `ready` matches what it logged (its
 * terminal output, or the file `logFile`), makes one request, stops the server by the pid in its
 * log lines, and returns the terminal output and the log file.
 */
async function serverOnTerminal(extra: string, ready: RegExp, pidPattern: RegExp, logFile?: string): Promise<{ out: string; file: string }> {
  const port = await freePort();
  const conf = join(dir, `server-${port}.conf`);
  writeFileSync(conf, `[DEFAULT]\nbind_port = ${port}\nstate_path = ${dir}/state-${port}\n${extra}\n`);
  const cmd = `exec ${process.execPath} ${CLI} server --db-upgrade --config-file ${conf}`;
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const logged = () => plain(logFile ? readIfThere(logFile) : out);
  const deadline = Date.now() + 15_000;
  while (!ready.test(logged())) {
    assert.ok(Date.now() < deadline, `the server did not get ready:\n${out}\n${logged()}`);
    assert.equal(child.exitCode, null, `exited:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const res = await fetch(`http://127.0.0.1:${port}/v2.0/networks`, { method: 'POST', body: JSON.stringify({ network: { name: 'logged' } }) });
  assert.equal(res.status, 201);
  const pid = Number(logged().match(pidPattern)?.[1]);
  assert.ok(pid > 1, `no pid in:\n${logged()}`);
  pids.push(pid);
  process.kill(pid, 'SIGTERM');
  await exited;
  return { out: plain(out), file: logFile ? plain(readIfThere(logFile)) : '' };
}

function readIfThere(f: string): string {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

const textLines = (s: string) => s.split('\n').filter((l) => l.trim());
const OSLO_PID = new RegExp(OSLO_LINE.source, 'm');

describe('logging (oslo.log options)', () => {
  after(() => {
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // stopped already
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints oslo.log-style text lines on a terminal by default, fields inline on the same line', async () => {
    const { out } = await serverOnTerminal('', /server\.listen/, OSLO_PID);
    const lines = textLines(out);
    assert.ok(lines.length >= 3, out);
    for (const l of lines) assert.match(l, OSLO_LINE, `not an oslo.log line: ${l}`);
    assert.ok(
      lines.some((l) => / INFO neutrino-server \[req-[0-9a-f-]+\] network created \{.*"event":"network\.create"/.test(l)),
      `the network.create event is one text line with its fields:\n${out}`,
    );
    assert.ok(
      lines.some((l) => /"event":"server\.stop"/.test(l)),
      out,
    );
    assert.ok(!lines.some((l) => / DEBUG /.test(l)), 'no debug line without debug = true');
  });

  it('prints one JSON object per line with use_json = true, on the same terminal', async () => {
    const { out } = await serverOnTerminal('use_json = true', /"server\.listen"/, /"pid":(\d+)/);
    const lines = textLines(out).map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.event === 'network.create' && l.network_id && l.level === 30));
    assert.ok(lines.some((l) => l.event === 'server.stop'));
  });

  it('writes text lines to log_dir/neutrino-server.log and nothing to the terminal; debug = true adds debug lines', async () => {
    const logDir = join(dir, 'logs');
    const { out, file } = await serverOnTerminal(`log_dir = ${logDir}\ndebug = true`, /server\.listen/, OSLO_PID, join(logDir, 'neutrino-server.log'));
    assert.equal(out.trim(), '', 'the terminal stays quiet');
    const lines = textLines(file);
    for (const l of lines) assert.match(l, OSLO_LINE, `not an oslo.log line: ${l}`);
    assert.ok(
      lines.some((l) => /"event":"network\.create"/.test(l)),
      file,
    );
    assert.ok(
      lines.some((l) => / DEBUG /.test(l)),
      `debug lines with debug = true:\n${file}`,
    );
  });
});
