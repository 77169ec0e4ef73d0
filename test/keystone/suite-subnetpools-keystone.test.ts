// The subnet pool and address scope suite again, with real Keystone tokens: auth_strategy =
// keystone, and every identity the suite asks for is a real user's token on a real project
// (token-identities.ts). Needs the Keystone of scripts/keystone/setup.sh.
import { subnetPoolSuite } from '../api/suite-subnetpools.js';
import { onKeystoneTokens } from './token-identities.js';

onKeystoneTokens(() => subnetPoolSuite('sqlite'));
