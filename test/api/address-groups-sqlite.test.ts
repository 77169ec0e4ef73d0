import { addressGroupSuite } from './suite-address-groups.js';

addressGroupSuite('sqlite');
