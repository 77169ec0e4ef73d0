import { fwaasSuite } from './suite-fwaas.js';

fwaasSuite('sqlite');
