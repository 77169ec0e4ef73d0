import { concurrencySuite } from '../helpers/concurrency.js';

concurrencySuite('sqlite');
