import { autoAllocateSuite } from './suite-auto-allocate.js';

autoAllocateSuite('sqlite');
