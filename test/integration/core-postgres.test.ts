import { coreSuite } from '../api/suite-core.js';

coreSuite('postgres');
