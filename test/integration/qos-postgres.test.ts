import { qosSuite } from '../api/suite-qos.js';

qosSuite('postgres');
