// The foundation API suite (bad-input) again, with real Keystone tokens: auth_strategy = keystone,
// and every identity the suite asks for is a real user's token on a real project
// (token-identities.ts). Needs the Keystone of scripts/keystone/setup.sh.
import { badInputSuite } from '../api/suite-bad-input.js';
import { onKeystoneTokens } from './token-identities.js';

onKeystoneTokens(() => badInputSuite('sqlite'));
