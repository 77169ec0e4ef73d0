import { concurrencySuite } from '../helpers/concurrency.js';

concurrencySuite('postgres');
