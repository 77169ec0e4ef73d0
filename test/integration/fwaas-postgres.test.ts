import { fwaasSuite } from '../api/suite-fwaas.js';

fwaasSuite('postgres');
