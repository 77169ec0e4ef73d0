import { subnetServiceTypesSuite } from './suite-subnet-service-types.js';

subnetServiceTypesSuite('sqlite');
