import { addressGroupSuite } from '../api/suite-address-groups.js';

addressGroupSuite('postgres');
