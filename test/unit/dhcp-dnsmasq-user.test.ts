// dnsmasq reads its files as nobody on SIGHUP: a state_path behind a directory closed to other
// users makes the agent run it as root, and say so.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { closedAncestor } from '../../src/agents/dhcp/start.js';

describe('dnsmasq user', () => {
  it('finds the first directory other users cannot enter on the way to the DHCP dir', () => {
    const top = mkdtempSync(join(tmpdir(), 'neutrino-dnsmasq-user-'));
    try {
      chmodSync(top, 0o755);
      mkdirSync(join(top, 'open', 'closed', 'state'), { recursive: true });
      chmodSync(join(top, 'open'), 0o755);
      chmodSync(join(top, 'open', 'closed'), 0o700);
      assert.equal(closedAncestor(join(top, 'open', 'closed', 'state', 'dhcp')), join(top, 'open', 'closed'));
      chmodSync(join(top, 'open', 'closed'), 0o711);
      assert.equal(closedAncestor(join(top, 'open', 'closed', 'state', 'dhcp')), null, 'o+x is enough');
      assert.equal(closedAncestor(join(top, 'open', 'not-yet', 'dhcp')), null, 'directories the agent will make are 0755');
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });
});
