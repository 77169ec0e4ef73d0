import { l3Suite } from '../api/suite-l3.js';

l3Suite('postgres');
