// The foundation API suite (core) again, with real Keystone tokens: auth_strategy = keystone,
// and every identity the suite asks for is a real user's token on a real project
// (token-identities.ts). Needs the Keystone of scripts/keystone/setup.sh.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { keystoneProblem } from '../helpers/keystone.js';
import { useIdentityTranslation } from '../helpers/server.js';
import { coreSuite } from '../api/suite-core.js';
import { KeystoneIdentities } from './token-identities.js';

const identities = new KeystoneIdentities();
useIdentityTranslation(identities);

before(async () => {
  const problem = await keystoneProblem();
  if (problem) throw new Error(problem);
});
after(async () => {
  await identities.cleanup();
  // proof that the suite ran on tokens, not on noauth headers
  assert.ok(identities.tokensIssued > 0, `only ${identities.tokensIssued} Keystone tokens were used`);
});

coreSuite('sqlite');
