// auto-allocated-topology through the real `openstack` CLI against a Neutrino server (noauth)
// with service_plugins = router,auto_allocate: `--check-resources` names what is missing and
// passes once it is there. (`create --or-show` and `delete` need the caller's project id for the
// URL, which openstacksdk takes from a Keystone token: noauth has none; the API suites cover them.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openstackCli, type OpenstackCli } from '../helpers/openstack-cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('openstack CLI: auto-allocated topology', () => {
  let s: TestServer;
  let dir: string;
  let osc: OpenstackCli;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'neutrino-aa-osc-'));
    writeFileSync(join(dir, 'clouds.yaml'), 'clouds: {}\n');
    s = await startTestServer('sqlite', { listen: true, config: { DEFAULT: { service_plugins: 'router,auto_allocate' } } });
    osc = openstackCli(s.url!, join(dir, 'clouds.yaml'));
  });
  after(async () => {
    try {
      await s?.close();
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--check-resources names what is missing, and passes once a default external network and pool exist', async () => {
    const check = await osc.run(['network', 'auto', 'allocated', 'topology', 'create', '--check-resources']);
    assert.notEqual(check.code, 0);
    assert.match(check.stderr, /No default router:external network/);
    const ext = await osc.json(['network', 'create', '--external', '--default', 'aa-osc-public']);
    assert.equal(ext.is_default, true);
    await osc.ok(['subnet', 'create', '--network', ext.id, '--subnet-range', '203.0.113.0/24', 'aa-osc-public-v4']);
    await osc.ok(['subnet', 'pool', 'create', '--pool-prefix', '10.210.0.0/16', '--default-prefix-length', '24', '--share', '--default', 'aa-osc-pool']);
    assert.equal((await osc.run(['network', 'auto', 'allocated', 'topology', 'create', '--check-resources'])).code, 0);
  });
});
