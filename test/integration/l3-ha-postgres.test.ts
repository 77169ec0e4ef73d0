import { l3HaSuite } from '../api/suite-l3-ha.js';

l3HaSuite('postgres');
