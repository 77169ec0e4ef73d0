import { l3Suite } from './suite-l3.js';

l3Suite('sqlite');
