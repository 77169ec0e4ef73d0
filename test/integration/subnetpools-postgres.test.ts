import { subnetPoolSuite } from '../api/suite-subnetpools.js';

subnetPoolSuite('postgres');
