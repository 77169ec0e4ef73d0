import { subnetPoolSuite } from './suite-subnetpools.js';

subnetPoolSuite('sqlite');
