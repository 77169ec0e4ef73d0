import { availabilityZoneSuite } from './suite-availability-zones.js';

availabilityZoneSuite('sqlite');
