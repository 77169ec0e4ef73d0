import { badInputSuite } from '../api/suite-bad-input.js';

badInputSuite('postgres');
