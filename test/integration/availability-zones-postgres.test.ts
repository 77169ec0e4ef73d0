import { availabilityZoneSuite } from '../api/suite-availability-zones.js';

availabilityZoneSuite('postgres');
