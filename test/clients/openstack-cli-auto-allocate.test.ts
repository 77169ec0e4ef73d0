// auto-allocated-topology through the real `openstack` CLI against a Neutrino server (noauth)
// with service_plugins = router,auto_allocate: `--check-resources` names what is missing and
// passes once it is there. (`create --or-show` and `delete` need the caller's project id for the
// URL, which openstacksdk takes from a Keystone token: noauth has none; the API suites cover them.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliServer } from '../helpers/cli-server.js';

describe('openstack CLI: auto-allocated topology', () => {
  const h = cliServer('aa', { DEFAULT: { service_plugins: 'router,auto_allocate' } });

  it('--check-resources names what is missing, and passes once a default external network and pool exist', async () => {
    const check = await h.osc.run(['network', 'auto', 'allocated', 'topology', 'create', '--check-resources']);
    assert.notEqual(check.code, 0);
    assert.match(check.stderr, /No default router:external network/);
    const ext = await h.osc.json(['network', 'create', '--external', '--default', 'aa-osc-public']);
    assert.equal(ext.is_default, true);
    await h.osc.ok(['subnet', 'create', '--network', ext.id, '--subnet-range', '203.0.113.0/24', 'aa-osc-public-v4']);
    await h.osc.ok(['subnet', 'pool', 'create', '--pool-prefix', '10.210.0.0/16', '--default-prefix-length', '24', '--share', '--default', 'aa-osc-pool']);
    assert.equal((await h.osc.run(['network', 'auto', 'allocated', 'topology', 'create', '--check-resources'])).code, 0);
  });
});
