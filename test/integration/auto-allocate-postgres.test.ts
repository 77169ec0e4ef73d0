import { autoAllocateSuite } from '../api/suite-auto-allocate.js';

autoAllocateSuite('postgres');
