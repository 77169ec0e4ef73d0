// KeystoneAuth against the real Keystone from scripts/keystone/setup.sh.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { before, describe, it } from 'node:test';
import { IdentityUnavailable, KeystoneAuth, Unauthorized } from '../../src/api/auth/keystone.js';
import { ALAN, ALICE, BOB, keystoneProblem, revokeToken, serviceAuthOptions, tokenOf } from '../helpers/keystone.js';

async function unusedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('KeystoneAuth against Keystone', () => {
  before(async () => {
    const problem = await keystoneProblem();
    if (problem) throw new Error(problem);
  });

  it('accepts a member token with its project and roles', async () => {
    const auth = new KeystoneAuth(serviceAuthOptions());
    const info = await auth.validate(await tokenOf(ALICE));
    assert.equal(info.userName, 'alice');
    assert.match(info.userId, /^[0-9a-f]{32}$/);
    assert.equal(info.projectName, 'neutrino-a');
    assert.match(info.projectId ?? '', /^[0-9a-f]{32}$/);
    assert.equal(info.domainId, 'default');
    // bootstrap makes member imply reader
    assert.deepEqual([...info.roles].sort(), ['member', 'reader']);
    assert.equal(info.isAdmin, false);
    assert.equal(info.systemScope, null);
    assert.ok(info.expiresAt.getTime() > Date.now());
  });

  it('tells projects apart', async () => {
    const auth = new KeystoneAuth(serviceAuthOptions());
    const [a, b] = await Promise.all([tokenOf(ALICE), tokenOf(BOB)]);
    const [ia, ib] = await Promise.all([auth.validate(a), auth.validate(b)]);
    assert.equal(ib.projectName, 'neutrino-b');
    assert.notEqual(ia.projectId, ib.projectId);
  });

  it('gives a reader only the reader role', async () => {
    const info = await new KeystoneAuth(serviceAuthOptions()).validate(await tokenOf(ALAN));
    assert.equal(info.userName, 'alan');
    assert.deepEqual(info.roles, ['reader']);
    assert.equal(info.isAdmin, false);
  });

  it('rejects garbage', async () => {
    const auth = new KeystoneAuth(serviceAuthOptions());
    await assert.rejects(auth.validate('gAAAAABnot-a-real-fernet-token'), Unauthorized);
    await assert.rejects(auth.validate('x'), Unauthorized);
  });

  it('rejects a revoked token once nothing has it cached', async () => {
    const token = await tokenOf(ALICE);
    const cached = new KeystoneAuth(serviceAuthOptions());
    await cached.validate(token);
    await revokeToken(token);
    // A fresh instance has no cache entry, so it must ask Keystone.
    await assert.rejects(new KeystoneAuth(serviceAuthOptions()).validate(token), Unauthorized);
    // The documented trade-off: the first instance keeps its answer until the entry lapses.
    assert.equal((await cached.validate(token)).userName, 'alice');
  });

  it('is unavailable when Keystone is not there', async () => {
    const port = await unusedPort();
    const auth = new KeystoneAuth(serviceAuthOptions({ authUrl: `http://127.0.0.1:${port}/v3` }));
    await assert.rejects(auth.validate(await tokenOf(ALICE)), IdentityUnavailable);
  });

  it('is unavailable when its service password is wrong', async () => {
    const auth = new KeystoneAuth(serviceAuthOptions({ password: 'not-the-password' }));
    await assert.rejects(auth.validate(await tokenOf(ALICE)), IdentityUnavailable);
  });
});
