import { extrasSuite } from '../api/suite-extras.js';

extrasSuite('postgres');
