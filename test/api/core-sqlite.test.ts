import { coreSuite } from './suite-core.js';

coreSuite('sqlite');
