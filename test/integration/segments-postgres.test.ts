import { segmentSuite } from '../api/suite-segments.js';

segmentSuite('postgres');
