import { subnetServiceTypesSuite } from '../api/suite-subnet-service-types.js';

subnetServiceTypesSuite('postgres');
