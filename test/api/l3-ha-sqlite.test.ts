import { l3HaSuite } from './suite-l3-ha.js';

l3HaSuite('sqlite');
