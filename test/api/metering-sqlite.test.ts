import { meteringSuite } from './suite-metering.js';

meteringSuite('sqlite');
