import { extrasSuite } from './suite-extras.js';

extrasSuite('sqlite');
