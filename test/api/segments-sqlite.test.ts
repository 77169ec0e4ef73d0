import { segmentSuite } from './suite-segments.js';

segmentSuite('sqlite');
