// The real `openstack` CLI against a test server in noauth mode (--os-auth-type none
// --os-endpoint <url>), with every OS_* variable cleaned out of its environment so that a
// developer's clouds.yaml or OS_CLOUD cannot change what it does.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';

const CLI_TIMEOUT_MS = 90_000;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  argv: string[];
}

export interface OpenstackCli {
  run(args: string[]): Promise<CliResult>;
  /** a command with `-f json` that must succeed: its parsed output */
  json(args: string[]): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** a command that must succeed: its stdout */
  ok(args: string[]): Promise<string>;
  /** a command that must fail: its stderr */
  fails(args: string[]): Promise<string>;
}

export function openstackCli(url: string, cloudsYaml: string): OpenstackCli {
  const run = (args: string[]): Promise<CliResult> => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OS_')) env[k] = v;
    env.OS_CLIENT_CONFIG_FILE = cloudsYaml;
    env.PYTHONWARNINGS = 'ignore';
    const argv = ['--os-auth-type', 'none', '--os-endpoint', url, ...args];
    return new Promise((resolve) => {
      execFile('openstack', argv, { env, timeout: CLI_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        let code = 0;
        if (err) {
          const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
          code = typeof e.code === 'number' ? e.code : e.killed ? -1 : -2;
          if (code < 0) stderr = `${String(stderr)}\n[${e.killed ? `killed after ${CLI_TIMEOUT_MS} ms` : `could not run openstack: ${e.message}`}]`;
        }
        resolve({ code, stdout: String(stdout), stderr: String(stderr), argv });
      });
    });
  };
  const show = (r: CliResult) => `openstack ${r.argv.join(' ')}\n→ exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  return {
    run,
    async ok(args) {
      const r = await run(args);
      assert.equal(r.code, 0, show(r));
      return r.stdout;
    },
    async json(args) {
      const r = await run([...args, '-f', 'json']);
      assert.equal(r.code, 0, show(r));
      try {
        return JSON.parse(r.stdout);
      } catch (e) {
        assert.fail(`the CLI did not print JSON (${(e as Error).message}):\n${show(r)}`);
      }
    },
    async fails(args) {
      const r = await run(args);
      assert.ok(r.code > 0, `expected a non-zero exit:\n${show(r)}`);
      return r.stderr;
    },
  };
}
