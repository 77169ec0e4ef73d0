// The real `openstack` CLI with Keystone credentials, finding Neutrino through the catalog.
//
// Where the catalog points: scripts/keystone/setup.sh registers the network endpoint at
// NEUTRINO_ENDPOINT (http://127.0.0.1:9696 by default), where a developer's own server may be
// running. Rather than borrow that port (which may be taken, or be that server), the test
// server listens on a free port and the test PATCHes the RegionOne network endpoints to it as
// admin, putting the old URLs back afterwards. If the test dies in between, the next run of
// setup.sh moves them back (it corrects any endpoint that is not at NEUTRINO_ENDPOINT).
// The tiers run one test file at a time, so no other test sees the moved endpoints.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ALICE, KEYSTONE_URL, keystoneProblem, keystoneServerConfig, moveNetworkEndpoints, projectId } from '../helpers/keystone.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CLI_TIMEOUT_MS = 90_000;

describe('openstack CLI with Keystone credentials, through the catalog', () => {
  let s: TestServer;
  let dir: string;
  let restore: (() => Promise<void>) | null = null;

  before(async () => {
    const problem = await keystoneProblem();
    if (problem) throw new Error(problem);
    s = await startTestServer('sqlite', { listen: true, config: keystoneServerConfig() });
    restore = await moveNetworkEndpoints(s.url!);
    dir = mkdtempSync(join(tmpdir(), 'neutrino-osc-ks-'));
    // an empty clouds.yaml of our own, so a developer's clouds.yaml changes nothing
    writeFileSync(join(dir, 'clouds.yaml'), 'clouds: {}\n');
  });

  after(async () => {
    try {
      await restore?.();
    } finally {
      await s?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OS_')) env[k] = v;
    Object.assign(env, {
      OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'),
      OS_AUTH_URL: KEYSTONE_URL,
      OS_USERNAME: ALICE.name,
      OS_PASSWORD: ALICE.password,
      OS_PROJECT_NAME: ALICE.project,
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      OS_IDENTITY_API_VERSION: '3',
      OS_REGION_NAME: 'RegionOne',
      PYTHONWARNINGS: 'ignore',
    });
    return new Promise((resolve) => {
      execFile('openstack', args, { env, timeout: CLI_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) + (err && code === -1 ? `\n[${err.message}]` : '') });
      });
    });
  }

  async function json(args: string[]): Promise<any> {
    // eslint-disable-line @typescript-eslint/no-explicit-any
    const r = await cli([...args, '-f', 'json']);
    assert.equal(r.code, 0, `openstack ${args.join(' ')} → exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  it("creates and lists alice's network, in her project", async () => {
    const name = `osc-ks-${process.pid}`;
    const created = await json(['network', 'create', name]);
    assert.equal(created.name, name);
    const projectA = await projectId('neutrino-a');
    assert.equal(created.project_id, projectA, "the server took the project from alice's token");
    const listed = (await json(['network', 'list'])) as { ID: string; Name: string }[];
    assert.ok(
      listed.some((n) => n.ID === created.id && n.Name === name),
      JSON.stringify(listed),
    );
    // it really went to this server, through the moved endpoint
    const row = await s.db.kysely.selectFrom('networks').select('id').where('id', '=', created.id).executeTakeFirst();
    assert.ok(row, "the network is in the test server's database");
  });
});
