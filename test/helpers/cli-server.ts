// A test server (SQLite, listening) with the real `openstack` CLI pointed at it in noauth mode
// and an empty clouds.yaml of its own, set up and taken down by the calling describe's hooks.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { openstackCli, type OpenstackCli } from './openstack-cli.js';
import { startTestServer, type TestServer } from './server.js';

export interface CliServer {
  s: TestServer;
  osc: OpenstackCli;
  /** an API call (as the noauth admin) that must succeed: its body */
  api(method: string, path: string, body?: unknown): Promise<any>;
}

export function cliServer(tag: string, config?: Record<string, Record<string, string>>): CliServer {
  let dir = '';
  const h = {
    async api(method: string, path: string, body?: unknown) {
      const r = await h.s.req(method, path, body);
      assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
  } as CliServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), `neutrino-${tag}-osc-`));
    writeFileSync(join(dir, 'clouds.yaml'), 'clouds: {}\n');
    h.s = await startTestServer('sqlite', { listen: true, config });
    h.osc = openstackCli(h.s.url!, join(dir, 'clouds.yaml'));
  });
  after(async () => {
    try {
      await h.s?.close();
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });
  return h;
}
