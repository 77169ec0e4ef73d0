import { badInputSuite } from './suite-bad-input.js';

badInputSuite('sqlite');
