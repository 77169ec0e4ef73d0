// The foundation API suite (extras) again, with real Keystone tokens: auth_strategy = keystone,
// and every identity the suite asks for is a real user's token on a real project
// (token-identities.ts). Needs the Keystone of scripts/keystone/setup.sh.
import { extrasSuite } from '../api/suite-extras.js';
import { onKeystoneTokens } from './token-identities.js';

onKeystoneTokens(() => extrasSuite('sqlite'));
