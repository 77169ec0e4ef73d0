// The foundation API suite (rbac) again, with real Keystone tokens: auth_strategy = keystone,
// and every identity the suite asks for is a real user's token on a real project
// (token-identities.ts). Needs the Keystone of scripts/keystone/setup.sh.
import { rbacSuite } from '../api/suite-rbac.js';
import { onKeystoneTokens } from './token-identities.js';

onKeystoneTokens(() => rbacSuite('sqlite'));
