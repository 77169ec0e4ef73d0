import { qosSuite } from './suite-qos.js';

qosSuite('sqlite');
